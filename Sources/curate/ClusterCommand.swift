import ArgumentParser
import Clustering
import Curation
import CurationStore
import Kernels

/// `curate cluster`: greedy first-match cosine clustering of prospects.
struct Cluster: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cluster prospects by greedy first-match cosine similarity.",
        discussion: """
            Prospects are visited in order of prospect_id by UTF-16 code unit (as JavaScript \
            compares strings). Each joins the first cluster, in creation order, whose seed (first \
            member) has cosine similarity of \
            at least --threshold with it; otherwise it seeds a new cluster. Similarity is computed \
            exactly as the double-precision reference computes it, whatever the backend.

            Every line of --prospects is a JSON object with a string "prospect_id" (other fields \
            are ignored); row i of --embeddings is line i+1 of --prospects. Inputs must be regular \
            files; a line has at most 1 MiB, --dim is at most 65536.

            Output, one line of JSON with sorted keys: "clusters" (lists of prospect ids, clusters \
            in creation order, seed first), "backend" (the backend that ran), "blas_core" (the \
            OpenBLAS core in use, null unless the backend is blas), "isa", "threshold", "items", \
            "dimension", "seconds" (clustering only, monotonic clock) and "load_seconds".

            Example:
              curate cluster --prospects prospects.jsonl --embeddings prospects.f32 \\
                --dim 384 --threshold 0.82 --out clusters.json

            \(ExitStatus.help)
            """
    )

    @Option(help: ArgumentHelp("JSON Lines file of prospects, each line with a string \"prospect_id\".", valueName: "file"))
    var prospects: String

    @Option(help: ArgumentHelp("Embeddings of the prospects (.f32, one row per line of --prospects).", valueName: "file"))
    var embeddings: String

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Minimum cosine similarity to a cluster's seed to join it, in [-1, 1].", valueName: "t"))
    var threshold: Double = 0.82

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard threshold.isFinite, (-1.0...1.0).contains(threshold) else {
            throw ExitStatus.badInput("--threshold must be a number in [-1, 1] (got \(threshold))")
        }
    }

    func run() throws {
        let input: ClusterInput, loadSeconds: Double
        do {
            (input, loadSeconds) = try Stopwatch.measure { () throws(InputFileError) in
                try ClusterInput(prospectsPath: prospects, embeddingsPath: embeddings, dimension: compute.dimension)
            }
        } catch {
            throw ExitStatus.of(error)
        }
        let backend = compute.backend.resolved
        let (result, seconds) = try Stopwatch.measure {
            try GreedyClustering(threshold: threshold, backend: backend, screenRank: compute.screenRank)
                .cluster(input.items.matrix, order: input.order)
        }
        let ids = input.items.ids
        try compute.emit(
            ClusterResult(clusters: result.clusters.map { $0.map { ids[$0] } }, threshold: threshold, items: ids.count),
            ComputeFacts(backend: result.backend, screen: result.screen, dimension: compute.dimension, seconds: seconds,
                         loadSeconds: loadSeconds))
    }
}
