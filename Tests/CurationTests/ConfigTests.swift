import Curation
import CurationProviders
import CurationStore
import CurationTestSupport
import Foundation
import XCTest

final class ConfigTests: XCTestCase {
    func testDefaults() throws {
        let config = CurateConfig()
        XCTAssertEqual(config.recallTopK, 8)
        XCTAssertEqual(config.recallClusterFloor, 0.6)
        XCTAssertEqual(config.clusterSimilarity, 0.82)
        XCTAssertEqual(config.maxClusterSize, 16)
        XCTAssertEqual(config.salienceThreshold, 0.0)
        XCTAssertEqual(config.maxProspectsPerTick, 20)
        XCTAssertEqual(config.embedder, "hashing")
        XCTAssertEqual(config.embeddingDim, 384)
        XCTAssertEqual(config.provider, "local")
        XCTAssertEqual(config.localMergeThreshold, 0.9)
        XCTAssertEqual(config.localConfidenceFloor, 0.4)
        XCTAssertEqual(try CurateConfig(parsing: "", path: "curate.toml"), config)
        XCTAssertEqual(try CurateConfig(parsing: "# only a comment\n\n   \n", path: "curate.toml"), config)
        XCTAssertEqual(try XCTUnwrap(try config.makeEmbedder(store: CurationStore.inMemory()) as? HashingEmbedder).dimension, 384)
    }

    func testParsesSectionsTopLevelKeysAndComments() throws {
        let text = """
            # curate settings
            cluster_similarity = 0.9   # top-level keys are fine too

            [planner]
            recall_top_k = 12
            recall_cluster_floor = 0.55
            max_cluster_size = 1_000
            salience_threshold = 1e-2
            max_prospects_per_tick = 5

            [embedder]
            embedder = 'none'
            embedding_dim = 768

              [ curator ]   # indented, with spaces
            provider = "anthropic"
            local_merge_threshold = 1
            local_confidence_floor = 0.25\r
            """
        let config = try CurateConfig(parsing: text, path: "curate.toml")
        var expected = CurateConfig()
        expected.clusterSimilarity = 0.9
        expected.recallTopK = 12
        expected.recallClusterFloor = 0.55
        expected.maxClusterSize = 1000
        expected.salienceThreshold = 0.01
        expected.maxProspectsPerTick = 5
        expected.embedder = "none"
        expected.embeddingDim = 768
        expected.provider = "anthropic"
        expected.localMergeThreshold = 1
        expected.localConfidenceFloor = 0.25
        XCTAssertEqual(config, expected)
        XCTAssertNil(try config.makeEmbedder(store: CurationStore.inMemory()))
    }

