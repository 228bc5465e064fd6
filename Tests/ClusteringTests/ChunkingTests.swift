import Clustering
import XCTest

/// Step 4 of a plan: groups cut into pieces of bounded size.
final class ChunkingTests: XCTestCase {
    func testGroupsAreCutInOrderEveryPieceButTheLastFull() {
        let pieces = Chunking.pieces(of: [[9, 8, 7, 6, 5], [4], [3, 2]], maxSize: 2)
        XCTAssertEqual(pieces.map(\.members), [[9, 8], [7, 6], [5], [4], [3, 2]])
        XCTAssertEqual(pieces.map(\.group), [0, 0, 0, 1, 2])
        XCTAssertEqual(Chunking.pieces(of: [[1, 2, 3]], maxSize: 3).map(\.members), [[1, 2, 3]])
        XCTAssertEqual(Chunking.pieces(of: [[1, 2, 3]], maxSize: 1).map(\.members), [[1], [2], [3]])
    }

    func testAnEmptyGroupHasNoPieceButKeepsItsPosition() {
        XCTAssertEqual(Chunking.pieces(of: [[], [1]], maxSize: 4).map(\.group), [1])
        XCTAssertEqual(Chunking.pieces(of: [], maxSize: 4), [])
    }

    func testPieceCountMatchesThePieces() {
        for size in 0...20 {
            for maxSize in 1...7 {
                XCTAssertEqual(Chunking.pieceCount(ofSize: size, maxSize: maxSize),
                               Chunking.pieces(of: [Array(0..<size)], maxSize: maxSize).count, "\(size) at \(maxSize)")
            }
        }
    }
}
