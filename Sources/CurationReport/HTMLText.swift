import Curation
import CurationStore
import Foundation
import SVGCharts

/// Text made safe for HTML and SVG, and the number formats of the report.
package enum HTMLText {
    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references: safe as element
    /// content and inside a quoted attribute (`SVGText.escape`: the rules of SVG are HTML's).
    package static func escape(_ text: String) -> String { SVGText.escape(text) }

    /// `text` cut at a word boundary to at most `limit` characters, with "…" when cut.
    static func truncated(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        let cut = text.prefix(limit)
        let word = cut.lastIndex(of: " ").map { cut[..<$0] } ?? cut
        return String(word.count > limit / 2 ? word : cut) + "…"
    }

    /// An integer with thousands separators: `40,000`.
    static func count(_ n: Int) -> String { SVGText.grouped(n) }

    /// `value` with `digits` decimals.
    static func fixed(_ value: Double, _ digits: Int) -> String { SVGText.fixed(value, digits) }

    /// A share as a percentage with one decimal: `12.5 %`.
    static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "—" : String(format: "%.1f %%", 100 * Double(part) / Double(whole))
    }

    /// Seconds for a timing table: `0.023 s`, `12.4 s`.
    static func seconds(_ value: Double) -> String {
        value < 10 ? String(format: "%.3f s", value) : String(format: "%.1f s", value)
    }
}
