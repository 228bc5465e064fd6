/// Turns texts into embedding vectors of one fixed dimension.
///
/// `embed(_:)` is async: a remote embedder awaits the network without blocking a thread, and a
/// local one may simply not suspend. The importers call it before opening their write
/// transaction, never inside it.
public protocol Embedder: Sendable {
    /// The model name: embeddings of different models are never mixed (the embedding cache and
    /// the store's `embedding_space` are keyed by it).
    var model: String { get }
    /// The number of values of every vector.
    var dimension: Int { get }
    /// One vector of `dimension` finite values per text, in order.
    /// - Throws: when the texts cannot be embedded (the error says why).
    func embed(_ texts: [String]) async throws -> [[Float]]
}

/// The text of a prospect or committed item (`seed-contract.md` §2): what an embedder embeds
/// and what a recall line shows. `<type>: <label> - <summary>`, trimmed; without a summary
/// `<type>: <label>`. A missing type or label is empty, as the original prints it.
///
/// ```swift
/// itemText(type: "Tool", label: "curl", summary: "Transfers data")   // "Tool: curl - Transfers data"
/// itemText(type: "Tool", label: "curl", summary: "")                 // "Tool: curl"
/// ```
public func itemText(type: String?, label: String?, summary: String?) -> String {
    var text = "\(type ?? ""): \(label ?? "")"
    if let summary, !summary.isEmpty { text += " - \(summary)" }
    return text.trimmingCharacters(in: .whitespacesAndNewlines)
}
