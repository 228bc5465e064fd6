/// Which items a plan takes, and in what order (ARCHITECTURE §4, step 1).
///
/// An item's novelty is 1 − the score of its best recall hit (1 without hits). With recall
/// enabled, items whose novelty is below the threshold are skipped and the others ordered by
/// novelty, descending, ties in index order; without it every item is kept in index order. A
/// limit then keeps the first items and defers the rest.
///
/// ```swift
/// let salience = Salience(topScores: [0.99, nil, 0.4], threshold: 0.05, recallEnabled: true)
/// // salience.salient == [1, 2] (novelty 1, then 0.6), salience.skipped == [0]
/// ```
public struct Salience: Sendable, Equatable {
    /// Items kept, most novel first, at most the limit.
    public let salient: [Int]
    /// Items below the threshold, in index order.
    public let skipped: [Int]
    /// Salient items left out by the limit (the least novel).
    public let deferred: Int

    /// The salience of items `0..<topScores.count`, where `topScores[i]` is item i's best recall
    /// score (nil without hits).
    /// - Parameters:
    ///   - threshold: novelty below which an item is skipped, when `recallEnabled`.
    ///   - recallEnabled: whether recall ran (k > 0 against a non-empty database); else nothing is
    ///     skipped or reordered.
    ///   - limit: keep at most this many salient items (a negative limit keeps none); nil: all.
    public init(topScores: [Double?], threshold: Double, recallEnabled: Bool, limit: Int? = nil) {
        let novelty = topScores.map { 1 - ($0 ?? 0) }
        var salient: [Int] = []
        var skipped: [Int] = []
        for index in novelty.indices {
            if recallEnabled && novelty[index] < threshold { skipped.append(index) } else { salient.append(index) }
        }
        if recallEnabled {
            salient = salient.enumerated().sorted { a, b in
                novelty[a.element] > novelty[b.element] || (!(novelty[b.element] > novelty[a.element]) && a.offset < b.offset)
            }.map(\.element)
        }
        var deferred = 0
        if let limit, salient.count > limit {
            deferred = salient.count - max(limit, 0)
            salient.removeLast(deferred)
        }
        self.salient = salient
        self.skipped = skipped
        self.deferred = deferred
    }
}
