import Curation
import CurationStore
import Foundation

/// Text made safe for HTML and SVG, and the number formats of the report.
package enum HTMLText {
    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references: safe as element
    /// content and inside a quoted attribute. Control characters other than tab and newline
    /// become U+FFFD (they are not allowed in HTML text).
    package static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n": result.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value): result += "\u{FFFD}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `text` cut at a word boundary to at most `limit` characters, with "…" when cut.
    static func truncated(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        let cut = text.prefix(limit)
        let word = cut.lastIndex(of: " ").map { cut[..<$0] } ?? cut
        return String(word.count > limit / 2 ? word : cut) + "…"
    }

    /// An integer with thousands separators: `40,000`.
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var grouped = ""
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return (n < 0 ? "-" : "") + grouped
    }

    /// `value` with `digits` decimals.
    static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

    /// A share as a percentage with one decimal: `12.5 %`.
    static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "—" : String(format: "%.1f %%", 100 * Double(part) / Double(whole))
    }

    /// Seconds for a timing table: `0.023 s`, `12.4 s`.
    static func seconds(_ value: Double) -> String {
        value < 10 ? String(format: "%.3f s", value) : String(format: "%.1f s", value)
    }
}
