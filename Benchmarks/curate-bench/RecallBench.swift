import Clustering
import Kernels

/// Times exact top-k recall (k = 8) per shape and backend and checks the backends agree.
final class RecallBench {
    /// Which rows a shape uses: queries are the first rows of the source; the database follows
    /// them when the real set has room, else it is the last `database` rows of the real set (it
    /// then overlaps the queries: for 40,000 × 40,000 both are the whole set). Synthetic shapes
    /// take queries then database from one synthetic matrix.
    struct Layout {
        let real: Bool
        let queryOffset: Int
        let databaseOffset: Int
    }

    static func layout(_ spec: RecallSpec, catalog: DataCatalog) -> Layout {
        if catalog.isReal(rows: max(spec.queries, spec.database), dimension: spec.dimension) {
            let room = spec.queries + spec.database <= catalog.realRows
            return Layout(real: true, queryOffset: 0, databaseOffset: room ? spec.queries : catalog.realRows - spec.database)
        }
        return Layout(real: false, queryOffset: 0, databaseOffset: spec.queries)
    }

    let configuration: BenchConfiguration
    let catalog: DataCatalog
    let quiet: QuietGuard
    private let log: (String) -> Void
    private(set) var rows: [RecallRow] = []
    /// Per shape: the hit indices (row in the database slice) of the first backend, best first.
    private(set) var hits: [RecallSpec: [[Int]]] = [:]

    init(configuration: BenchConfiguration, catalog: DataCatalog, quiet: QuietGuard, log: @escaping (String) -> Void) {
        self.configuration = configuration
        self.catalog = catalog
        self.quiet = quiet
        self.log = log
    }

    func run() throws {
        for spec in configuration.recall {
            let layout = Self.layout(spec, catalog: catalog)
            let queries = try catalog.matrix(offset: layout.queryOffset, rows: spec.queries, dimension: spec.dimension, real: layout.real)
            let database = try catalog.matrix(offset: layout.databaseOffset, rows: spec.database, dimension: spec.dimension, real: layout.real)
            var referenceName: String?
            for backend in configuration.recallBackends {
              for screen in configuration.screens(for: backend) {
                var recall = TopKRecall(k: 8, backend: backend, screenRank: screen)
                recall.queryBlock = configuration.recallQueryBlock
                recall.databaseChunk = configuration.recallDatabaseChunk
                let (seconds, others, found) = try quiet.repeated(reps: configuration.reps, budget: configuration.repBudget) {
                    database.screenAxes.clear()  // each repetition finds the screen's basis afresh
                    return try recall.measuredSearch(queries, in: database)
                }
                let indices = found.hits.map { $0.map(\.index) }
                var row = RecallRow(dim: spec.dimension, queries: spec.queries, database: spec.database,
                                    data: layout.real ? "real" : "synthetic", backend: runName(backend, screen), kind: "engine")
                row.blasCore = found.backend == .blas ? BLASLibrary.coreName : nil
                row.rechecked = found.rechecked
                row.screen = found.screen.map(ScreenInfo.init)
                row.seconds = seconds
                row.othersShare = others
                row.secondsMin = seconds.min()
                row.secondsMedian = Timing.median(seconds)
                if let referenceName, let reference = hits[spec] {
                    row.identical = reference == indices
                    row.identicalTo = referenceName
                } else {
                    referenceName = row.backend
                    row.identicalTo = "reference"
                    hits[spec] = indices
                }
                rows.append(row)
                log(String(format: "recall %@ %@ %@ %8.3f s (min of %ld)  %ld rechecked%@", spec.description, row.data,
                           row.backend.padding(toLength: 16, withPad: " ", startingAt: 0), row.secondsMin!, seconds.count, found.rechecked,
                           row.screen.map { "  screen " + $0.text } ?? ""))
              }
            }
        }
    }
}
