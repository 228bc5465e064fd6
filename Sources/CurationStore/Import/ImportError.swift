/// Why an import was refused. Nothing was written: an import checks every line before it
/// writes, and writes in one transaction.
///
/// `description` is one line for a user, in the `file:line: reason` form of `InputFileError`:
///
/// ```
/// prospects.jsonl:3: "ts" must be an ISO-8601 timestamp with Z or a UTC offset: invalid date "2026-13-01T00:00:00Z": month 13 is out of range 01-12
/// prospects.jsonl:4: "embedding" value 2 is NaN or infinite as a float32 (1e+39)
/// prospects.f32: has 4 rows but prospects.jsonl has 5 lines (row i of the .f32 is line i+1 of the .jsonl)
/// ```
public enum ImportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A problem the shared JSON Lines / `.f32` readers report: unreadable file, invalid JSON,
    /// not an object, missing or non-string id, duplicate id, `.f32` size, row count or NaN.
    case input(InputFileError)
    /// Field `field` of line `line` has a bad value; `problem` says what is wrong.
    case invalidField(path: String, line: Int, field: String, problem: String)
    /// The import's vectors have another dimension than the store's.
    case dimensionMismatch(path: String, storeDimension: Int, importDimension: Int)
    /// The import's vectors come from another model than the store's (`"external"` means
    /// vectors given with the data; otherwise an embedder's model name).
    case embeddingSpaceMismatch(path: String, store: String, importing: String)
    /// The first line of a file whose format is detected (`--format auto`) tells neither format.
    case unrecognizedFormat(path: String, line: Int, reason: String)
    /// The embedder failed or returned unusable vectors.
    case embedderFailed(path: String, reason: String)
    /// The database refused a read or the write (the import was rolled back).
    case store(path: String, reason: String)

    /// The file at fault.
    public var path: String {
        switch self {
        case let .input(error): error.path
        case let .invalidField(path, _, _, _), let .unrecognizedFormat(path, _, _), let .dimensionMismatch(path, _, _),
             let .embeddingSpaceMismatch(path, _, _), let .embedderFailed(path, _), let .store(path, _): path
        }
    }

    /// The 1-based line at fault, when one is.
    public var line: Int? {
        switch self {
        case let .input(error): error.line
        case let .invalidField(_, line, _, _), let .unrecognizedFormat(_, line, _): line
        default: nil
        }
    }

    public var description: String {
        switch self {
        case let .input(error): error.description
        case let .invalidField(path, line, field, problem): "\(path):\(line): \"\(field)\" \(problem)"
        case let .unrecognizedFormat(path, line, reason): "\(path):\(line): \(reason)"
        case let .dimensionMismatch(path, store, importing):
            "\(path): embeddings of dimension \(importing), but the store's embeddings have dimension \(store) "
                + "(every embedding in a store has one dimension)"
        case let .embeddingSpaceMismatch(path, store, importing):
            "\(path): the store's embeddings come from \(Self.space(store)) but these would come from "
                + "\(Self.space(importing)): refusing to mix vectors of different models in one store"
        case let .embedderFailed(path, reason): "\(path): cannot embed: \(reason)"
        case let .store(path, reason): "\(path): database error, nothing imported: \(reason)"
        }
    }

    private static func space(_ name: String) -> String {
        name == ImportPlan.externalSpace ? "vectors given with the data (--embeddings or inline)" : "the \(name) embedder"
    }
}
