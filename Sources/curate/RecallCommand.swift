import ArgumentParser
import Clustering
import Curation
import CurationStore
import Kernels

/// `curate recall`: exact top-k recall of committed items for each query prospect.
struct Recall: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find the k most similar committed items for each query prospect.",
        discussion: """
            For every query, the --k database items with the highest cosine similarity, best \
            first, ties to the item on the earlier line. Scores are exactly those of the \
            double-precision reference, whatever the backend.

            Every line of --queries is a JSON object with a string "prospect_id"; every line of \
            --database one with a string "item_id" (other fields are ignored). Row i of an .f32 \
            file is line i+1 of its JSON Lines file. Inputs must be regular files; a line has at \
            most 1 MiB, --dim is at most 65536.

            Output, one line of JSON with sorted keys: "hits" (an object from query id to a list \
            of {"id", "score"}, scores as JSON numbers with full double precision), "backend", \
            "blas_core" (null unless the backend is blas), "isa", "k", "queries", "database", \
            "dimension", "seconds" (search only, monotonic clock) and "load_seconds".

            Example:
              curate recall --queries pending.jsonl --query-embeddings pending.f32 \\
                --database committed.jsonl --database-embeddings committed.f32 \\
                --dim 384 --k 8

            \(ExitStatus.help)
            """
    )

    @Option(help: ArgumentHelp("JSON Lines file of query prospects, each line with a string \"prospect_id\".", valueName: "file"))
    var queries: String

    @Option(help: ArgumentHelp("Embeddings of the queries (.f32, one row per line of --queries).", valueName: "file"))
    var queryEmbeddings: String

    @Option(help: ArgumentHelp("JSON Lines file of committed items, each line with a string \"item_id\".", valueName: "file"))
    var database: String

    @Option(help: ArgumentHelp("Embeddings of the committed items (.f32, one row per line of --database).", valueName: "file"))
    var databaseEmbeddings: String

    @Option(name: .customLong("k"), parsing: .unconditional,
            help: ArgumentHelp("Hits per query, at least 0 (fewer when the database is smaller).", valueName: "k"))
    var k: Int = 8

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard k >= 0 else { throw ExitStatus.badInput("--k must be at least 0 (got \(k))") }
    }

    func run() throws {
        let input: RecallInput, loadSeconds: Double
        do {
            (input, loadSeconds) = try Stopwatch.measure { () throws(InputFileError) in
                try RecallInput(queriesPath: queries, queryEmbeddingsPath: queryEmbeddings,
                                databasePath: database, databaseEmbeddingsPath: databaseEmbeddings,
                                dimension: compute.dimension)
            }
        } catch {
            throw ExitStatus.of(error)
        }
        let backend = compute.backend.resolved
        let (search, seconds) = try Stopwatch.measure {
            try TopKRecall(k: k, backend: backend, screenRank: compute.screenRank)
                .measuredSearch(input.queries.matrix, in: input.database.matrix)
        }
        let hits = search.hits
        let queryIDs = input.queries.ids, itemIDs = input.database.ids
        var byQuery: [String: [RecallResult.Hit]] = [:]
        for (q, list) in hits.enumerated() {
            byQuery[queryIDs[q]] = list.map { RecallResult.Hit(id: itemIDs[$0.index], score: $0.score) }
        }
        try compute.emit(
            RecallResult(hits: byQuery, k: k, queries: queryIDs.count, database: itemIDs.count),
            ComputeFacts(backend: backend, screen: search.screen, dimension: compute.dimension, seconds: seconds,
                         loadSeconds: loadSeconds))
    }
}
