/// Items grouped by their best recall hit (ARCHITECTURE §4, step 2): an item whose best hit
/// scores at least the floor joins that hit's region, the others are cold. Regions come in the
/// order their first member appears, members in the order given.
///
/// ```swift
/// let hits: [RecallHit?] = [RecallHit(index: 7, score: 0.9), nil, RecallHit(index: 7, score: 0.65)]
/// let split = RecallRegions([2, 0, 1], topHits: hits, floor: 0.6)
/// // split.regions == [.init(anchor: 7, members: [2, 0])], split.cold == [1]
/// ```
public struct RecallRegions: Sendable, Equatable {
    /// The items whose best hit is one database row.
    public struct Region: Sendable, Equatable {
        /// The database row (for instance a committed item) the members recalled best.
        public let anchor: Int
        /// The members, in the order given.
        public let members: [Int]

        /// The region of `anchor` holding `members`.
        public init(anchor: Int, members: [Int]) {
            self.anchor = anchor
            self.members = members
        }
    }

    /// The regions, in order of their first member.
    public let regions: [Region]
    /// Items without a hit at the floor, in the order given.
    public let cold: [Int]

    /// `items` split into regions and cold items, where `topHits[item]` is an item's best
    /// recall hit (nil without hits).
    public init(_ items: [Int], topHits: [RecallHit?], floor: Double) {
        var members: [Int: [Int]] = [:]
        var anchors: [Int] = []
        var cold: [Int] = []
        for item in items {
            if let top = topHits[item], top.score >= floor {
                if members[top.index] == nil { anchors.append(top.index) }
                members[top.index, default: []].append(item)
            } else {
                cold.append(item)
            }
        }
        regions = anchors.map { Region(anchor: $0, members: members[$0]!) }
        self.cold = cold
    }
}
