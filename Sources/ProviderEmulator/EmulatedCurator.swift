/// The emulated model: reads a curator prompt's user message and decides on every prospect.
///
/// The prompt lists prospects in its last section, after a `Prospects:` line, as `K. <label>`,
/// followed by `   type: <type>; ...` and optionally `   summary: <summary>`; every other line
/// (recalled items, similar items, the `> `-quoted source excerpt before it) is ignored. The
/// rule, by index:
/// - a prospect whose label (trimmed, case-insensitively) equals an earlier prospect's label is
///   merged into that prospect's key (`"decision":"merge"`, `merge_into`, with its `item_type`);
/// - otherwise it is committed (`"decision":"commit"`): `item_type` is its type (`item` when
///   `(none)`, empty or `unspecified`), `item_key` is `<slug of type>:<slug of label>`, with its
///   label and summary.
///
/// Every decision has confidence 0.8 and a note. A message without prospects gets an empty
/// decision list.
enum EmulatedCurator {
    /// One prospect as the prompt lists it.
    struct Prospect: Equatable {
        var label: String
        var type = ""
        var summary: String?
    }

    /// The confidence of every decision.
    static let confidence = 0.8

    /// The types that mean "no type": the prospect is committed as an `item`.
    static let untypedMarks: Set = ["", "(none)", "unspecified"]

    /// The prospects listed in `userContent`, index 1 first.
    /// - Complexity: O(length of the text), on its UTF-8 bytes.
    static func prospects(in userContent: String) -> [Prospect] {
        let typePrefix = Array("   type: ".utf8), summaryPrefix = Array("   summary: ".utf8)
        var prospects: [Prospect] = []
        var listing = false
        for line in userContent.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if !listing {
                listing = line.elementsEqual("Prospects:".utf8)
            } else if let label = indexedLabel(line) {
                prospects.append(Prospect(label: label))
            } else if !prospects.isEmpty, line.starts(with: typePrefix) {
                let type = line.dropFirst(typePrefix.count).prefix { $0 != UInt8(ascii: ";") }
                prospects[prospects.count - 1].type = String(decoding: type, as: UTF8.self).trimmingWhitespace()
            } else if !prospects.isEmpty, line.starts(with: summaryPrefix) {
                prospects[prospects.count - 1].summary = String(decoding: line.dropFirst(summaryPrefix.count), as: UTF8.self)
            }
        }
        return prospects
    }

    /// The `curate_decisions` input for `prospects`: `{"decisions":[...]}`.
    static func decisions(for prospects: [Prospect]) -> WireJSON {
        var committed: [String: (index: Int, key: String, type: String)] = [:]
        var decisions: [WireJSON] = []
        for (position, prospect) in prospects.enumerated() {
            let index = position + 1
            let sameLabel = prospect.label.trimmingWhitespace().lowercased()
            if let target = committed[sameLabel] {
                decisions.append(["index": .int(index), "decision": "merge", "merge_into": .string(target.key),
                                  "item_type": .string(target.type), "confidence": .double(confidence),
                                  "note": .string("same label as prospect \(target.index)")])
                continue
            }
            let type = untypedMarks.contains(prospect.type) ? "item" : prospect.type
            let typeSlug = slug(type)
            let labelSlug = slug(prospect.label)
            let key = "\(typeSlug.isEmpty ? "item" : typeSlug):\(labelSlug.isEmpty ? "unnamed" : labelSlug)"
            committed[sameLabel] = (index, key, type)
            var decision: [(String, WireJSON)] = [("index", .int(index)), ("decision", "commit"), ("item_type", .string(type)),
                                                  ("item_key", .string(key)), ("label", .string(prospect.label))]
            if let summary = prospect.summary { decision.append(("summary", .string(summary))) }
            decision += [("confidence", .double(confidence)), ("note", "new item")]
            decisions.append(.object(decision))
        }
        return ["decisions": .array(decisions)]
    }

    /// ASCII letters and digits lowercased, other runs as one `-`, no leading or trailing `-`,
    /// at most 64 characters.
    static func slug(_ text: String) -> String {
        var slug: [UInt8] = []
        var separated = false
        for var byte in text.utf8 {
            if (0x41...0x5A).contains(byte) { byte += 0x20 }
            guard (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) else {
                separated = true
                continue
            }
            if separated && !slug.isEmpty { slug.append(UInt8(ascii: "-")) }
            separated = false
            slug.append(byte)
            if slug.count >= 64 { break }
        }
        return String(decoding: slug, as: UTF8.self)
    }

    /// The label of a `K. <label>` line (K a positive integer, no indentation), else nil.
    private static func indexedLabel(_ line: Substring.UTF8View) -> String? {
        let digits = line.prefix { (0x30...0x39).contains($0) }.count
        let rest = line.dropFirst(digits)
        guard digits > 0, rest.starts(with: ". ".utf8) else { return nil }
        return String(decoding: rest.dropFirst(2), as: UTF8.self)
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace.
    func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else {
            return ""
        }
        return String(self[first...last])
    }
}
