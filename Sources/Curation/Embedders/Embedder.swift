/// Turns texts into embedding vectors of one fixed dimension.
///
/// Implementations are synchronous and may block (a remote embedder waits on the network);
/// the importers call them before opening their write transaction, never inside it.
public protocol Embedder: Sendable {
    /// The model name: embeddings of different models are never mixed (the embedding cache and
    /// the store's `embedding_space` are keyed by it).
    var model: String { get }
    /// The number of values of every vector.
    var dimension: Int { get }
    /// One vector of `dimension` finite values per text, in order.
    /// - Throws: when the texts cannot be embedded (the error says why).
    func embed(_ texts: [String]) throws -> [[Float]]
}

/// The text embedded for an item with `label` and `summary`: the non-empty ones joined by
/// `". "` (so `"curl. Command line tool"`, or just `"curl"` without a summary).
public func embeddingText(label: String, summary: String) -> String {
    [label, summary].filter { !$0.isEmpty }.joined(separator: ". ")
}
