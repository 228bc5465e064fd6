import Foundation
import XCTest

/// The BLAS self-check (`ck_blas.h`): a core the engine chose is compared with the engine's own
/// kernel on one sgemm before it is trusted. Run against `libWrongBLAS.so` (Tests/WrongBLAS, an
/// sgemm that adds 0.5 to every element, loaded through `CURATE_BLAS_LIBRARY`) and against the
/// system's OpenBLAS.
final class BLASSelfCheckTests: XCTestCase {
    private static let cluster = ["cluster", "--prospects", BackfillCommandTests.fixture.path + ".jsonl",
                                  "--embeddings", BackfillCommandTests.fixture.path + ".f32", "--dim", "384", "--backend", "blas"]

    private func wrongBLAS() throws -> String {
        try XCTUnwrap(CurateProcess.product("libWrongBLAS.so")?.path,
                      "libWrongBLAS.so not built: run `swift build -c release --product WrongBLAS` (make test does)")
    }

    private func object(_ result: CurateProcess.Result) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], result.stderr)
    }

    private func warnings(_ result: CurateProcess.Result) -> [String] {
        result.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("warning: ") }
    }

    /// Wrong with every core: the check fails, no BLAS is used, one warning says why, and the
    /// engine's kernels give the clusters of the real BLAS.
    func testAWrongSgemmIsNeverUsed() throws {
        let environment = ["CURATE_BLAS_LIBRARY": try wrongBLAS(), "CURATE_BLAS_CORE": "Haswell", "WRONG_BLAS_MODE": "always"]
        let info = try object(try CurateProcess.run(["info", "--json"], environment: environment))
        XCTAssertEqual(info["blas_self_check"] as? String, "failed")
        XCTAssertEqual(info["blas_failed_core"] as? String, "Haswell")
        XCTAssertEqual(info["blas_available"] as? Bool, false)
        XCTAssertGreaterThan(info["blas_self_check_difference"] as? Double ?? 0, info["blas_self_check_bound"] as? Double ?? 1)
        XCTAssertTrue((info["blas_unavailable_reason"] as? String ?? "").contains("self-check failed"), "\(info)")

        let run = try CurateProcess.run(Self.cluster, environment: environment)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(warnings(run).count, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("self-check failed") && run.stderr.contains("engine's own SIMD kernels"), run.stderr)
        XCTAssertEqual(try object(run)["backend"] as? String, "simd")
        let reference = try CurateProcess.run(Self.cluster)
        XCTAssertEqual(try object(run)["clusters"] as? [[String]], try object(reference)["clusters"] as? [[String]])
    }

    /// Wrong only with the core the engine asked for: the library is reloaded with its own
    /// choice, which passes, and runs, with one warning.
    func testTheLibrarysOwnCoreRunsWhenTheEnginesIsWrong() throws {
        let environment = ["CURATE_BLAS_LIBRARY": try wrongBLAS(), "CURATE_BLAS_CORE": "Haswell", "WRONG_BLAS_MODE": "requested-core"]
        let info = try object(try CurateProcess.run(["info", "--json"], environment: environment))
        XCTAssertEqual(info["blas_self_check"] as? String, "failed")
        XCTAssertEqual(info["blas_available"] as? Bool, true)
        XCTAssertEqual(info["blas_core"] as? String, "LibraryChoice")
        let text = try CurateProcess.run(["info"], environment: environment).stdoutText
        XCTAssertTrue(text.contains("blas self-check:     FAILED for core Haswell"), text)

        let run = try CurateProcess.run(Self.cluster, environment: environment)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(warnings(run).count, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("running the library's own core choice (LibraryChoice)"), run.stderr)
        XCTAssertEqual(try object(run)["backend"] as? String, "blas")
        let reference = try CurateProcess.run(Self.cluster)
        XCTAssertEqual(try object(run)["clusters"] as? [[String]], try object(reference)["clusters"] as? [[String]])
    }

    /// The system's OpenBLAS with the core the engine chose passes, within the bound; with the
    /// library choosing, the check does not run.
    func testTheSystemBLASPassesItsCheck() throws {
        let info = try object(try CurateProcess.run(["info", "--json"], environment: ["CURATE_BLAS_CORE": "Haswell"]))
        try XCTSkipIf(info["blas_available"] as? Bool != true, "no system BLAS")
        XCTAssertEqual(info["blas_self_check"] as? String, "passed", "\(info)")
        XCTAssertLessThanOrEqual(info["blas_self_check_difference"] as? Double ?? 1, info["blas_self_check_bound"] as? Double ?? 0)
        let library = try object(try CurateProcess.run(["info", "--json"], environment: ["CURATE_BLAS_CORE": "library"]))
        XCTAssertEqual(library["blas_self_check"] as? String, "not_run")
    }
}
