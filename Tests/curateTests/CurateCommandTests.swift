import Foundation
import XCTest

/// The `curate` binary end to end: golden output, exit codes and messages, `--out`, help.
final class CurateCommandTests: XCTestCase {
    static let backends = ["auto", "blas", "simd", "swift-simd", "bf16", "int8", "scalar"]

    /// Replaces the machine- and run-dependent fields with placeholders.
    static func normalized(_ json: String, keepBackend: Bool = true) -> String {
        var text = json
        var patterns = [(#""isa":"[^"]*""#, #""isa":"ISA""#),
                        (#""(seconds|load_seconds)":[0-9.eE+-]+"#, #""$1":T"#)]
        if !keepBackend {
            patterns += [(#""backend":"[^"]*""#, #""backend":"B""#), (#""blas_core":(null|"[^"]*")"#, #""blas_core":C"#)]
        }
        for (pattern, template) in patterns {
            text = text.replacingOccurrences(of: pattern, with: template, options: .regularExpression)
        }
        return text
    }

    /// Asserts equality of the UTF-8 bytes (Swift's `==` on strings would equate canonically
    /// equivalent ids such as "\u{E9}" and "e\u{301}").
    func assertSameBytes(_ actual: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Array(actual.utf8), Array(expected.utf8), "\n\(actual)\nis not\n\(expected)", file: file, line: line)
    }

    // MARK: cluster

    /// Five prospects in file order; by code point they are alpha, beta, e+U+0301 clair, zeta,
    /// U+00E9 clair (Swift's String `<` would put the decomposed "éclair" last, after "zeta").
    func makeClusterInput(_ dir: InputDirectory) throws {
        try dir.writeJSONL("p.jsonl", ["zeta", "\u{E9}clair", "alpha", "e\u{301}clair", "beta"])
        try dir.writeF32("p.f32", [[0, 0, 1], [1, 0, 0], [1, 0.05, 0], [0, 1, 0], [0.99, 0.02, 0.01]])
    }

    static let clusterGolden = #"{"backend":"scalar","blas_core":null,"clusters":[["alpha","beta","\#u{E9}clair"],["e\#u{301}clair"],["zeta"]],"dimension":3,"isa":"ISA","items":5,"load_seconds":T,"screen":null,"seconds":T,"threshold":0.82}"#
        + "\n"

    func testClusterGoldenOutput() throws {
        let dir = try InputDirectory()
        try makeClusterInput(dir)
        let result = try CurateProcess.run(["cluster", "--prospects", "p.jsonl", "--embeddings", "p.f32", "--dim", "3",
                                            "--backend", "scalar"], in: dir.url)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        assertSameBytes(Self.normalized(result.stdoutText), Self.clusterGolden)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["backend", "blas_core", "clusters", "dimension", "isa", "items",
                                          "load_seconds", "screen", "seconds", "threshold"])
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(object["seconds"] as? Double), 0)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(object["load_seconds"] as? Double), 0)
    }

    func testClusterEveryBackendGivesTheGoldenClusters() throws {
        let dir = try InputDirectory()
        try makeClusterInput(dir)
        let golden = Self.normalized(Self.clusterGolden, keepBackend: false)
        for backend in Self.backends {
            let result = try CurateProcess.run(["cluster", "--prospects", "p.jsonl", "--embeddings", "p.f32", "--dim", "3",
                                                "--backend", backend], in: dir.url)
            XCTAssertEqual(result.status, 0, "\(backend): \(result.stderr)")
            assertSameBytes(Self.normalized(result.stdoutText, keepBackend: false), golden)
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
            let ran = try XCTUnwrap(object["backend"] as? String)
            XCTAssertNotEqual(ran, "auto", "the resolved backend is reported")
            // The BLAS core is reported exactly when BLAS ran.
            XCTAssertEqual(object["blas_core"] is String, ran == "blas", backend)
        }
    }

    func testClusterThresholdAndEmptyInput() throws {
        let dir = try InputDirectory()
        try makeClusterInput(dir)
        // Threshold -1: everything joins the first seed. Negative values need no "=".
        var result = try CurateProcess.run(["cluster", "--prospects", "p.jsonl", "--embeddings", "p.f32", "--dim", "3",
                                            "--threshold", "-1"], in: dir.url)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdoutText.contains(#""clusters":[["alpha","beta","e\#u{301}clair","zeta","\#u{E9}clair"]]"#),
                      result.stdoutText)
        XCTAssertTrue(result.stdoutText.contains(#""threshold":-1.0"#), result.stdoutText)
        // No prospects at all: no clusters.
        try dir.write("empty.jsonl", "")
        try dir.write("empty.f32", "")
        result = try CurateProcess.run(["cluster", "--prospects", "empty.jsonl", "--embeddings", "empty.f32", "--dim", "3"],
                                       in: dir.url)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdoutText.contains(#""clusters":[],"#), result.stdoutText)
        XCTAssertTrue(result.stdoutText.contains(#""items":0,"#), result.stdoutText)
    }

    // MARK: recall

    func makeRecallInput(_ dir: InputDirectory) throws {
        try dir.writeJSONL("q.jsonl", ["q-b", "q-a", "q-zero"])
        try dir.writeF32("q.f32", [[1, 0], [3, 4], [0, 0]])
        // An item id with a quote and a non-BMP scalar, escaped in the file and in the output.
        try dir.write("d.jsonl", #"""
            {"item_id": "d1", "label": "x"}
            {"item_id": "d2"}
            {"item_id": "d3", "extra": [1, {"a": null}]}
            {"item_id": "d\"4\ud83d\ude00"}

            """#)
        try dir.writeF32("d.f32", [[1, 0], [1, 1], [0, -2], [4, 3]])
    }

    /// Scores by hand: q-b·d1 = 1, q-b·d4 = 4/5; q-a·d2 = 7/(5·√2), q-a·d4 = 24/25; the zero
    /// query scores 0 with everything and gets the first rows.
    static let recallGolden = #"{"backend":"scalar","blas_core":null,"database":4,"dimension":2,"hits":{"q-a":[{"id":"d2","score":0.9899494936611665},{"id":"d\"4\#u{1F600}","score":0.96}],"q-b":[{"id":"d1","score":1.0},{"id":"d\"4\#u{1F600}","score":0.8}],"q-zero":[{"id":"d1","score":0.0},{"id":"d2","score":0.0}]},"isa":"ISA","k":2,"load_seconds":T,"queries":3,"screen":null,"seconds":T}"#
        + "\n"

    func recallArguments(_ extra: [String]) -> [String] {
        ["recall", "--queries", "q.jsonl", "--query-embeddings", "q.f32", "--database", "d.jsonl",
         "--database-embeddings", "d.f32", "--dim", "2"] + extra
    }

    func testRecallGoldenOutput() throws {
        let dir = try InputDirectory()
        try makeRecallInput(dir)
        let result = try CurateProcess.run(recallArguments(["--k", "2", "--backend", "scalar"]), in: dir.url)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        assertSameBytes(Self.normalized(result.stdoutText), Self.recallGolden)
    }

    func testRecallEveryBackendGivesTheGoldenHits() throws {
        let dir = try InputDirectory()
        try makeRecallInput(dir)
        let golden = Self.normalized(Self.recallGolden, keepBackend: false)
        for backend in Self.backends {
            let result = try CurateProcess.run(recallArguments(["--k", "2", "--backend", backend]), in: dir.url)
            XCTAssertEqual(result.status, 0, "\(backend): \(result.stderr)")
            assertSameBytes(Self.normalized(result.stdoutText, keepBackend: false), golden)
        }
    }

    func testRecallKZeroAndKBeyondTheDatabase() throws {
        let dir = try InputDirectory()
        try makeRecallInput(dir)
        var result = try CurateProcess.run(recallArguments(["--k", "0"]), in: dir.url)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdoutText.contains(#""hits":{"q-a":[],"q-b":[],"q-zero":[]}"#), result.stdoutText)
        result = try CurateProcess.run(recallArguments([]), in: dir.url)  // default k = 8 > 4 items
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let hits = try XCTUnwrap(object["hits"] as? [String: [[String: Any]]])
        XCTAssertEqual(hits["q-b"]?.count, 4)
        XCTAssertEqual(object["k"] as? Int, 8)
    }

    // MARK: --out

    func testOutWritesTheFileAtomicallyAndPrintsNothing() throws {
        let dir = try InputDirectory()
        try makeClusterInput(dir)
        try dir.write("clusters.json", "old contents\n")
        let before = try dir.contents()
        let result = try CurateProcess.run(["cluster", "--prospects", "p.jsonl", "--embeddings", "p.f32", "--dim", "3",
                                            "--backend", "scalar", "--out", "clusters.json"], in: dir.url)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.isEmpty, "stdout: \(result.stdoutText)")
        XCTAssertEqual(result.stderr, "")
        // The file was replaced whole, and no temporary file is left behind.
        XCTAssertEqual(try dir.contents(), before)
        let written = String(decoding: try Data(contentsOf: dir.url.appendingPathComponent("clusters.json")), as: UTF8.self)
        assertSameBytes(Self.normalized(written), Self.clusterGolden)
    }

    func testOutIntoAMissingDirectoryFailsWithExitCode1() throws {
        let dir = try InputDirectory()
        try makeRecallInput(dir)
        let result = try CurateProcess.run(recallArguments(["--out", "no/such/dir/hits.json"]), in: dir.url)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stdout.isEmpty)
        XCTAssertTrue(result.stderr.hasPrefix("error: cannot write no/such/dir/hits.json:"), result.stderr)
    }

    // MARK: info, help, version

    func testInfo() throws {
        let text = try CurateProcess.run(["info"])
        XCTAssertEqual(text.status, 0, text.stderr)
        for label in ["isa:", "bf16 kernel:", "int8 kernel:", "auto backend:", "screen (auto):", "blas library:", "blas requested core:", "blas self-check:", "blas core in use:", "blas threads:", "engine threads:"] {
            XCTAssertTrue(text.stdoutText.contains(label), "missing \(label) in\n\(text.stdoutText)")
        }
        let json = try CurateProcess.run(["info", "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["blas_available", "blas_core", "blas_library", "blas_requested_core",
                                          "blas_overridden_core", "bf16_kernel", "int8_kernel", "auto_backend", "blas_threads", "blas_unavailable_reason", "isa", "threads", "version",
                                          "sgemm_gflops_per_worker", "sgemm_gflops_library_threaded", "blas_self_check",
                                          "blas_self_check_difference", "blas_self_check_bound", "blas_failed_core", "screen_policy"])
        XCTAssertTrue(object["sgemm_gflops_per_worker"] is NSNull, "measured only with --peak")
        XCTAssertTrue(["avx512", "avx2", "scalar"].contains(object["isa"] as? String ?? ""), "\(object)")
        XCTAssertGreaterThanOrEqual(object["threads"] as? Int ?? 0, 1)
        XCTAssertEqual(object["version"] as? String, "0.1.0")
    }

    /// The engine picks the OpenBLAS core from cpuid even over an inherited OPENBLAS_CORETYPE
    /// (and says so); CURATE_BLAS_CORE=library leaves it to the library, a core name requests it.
    func testBLASCorePolicy() throws {
        func info(_ environment: [String: String?]) throws -> [String: Any] {
            let result = try CurateProcess.run(["info", "--json"], environment: environment)
            XCTAssertEqual(result.status, 0, result.stderr)
            return try XCTUnwrap(JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        }
        let chosen = try info(["OPENBLAS_CORETYPE": nil, "CURATE_BLAS_CORE": nil])
        let fromCPU = try XCTUnwrap(chosen["blas_requested_core"] as? String, "this CPU has AVX2 at least: \(chosen)")
        XCTAssertEqual(chosen["blas_core"] as? String, fromCPU)
        XCTAssertTrue(chosen["blas_overridden_core"] is NSNull)

        let inherited = try info(["OPENBLAS_CORETYPE": "Prescott", "CURATE_BLAS_CORE": nil])
        XCTAssertEqual(inherited["blas_requested_core"] as? String, fromCPU)
        XCTAssertEqual(inherited["blas_core"] as? String, fromCPU)
        XCTAssertEqual(inherited["blas_overridden_core"] as? String, "Prescott")
        let text = try CurateProcess.run(["info"], environment: ["OPENBLAS_CORETYPE": "Prescott", "CURATE_BLAS_CORE": nil])
        XCTAssertTrue(text.stdoutText.contains("overrides OPENBLAS_CORETYPE=Prescott"), text.stdoutText)

        let library = try info(["OPENBLAS_CORETYPE": "Prescott", "CURATE_BLAS_CORE": "library"])
        XCTAssertTrue(library["blas_requested_core"] is NSNull)
        XCTAssertEqual(library["blas_core"] as? String, "Prescott")

        let named = try info(["OPENBLAS_CORETYPE": nil, "CURATE_BLAS_CORE": "Haswell"])
        XCTAssertEqual(named["blas_requested_core"] as? String, "Haswell")
        XCTAssertEqual(named["blas_core"] as? String, "Haswell")
    }

    func testVersion() throws {
        let result = try CurateProcess.run(["--version"])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdoutText, "0.1.0\n")
    }

    func testHelpMentionsEveryOptionAndTheExitCodes() throws {
        let options = [
            "cluster": ["--prospects", "--embeddings", "--dim", "--threshold", "--backend", "--out", "--help"],
            "recall": ["--queries", "--query-embeddings", "--database", "--database-embeddings", "--dim", "--k",
                       "--backend", "--out", "--help"],
            "info": ["--json", "--help"],
        ]
        for (command, names) in options {
            let result = try CurateProcess.run([command, "--help"])
            XCTAssertEqual(result.status, 0, command)
            for name in names {
                XCTAssertTrue(result.stdoutText.contains(name), "\(command) --help does not mention \(name)")
            }
            for text in ["OVERVIEW:", "Example:", "curate \(command)", "Exit status:", "  2   bad input file", "  64  usage error"] {
                XCTAssertTrue(result.stdoutText.contains(text), "\(command) --help lacks \(text)")
            }
        }
        let root = try CurateProcess.run(["--help"])
        XCTAssertEqual(root.status, 0)
        for text in ["cluster", "recall", "info", "--version", "Exit status:"] {
            XCTAssertTrue(root.stdoutText.contains(text), "curate --help lacks \(text)")
        }
    }

    /// The option and usage sections as users see them at 80 columns.
    func testGoldenHelpOptions() throws {
        let cluster = try CurateProcess.run(["cluster", "--help"]).stdoutText
        XCTAssertEqual(String(cluster[try XCTUnwrap(cluster.range(of: "USAGE:")).lowerBound...]), """
            USAGE: curate cluster --prospects <file> --embeddings <file> [--threshold <t>] --dim <n> [--backend <backend>] [--screen-rank <auto|off|k>] [--out <file>]

            OPTIONS:
              --prospects <file>      JSON Lines file of prospects, each line with a string
                                      "prospect_id".
              --embeddings <file>     Embeddings of the prospects (.f32, one row per line
                                      of --prospects).
              --threshold <t>         Minimum cosine similarity to a cluster's seed to join
                                      it, in [-1, 1]. (default: 0.82)
              --dim <n>               Values per embedding row (1 to 65536); every .f32
                                      file must be a whole number of rows.
              --backend <backend>     How similarities are computed: auto (the fastest this
                                      CPU has: int8 with AVX512_VNNI or AVX2, else bf16,
                                      else blas), blas, simd, swift-simd, bf16 or int8
                                      (screening in bfloat16 or int8, near pairs decided
                                      again in float and double) or scalar (the
                                      double-precision reference loop). Every backend gives
                                      the same results. (values: auto, blas, simd,
                                      swift-simd, bf16, int8, scalar; default: auto)
              --screen-rank <auto|off|k>
                                      The low-rank screen run before the full-dimension
                                      similarities: auto (the rank and encoding with the
                                      least expected work, estimated on a sample; none when
                                      it does not pay, as on pools under about 14,000
                                      rows), off, or a number of principal directions.
                                      Pairs whose proven bound stays below the threshold
                                      are skipped; it changes speed, never results.
                                      (default: auto)
              --out <file>            Write the JSON to this file instead of standard
                                      output, atomically (a temporary file in the same
                                      directory, then a rename); nothing is printed on
                                      standard output.
              --version               Show the version.
              -h, --help              Show help information.


            """)
        let recall = try CurateProcess.run(["recall", "--help"]).stdoutText
        XCTAssertTrue(recall.contains("""
            USAGE: curate recall --queries <file> --query-embeddings <file> --database <file> --database-embeddings <file> [--k <k>] --dim <n> [--backend <backend>] [--screen-rank <auto|off|k>] [--out <file>]
            """), recall)
        XCTAssertTrue(recall.contains("""
              --k <k>                 Hits per query, at least 0 (fewer when the database
                                      is smaller). (default: 8)
            """), recall)
        let root = try CurateProcess.run(["--help"]).stdoutText
        XCTAssertTrue(root.contains("""
            SUBCOMMANDS:
              cluster                 Cluster prospects by greedy first-match cosine
                                      similarity.
              recall                  Find the k most similar committed items for each
                                      query prospect.
              info                    Show the instruction set, BLAS library and threads
                                      the engine uses.
            """), root)
    }
}
