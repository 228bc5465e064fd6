import Foundation
import XCTest

/// What the README promises about settings and the machine, tested (issue 14, item 13): flags
/// override `curate.toml`; without LAPACKE the report leaves the map out and says why; without
/// BLAS one warning and the engine's own kernels, same clusters; `CURATE_THREADS` and
/// `CURATE_ISA` are honoured, same clusters.
final class ReadmeClaimsTests: XCTestCase {
    /// `--max-cluster-size` wins over the config's `max_cluster_size`.
    func testFlagsOverrideTheConfig() throws {
        let dir = try SecretsCommandTests.store()
        try dir.write("curate.toml", "[planner]\nmax_cluster_size = 1\ncluster_similarity = 0.0\n")
        func largest(_ extra: [String]) throws -> Int {
            let run = try CurateProcess.run(["backfill", "--db", "d.sqlite", "--dry-run", "--plan-out", "plan.json"] + extra, in: dir.url)
            XCTAssertEqual(run.status, 0, run.stderr)
            let plan = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.url.appendingPathComponent("plan.json")))
                as? [String: Any])
            return try XCTUnwrap(plan["clusters"] as? [[String]]).map(\.count).max() ?? 0
        }
        XCTAssertEqual(try largest([]), 1, "the config's max_cluster_size")
        XCTAssertEqual(try largest(["--max-cluster-size", "16"]), 16, "the flag wins")
        XCTAssertEqual(try largest(["--max-cluster-size", "16", "--cluster-similarity", "0.99"]), 1, "the flag wins again")
    }

    /// Without LAPACKE the report is written with no map, a warning says why, and so does the page.
    func testNoLAPACKEMeansNoMapAndTheReasonIsGiven() throws {
        let dir = try SecretsCommandTests.store()
        let run = try CurateProcess.run(["report", "--db", "d.sqlite", "--out", "r.html"], in: dir.url,
                                        environment: ["CURATE_LAPACKE_LIBRARY": "/nonexistent/liblapacke.so.3"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("warning: ") && run.stderr.contains("LAPACKE"), run.stderr)
        let page = try String(contentsOf: dir.url.appendingPathComponent("r.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("no LAPACKE library found"), "the page says why the map is missing")
    }

    /// Without BLAS: one warning, the engine's own kernels, and the same clusters.
    func testNoBLASMeansOneWarningAndTheSameClusters() throws {
        let fixture = BackfillCommandTests.fixture.path
        let arguments = ["cluster", "--prospects", fixture + ".jsonl", "--embeddings", fixture + ".f32", "--dim", "384"]
        let normal = try CurateProcess.run(arguments + ["--backend", "blas"])
        let without = try CurateProcess.run(arguments + ["--backend", "blas"],
                                            environment: ["CURATE_BLAS_LIBRARY": "/nonexistent/libopenblas.so.0"])
        XCTAssertEqual(without.status, 0, without.stderr)
        XCTAssertEqual(without.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("warning: ") }.count, 1, without.stderr)
        XCTAssertTrue(without.stderr.contains("using the engine's own SIMD kernels"), without.stderr)
        XCTAssertEqual(try Self.object(without)["backend"] as? String, "simd")
        XCTAssertEqual(try Self.object(without)["clusters"] as? [[String]], try Self.object(normal)["clusters"] as? [[String]])
    }

    /// `CURATE_THREADS` sets the engine's threads and `CURATE_ISA` the kernels' tier (`curate
    /// info` shows them); the clusters do not change.
    func testThreadsAndISAAreHonoured() throws {
        let fixture = BackfillCommandTests.fixture.path
        let arguments = ["cluster", "--prospects", fixture + ".jsonl", "--embeddings", fixture + ".f32", "--dim", "384",
                         "--backend", "simd"]
        let reference = try Self.object(try CurateProcess.run(arguments))["clusters"] as? [[String]]
        for threads in ["1", "3", "7"] {
            let info = try Self.object(try CurateProcess.run(["info", "--json"], environment: ["CURATE_THREADS": threads]))
            XCTAssertEqual(info["threads"] as? Int, Int(threads))
            let run = try CurateProcess.run(arguments, environment: ["CURATE_THREADS": threads])
            XCTAssertEqual(try Self.object(run)["clusters"] as? [[String]], reference, "\(threads) threads")
        }
        for isa in ["avx2", "scalar"] {
            let info = try Self.object(try CurateProcess.run(["info", "--json"], environment: ["CURATE_ISA": isa]))
            XCTAssertEqual(info["isa"] as? String, isa)
            let run = try CurateProcess.run(arguments, environment: ["CURATE_ISA": isa])
            XCTAssertEqual(try Self.object(run)["isa"] as? String, isa)
            XCTAssertEqual(try Self.object(run)["clusters"] as? [[String]], reference, isa)
        }
    }

    /// Without a SIMD tier (`CURATE_ISA=scalar`) `auto` never picks a serial twin, and asking for
    /// one warns with how much slower it is than `auto`; the clusters do not change.
    func testASerialTwinIsNeverChosenAndSaysHowSlowItIs() throws {
        let fixture = BackfillCommandTests.fixture.path
        let arguments = ["cluster", "--prospects", fixture + ".jsonl", "--embeddings", fixture + ".f32", "--dim", "384"]
        let info = try Self.object(try CurateProcess.run(["info", "--json"], environment: ["CURATE_ISA": "scalar"]))
        XCTAssertEqual(info["int8_kernel"] as? String, "serial")
        XCTAssertFalse(["bf16", "int8"].contains(info["auto_backend"] as? String ?? ""), "\(info)")
        let reference = try Self.object(try CurateProcess.run(arguments))["clusters"] as? [[String]]
        for backend in ["bf16", "int8"] {
            let run = try CurateProcess.run(arguments + ["--backend", backend], environment: ["CURATE_ISA": "scalar"])
            XCTAssertEqual(run.status, 0, run.stderr)
            let warning = run.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("warning: ") }
            XCTAssertEqual(warning.count, 1, run.stderr)
            XCTAssertTrue(warning.first?.contains("\(backend) runs its portable serial twin") ?? false, run.stderr)
            XCTAssertNotNil(warning.first?.range(of: #"about [0-9.]+× slower than auto \([a-z-]+\)"#, options: .regularExpression), run.stderr)
            XCTAssertEqual(try Self.object(run)["clusters"] as? [[String]], reference, backend)
        }
    }

    private static func object(_ result: CurateProcess.Result) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], result.stderr)
    }
}
