import Kernels
import XCTest

/// The low-rank screens every exactness test also runs with (at 3 engine threads): ranks 1, 2,
/// d − 1 and d (those that exist) and `auto`, with its size floor lifted so that it decides on
/// these small inputs too. Above d = 512 ranks d − 1 and d give way to d/2 and d/2 + 1: a basis
/// of over a thousand directions takes seconds to build (no `auto` choice comes near one).
enum ScreenVariants {
    /// The variants at dimension `d`.
    static func of(dimension d: Int) -> [ScreenRank] {
        let high = d <= 512 ? [d - 1, d] : [d / 2, d / 2 + 1]
        return Set(([1, 2] + high).filter { $0 >= 1 && $0 <= d }).sorted().map(ScreenRank.rank) + [.auto]
    }

    /// Runs `body` with `auto` deciding whatever the number of pairs.
    static func lifted<T>(_ body: () throws -> T) rethrows -> T {
        try ScreenEstimate.withMinimumPairs(0, body)
    }

    /// Asserts that a forced screen (not `auto`) ran, with at least one direction and at most
    /// k, capped at d and at the rows of `axesSource` (the matrix its principal axes come from;
    /// fewer when rows repeat). No screen runs when every row of `axesSource` is zero.
    static func assertForcedScreenRan(_ summary: ScreenSummary?, _ screen: ScreenRank, axesSource: EmbeddingMatrix,
                                      _ context: String, file: StaticString, line: UInt) {
        guard case let .rank(k) = screen else { return }
        guard axesSource.norms.contains(where: { $0 != 0 }) else {
            XCTAssertNil(summary, "\(context): screened zero rows", file: file, line: line)
            return
        }
        let cap = min(k, axesSource.dimension, axesSource.rows)
        XCTAssertTrue(summary.map { (1...cap).contains($0.rank) } ?? false,
                      "\(context): ran rank \(summary.map { String($0.rank) } ?? "none"), not 1...\(cap)", file: file, line: line)
    }
}
