/// How far an import has come: what an importer's `onProgress` receives for every line read,
/// every chunk of vectors embedded and every row written. The importers never draw anything;
/// showing progress (and how often) is the caller's choice.
public struct ImportProgress: Equatable, Sendable {
    /// What receives an import's progress; the import calls it synchronously, from its own task.
    public typealias Handler = @Sendable (ImportProgress) -> Void

    /// A step of an import, in the order they run.
    public enum Phase: String, Sendable {
        /// Parsing and checking the lines.
        case reading
        /// Computing the vectors of the new lines with the embedder.
        case embedding
        /// Inserting the new rows into the store.
        case writing
    }

    /// The JSON Lines file (the `path` the importer was given).
    public var path: String
    /// The step running.
    public var phase: Phase
    /// Lines this step has gone through so far.
    public var done: Int
    /// Lines this step goes through in all; nil while reading (the count is known at the end).
    public var total: Int?

    /// `done` lines of `total` (nil: unknown) through `phase` of the import of `path`.
    public init(path: String, phase: Phase, done: Int, total: Int? = nil) {
        self.path = path
        self.phase = phase
        self.done = done
        self.total = total
    }
}
