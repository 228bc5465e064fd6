import Clustering
import Kernels

/// The engine facts every `cluster` and `recall` result carries.
struct ComputeFacts: Encodable {
    let backend: Backend
    let screen: ScreenSummary?
    let dimension: Int
    let seconds: Double
    let loadSeconds: Double

    private enum CodingKeys: String, CodingKey {
        case backend, blasCore = "blas_core", isa, screen, dimension, seconds, loadSeconds = "load_seconds"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(backend.rawValue, forKey: .backend)
        try container.encodeIfPresent(backend == .blas ? BLASLibrary.coreName : nil, forKey: .blasCore)
        try container.encode(ComputeEnvironment.isa, forKey: .isa)
        try container.encodeIfPresent(screen, forKey: .screen)
        try container.encode(dimension, forKey: .dimension)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(loadSeconds, forKey: .loadSeconds)
    }
}

/// What `curate cluster` prints beside the engine facts: the clusters by id, seed first.
struct ClusterResult: Encodable {
    let clusters: [[String]]
    let threshold: Double
    let items: Int
}

/// What `curate recall` prints beside the engine facts: each query's hits by id, best first.
struct RecallResult: Encodable {
    /// One hit: the database item's id and its reference cosine.
    struct Hit: Encodable {
        let id: String
        let score: Double
    }

    let hits: [String: [Hit]]
    let k: Int
    let queries: Int
    let database: Int
}
