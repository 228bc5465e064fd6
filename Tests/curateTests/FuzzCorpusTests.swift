import Foundation
import XCTest

/// Replays the corpus the fuzzer kept (`Tests/Fuzz/corpus`) through an ordinary build of
/// `curate-fuzz`: every input that once grew coverage still runs without a crash.
final class FuzzCorpusTests: XCTestCase {
    func testTheKeptCorpusReplaysWithoutACrash() throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus")
        for target in ["jsonl", "decisions"] {
            let directory = corpus.appendingPathComponent(target)
            XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, target)
            let result = try CurateProcess.run([target, directory.path], product: "curate-fuzz")
            XCTAssertEqual(result.status, 0, "\(target): \(result.stderr)")
            XCTAssertTrue(result.stdoutText.contains("replayed without a crash"), result.stdoutText)
        }
    }
}
