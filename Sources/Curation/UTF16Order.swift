/// Ordering of ids by Unicode code point: the ids' Unicode scalars compared lexicographically by
/// scalar value, the order the reference clustering visits prospects in.
///
/// This is not Swift's `String` `<`, which compares canonically equivalent strings as equal:
/// here `"e\u{301}"` (U+0065 U+0301) sorts before `"\u{E9}"`, and the two are different ids.
/// It is the order of the ids' UTF-8 bytes, and of SQLite's `BINARY` collation.
public enum CodePointOrder {
    /// Whether `a` sorts strictly before `b` by code point.
    public static func precedes(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value }
    }

    /// The indices of `ids` sorted by the code points of the ids; equal ids keep their order.
    /// - Complexity: O(n log n) comparisons, each O(length of the shorter id).
    public static func sortedIndices(of ids: [String]) -> [Int] {
        let keys = ids.map { $0.unicodeScalars.map(\.value) }
        return ids.indices.sorted { a, b in
            let (x, y) = (keys[a], keys[b])
            for (p, q) in zip(x, y) where p != q { return p < q }
            return x.count != y.count ? x.count < y.count : a < b
        }
    }
}
