import Kernels
import XCTest

/// How work is cut into the workers' parts.
final class ComputeThreadsTests: XCTestCase {
    /// Parts cover the range in order without gaps, each non-empty and at least `minimum` long
    /// when there are several; inner boundaries land on multiples where they can.
    func testSplitCoversTheRangeAndAlignsInnerBoundaries() {
        for total in [0, 1, 7, 31, 32, 33, 40, 100, 127, 700, 1024, 1025] {
            for workers in 1...4 {
                for multiple in [1, 8, 32, 64] {
                    let parts = ComputeThreads.split(total, minimum: 8, workers: workers, multiple: multiple)
                    let context = "total \(total), \(workers) workers, multiple \(multiple)"
                    XCTAssertEqual(parts.first?.lowerBound, 0, context)
                    XCTAssertEqual(parts.last?.upperBound, total, context)
                    XCTAssertEqual(parts.count, max(1, min(workers, total / 8)), context)
                    for (left, right) in zip(parts, parts.dropFirst()) {
                        XCTAssertEqual(left.upperBound, right.lowerBound, context)
                        XCTAssertFalse(left.isEmpty || right.isEmpty, context)
                    }
                }
            }
        }
        XCTAssertEqual(ComputeThreads.split(700, minimum: 8, workers: 2, multiple: 64), [0..<320, 320..<700])
        XCTAssertEqual(ComputeThreads.split(700, minimum: 8, workers: 2), [0..<350, 350..<700])
        XCTAssertEqual(ComputeThreads.split(40, minimum: 8, workers: 2, multiple: 64), [0..<20, 20..<40], "no multiple fits")
        XCTAssertEqual(ComputeThreads.split(100, minimum: 8, workers: 3, multiple: 32), [0..<32, 32..<64, 64..<100])
    }
}
