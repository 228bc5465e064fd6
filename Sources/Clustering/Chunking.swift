/// Groups cut into pieces of bounded size (ARCHITECTURE §4, step 4): each group, in order, into
/// consecutive runs of at most `maxSize` of its members, every piece but its last full.
///
/// ```swift
/// Chunking.pieces(of: [[1, 2, 3], [4]], maxSize: 2).map(\.members)   // [[1, 2], [3], [4]]
/// Chunking.pieceCount(ofSize: 3, maxSize: 2)                          // 2
/// ```
public enum Chunking {
    /// A run of a group's members.
    public struct Piece: Sendable, Equatable {
        /// Position of the group it was cut from; consecutive pieces of one group share it.
        public let group: Int
        /// The members, in the group's order.
        public let members: [Int]
    }

    /// Every group of `groups` cut into pieces of at most `maxSize` (≥ 1) members, in order.
    public static func pieces(of groups: [[Int]], maxSize: Int) -> [Piece] {
        precondition(maxSize >= 1, "pieces need room for a member")
        return groups.enumerated().flatMap { group, members in
            stride(from: 0, to: members.count, by: maxSize).map {
                Piece(group: group, members: Array(members[$0..<min($0 + maxSize, members.count)]))
            }
        }
    }

    /// How many pieces a group of `size` members is cut into at `maxSize` (≥ 1).
    public static func pieceCount(ofSize size: Int, maxSize: Int) -> Int { (size + maxSize - 1) / maxSize }
}