    func testErrorsNameTheLine() {
        let cases: [(String, Int, String)] = [
            ("[planner]\ncluster_similarty = 0.8", 2, #"unknown key "cluster_similarty" in [planner] (did you mean "cluster_similarity"?)"#),
            ("colour = 1", 1, #"unknown key "colour""#),
            ("\n[plannr]\nrecall_top_k = 1", 2, "unknown section [plannr] (known sections: [curator], [embedder], [planner], [source])"),
            ("[curator]\nrecall_top_k = 3", 2, #"key "recall_top_k" belongs in [planner], not [curator]"#),
            ("recall_top_k = \"eight\"", 1, "recall_top_k must be an integer, found a string"),
            ("recall_top_k = 8.0", 1, "recall_top_k must be an integer, found a float"),
            ("max_cluster_size = 0", 1, "max_cluster_size must be at least 1, found 0"),
            ("cluster_similarity = 1.5", 1, "cluster_similarity must be a number in [-1.0, 1.0], found 1.5"),
            ("cluster_similarity = nan", 1, "cluster_similarity must be a number in [-1.0, 1.0], found nan"),
            ("cluster_similarity = true", 1, "cluster_similarity must be a number, found a boolean"),
            ("provider = \"openai\"", 1, #"provider must be one of "local", "anthropic", "openai-compatible", found "openai""#),
            ("# ok\nrecall_top_k 8", 2, #"expected = after the key "recall_top_k""#),
            ("recall_top_k =", 1, "missing value after ="),
            ("recall_top_k = 8 9", 1, #"unexpected "9" at the end of the line"#),
            ("provider = \"local", 1, "unterminated string (a string must close on its line)"),
            ("provider = \"lo\\qcal\"", 1, "invalid escape \\q in a string"),
            ("recall_top_k = [8]", 1, "arrays are not supported"),
            ("recall_top_k = 08", 1, #"invalid value "08" (expected a "string", a number, true or false)"#),
            ("recall_top_k = 1__0", 1, #"invalid value "1__0" (expected a "string", a number, true or false)"#),
            ("planner.recall_top_k = 8", 1, "dotted keys are not supported"),
            ("[planner\nrecall_top_k = 8", 1, "expected ] after the section name"),
            ("[planner]\n[empty]", 2, "unknown section [empty] (known sections: [curator], [embedder], [planner], [source])"),
            ("[[planner]]", 1, "arrays of tables ([[…]]) are not supported"),
            ("recall_top_k = 8\nrecall_top_k = 9", 2, #"duplicate key "recall_top_k" (first on line 1)"#),
            ("[planner]\n[planner]", 2, "duplicate section [planner] (first on line 1)"),
            ("= 3", 1, "expected key = value, a [section] or a # comment"),
        ]
        for (text, line, message) in cases {
            XCTAssertThrowsError(try CurateConfig(parsing: text, path: "curate.toml"), text) { error in
                XCTAssertEqual(error as? ConfigError, ConfigError(path: "curate.toml", line: line, message: message), text)
                XCTAssertEqual("\(error)", "curate.toml:\(line): \(message)")
            }
        }
    }

    func testStringEscapes() throws {
        let entries = try TOMLSubset.parse(#"a = "x\"y\\z\u00E9\t" # c"# + "\nb = 'C:\\dir # not a comment'\nc = -3\nd = +0.5\ne = false",
                                           path: "t.toml")
        XCTAssertEqual(entries.map(\.value), [.string("x\"y\\z\u{E9}\t"), .string("C:\\dir # not a comment"),
                                              .integer(-3), .float(0.5), .boolean(false)])
        XCTAssertEqual(entries.map(\.line), [1, 2, 3, 4, 5])
    }

    func testLoadingNextToTheDatabaseOrExplicitly() throws {
        let dir = try StoreScratch()
        let database = dir.path("curate.sqlite")
        XCTAssertEqual(CurateConfig.defaultPath(forDatabase: database), dir.path("curate.toml"))
        XCTAssertEqual(try CurateConfig.load(configPath: nil, databasePath: database), CurateConfig(), "no file: defaults")
        try dir.write("curate.toml", "[planner]\nmax_cluster_size = 4\n")
        XCTAssertEqual(try CurateConfig.load(configPath: nil, databasePath: database).maxClusterSize, 4)
        let other = try dir.write("other.toml", "embedding_dim = 16\n")
        let explicit = try CurateConfig.load(configPath: other, databasePath: database)
        XCTAssertEqual(explicit.embeddingDim, 16)
        XCTAssertEqual(explicit.maxClusterSize, 16, "an explicit file replaces the one next to the database")
        XCTAssertThrowsError(try CurateConfig.load(configPath: dir.path("missing.toml"), databasePath: database)) { error in
            let error = error as? ConfigError
            XCTAssertEqual(error?.path, dir.path("missing.toml"))
            XCTAssertNil(error?.line)
            XCTAssertTrue(error?.message.hasPrefix("cannot read") ?? false, "\(String(describing: error))")
        }
        try dir.write("curate.toml", "[planner]\nmax_cluster_size = -4\n")
        XCTAssertThrowsError(try CurateConfig.load(configPath: nil, databasePath: database)) { error in
            XCTAssertEqual("\(error)", "\(dir.path("curate.toml")):2: max_cluster_size must be at least 1, found -4")
        }
    }
}
