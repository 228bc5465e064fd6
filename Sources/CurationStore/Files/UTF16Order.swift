/// Ordering of ids by UTF-16 code units, as JavaScript compares strings (`a < b`): the order the
/// reference clustering visits prospects in (`seed-contract.md` §2b).
///
/// It equals Unicode code-point order (and SQLite's `BINARY` collation, UTF-8 bytes) except for
/// ids mixing characters above U+FFFF with characters in U+E000–U+FFFF: a supplementary character
/// is a surrogate pair (U+D800–U+DFFF) in UTF-16, so it sorts **before** U+E000–U+FFFF here and
/// after them by code point. It is not Swift's `String` `<` either, which compares canonically
/// equivalent strings as equal: here `"e\u{301}"` (U+0065 U+0301) sorts before `"\u{E9}"`, and
/// the two are different ids.
package enum UTF16Order {
    /// Whether `a` sorts strictly before `b` by UTF-16 code units.
    package static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf16.lexicographicallyPrecedes(b.utf16)
    }

    /// The indices of `ids` sorted by the UTF-16 code units of the ids; equal ids keep their order.
    /// - Complexity: O(n log n) comparisons, each O(length of the shorter id).
    package static func sortedIndices(of ids: [String]) -> [Int] {
        let keys = ids.map { Array($0.utf16) }
        return ids.indices.sorted { a, b in
            let (x, y) = (keys[a], keys[b])
            for (p, q) in zip(x, y) where p != q { return p < q }
            return x.count != y.count ? x.count < y.count : a < b
        }
    }
}
