import CurationStore

/// The local curator's item keys: `<type>:<slug of label>`, deterministic, so the same prospect
/// always commits under the same key.
package enum ItemKey {
    /// `<type or "item">:<slug>`, the slug being the label's ASCII letters and digits lowercased,
    /// other runs of characters turned into one `-`, trimmed, at most 64 characters; when the
    /// label has none, `fallback` (e.g. the prospect id) is slugged instead.
    ///
    /// ```swift
    /// ItemKey.derive(type: "libs", label: "libfoo 2.0 (dev)", fallback: "p1")   // "libs:libfoo-2-0-dev"
    /// ```
    package static func derive(type: String?, label: String, fallback: String) -> String {
        let prefix = type.flatMap { slug($0).isEmpty ? nil : slug($0) } ?? "item"
        var body = slug(label)
        if body.isEmpty { body = slug(fallback) }
        if body.isEmpty { body = "unnamed" }
        return "\(prefix):\(body)"
    }

    /// The label's ASCII letters and digits, lowercased, other runs as one `-`, at most 64.
    package static func slug(_ text: String) -> String {
        var out: [UInt8] = []
        var pendingDash = false
        for byte in text.utf8 {
            let lower = (byte >= 0x41 && byte <= 0x5A) ? byte + 0x20 : byte
            if (lower >= 0x61 && lower <= 0x7A) || (lower >= 0x30 && lower <= 0x39) {
                if pendingDash && !out.isEmpty { out.append(UInt8(ascii: "-")) }
                pendingDash = false
                out.append(lower)
                if out.count >= 64 { break }
            } else {
                pendingDash = true
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
