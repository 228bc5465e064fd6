import Foundation

/// Where an import's vectors come from.
public enum VectorSource: Sendable {
    /// A `.f32` file (raw little-endian float32, row-major, no header) of `dimension` values per
    /// row: row `i` belongs to line `i + 1`. Lines must not carry an inline `embedding`.
    case file(path: String, dimension: Int)
    /// Inline `embedding` arrays when the first line has one (then every line must, all of one
    /// length); otherwise the embedder `makeEmbedder` returns (called only then; nil: the rows
    /// are stored without vectors).
    case automatic(makeEmbedder: @Sendable () throws -> (any Embedder)?)

    /// Inline vectors, or else `embedder` (nil: no vectors).
    public static func automatic(_ embedder: (any Embedder)?) -> VectorSource {
        .automatic(makeEmbedder: { embedder })
    }
}

/// The vectors an import attached to its records.
struct AttachedVectors {
    /// Their `embedding_space`; nil: the rows have none.
    let space: String?
    /// Their dimension; nil: the rows have none.
    let dimension: Int?
    /// Where they came from (`ImportSummary.vectorSource`).
    let source: String
    /// How many the embedder computed.
    let embedded: Int

    /// No vectors.
    static let none = AttachedVectors(space: nil, dimension: nil, source: "none", embedded: 0)
}

/// The vector step of an import: from a `.f32` file, inline arrays or an embedder.
extension ImportPlan {
    /// Attaches the vectors to `records` (all of them when they come from the data, only the
    /// `needed` ones for an embedder).
    func attachVectors<R: ImportRecord>(
        _ records: inout [R], needed: [Int], source: VectorSource
    ) async throws(ImportError) -> AttachedVectors {
        switch source {
        case let .file(vectorsPath, dimension):
            if let bad = records.first(where: { $0.inlineCount != nil }) {
                throw .invalidField(path: path, line: bad.line, field: "embedding",
                                    problem: "is given inline but the vectors come from \(vectorsPath) (--embeddings): use one or the other")
            }
            let rows = try Self.readVectorFile(vectorsPath, dimension: dimension, lines: records.count, jsonlPath: path)
            for i in records.indices { records[i].vector = rows[i] }
            return AttachedVectors(space: Self.externalSpace, dimension: dimension, source: "file", embedded: 0)
        case let .automatic(makeEmbedder):
            if let first = records.first, let dimension = first.inlineCount {
                for record in records {
                    guard let count = record.inlineCount else {
                        throw .invalidField(path: path, line: record.line, field: "embedding",
                                            problem: "is missing, but line \(first.line) has one (give every line an \"embedding\", or none)")
                    }
                    guard count == dimension else {
                        throw .invalidField(path: path, line: record.line, field: "embedding",
                                            problem: "has \(count) values, expected \(dimension) like line \(first.line)")
                    }
                }
                return AttachedVectors(space: Self.externalSpace, dimension: dimension, source: "inline", embedded: 0)
            }
            if let bad = records.first(where: { $0.inlineCount != nil }), let first = records.first {
                throw .invalidField(path: path, line: bad.line, field: "embedding",
                                    problem: "is given, but line \(first.line) has none (give every line an \"embedding\", or none)")
            }
            let embedder: (any Embedder)?
            do {
                embedder = try makeEmbedder()
            } catch {
                throw .embedderFailed(path: path, reason: "\(error)")
            }
            guard let embedder else { return .none }
            try await embed(&records, needed: needed, with: embedder)
            return AttachedVectors(space: embedder.model, dimension: embedder.dimension, source: embedder.model, embedded: needed.count)
        }
    }

    /// Embeds the texts of `records[needed]` in chunks, checking every vector.
    private func embed<R: ImportRecord>(_ records: inout [R], needed: [Int], with embedder: any Embedder) async throws(ImportError) {
        let chunk = 256
        var done = 0
        while done < needed.count {
            let indices = needed[done..<min(done + chunk, needed.count)]
            let vectors: [[Float]]
            do {
                vectors = try await embedder.embed(indices.map { records[$0].text })
            } catch {
                throw .embedderFailed(path: path, reason: "\(error)")
            }
            guard vectors.count == indices.count else {
                throw .embedderFailed(path: path, reason: "\(embedder.model) returned \(vectors.count) vectors for \(indices.count) texts")
            }
            for (index, vector) in zip(indices, vectors) {
                guard vector.count == embedder.dimension, vector.allSatisfy(\.isFinite) else {
                    throw .embedderFailed(path: path, reason: "\(embedder.model) returned an invalid vector for line \(records[index].line) "
                                          + "(\(vector.count) values, expected \(embedder.dimension) finite values)")
                }
                records[index].vector = EmbeddingBlob.data(from: vector)
            }
            done += indices.count
            report(.embedding, done: done, total: needed.count)
        }
    }

    /// Reads a `.f32` file and splits it in `lines` rows, refusing a dimension out of range, a
    /// file that is not a regular file, a size that is not a whole number of rows or a row count
    /// other than `lines` (all from the dimension and the size, before anything is read), NaN
    /// or infinite values and all-zero rows.
    static func readVectorFile(_ path: String, dimension: Int, lines: Int, jsonlPath: String) throws(ImportError) -> [Data] {
        func refuse(_ reason: InputFileError.Reason) -> ImportError { .input(InputFileError(path: path, reason: reason)) }
        do {
            try InputLimits.checkDimension(dimension, path: path)
        } catch {
            throw .input(error)
        }
        let file: RegularFile
        do {
            file = try RegularFile(path: path)
        } catch {
            throw .input(error)
        }
        // lines × dimension × 4, checked: neither product may overflow.
        let (rowBytes, rowOverflow) = dimension.multipliedReportingOverflow(by: 4)
        guard !rowOverflow, file.size % rowBytes == 0 else {
            throw refuse(.embeddingByteCount(bytes: file.size, dimension: dimension))
        }
        let (expected, overflow) = lines.multipliedReportingOverflow(by: rowBytes)
        guard !overflow, file.size == expected else {
            throw refuse(.rowCountMismatch(rows: file.size / rowBytes, lines: lines, jsonlPath: jsonlPath))
        }
        let data: Data
        do {
            data = try file.bytes(upTo: expected)
        } catch {
            throw .input(error)
        }
        guard data.count == expected else { throw refuse(.unreadable("the file shrank while it was read")) }
        let bad: Int? = data.withUnsafeBytes { bytes in
            let words = bytes.bindMemory(to: UInt32.self)
            // Exponent bits all ones: NaN or infinity, in either byte order of the host.
            return words.firstIndex { UInt32(littleEndian: $0) & 0x7F80_0000 == 0x7F80_0000 }
        }
        if let bad {
            throw .input(InputFileError(path: path, reason: .nonFiniteEmbedding(row: bad / dimension, column: bad % dimension, jsonlPath: jsonlPath)))
        }
        let rows = (0..<lines).map { data[($0 * rowBytes)..<(($0 + 1) * rowBytes)] }
        if let zero = rows.firstIndex(where: Self.isAllZeros) {
            throw .input(InputFileError(path: path, reason: .zeroEmbedding(row: zero, jsonlPath: jsonlPath)))
        }
        return rows
    }

    /// Whether every float32 of `row` is +0 or -0.
    private static func isAllZeros(_ row: Data) -> Bool {
        row.withUnsafeBytes { bytes in
            stride(from: 0, to: bytes.count, by: 4).allSatisfy { bytes.loadUnaligned(fromByteOffset: $0, as: UInt32.self) & 0x7FFF_FFFF == 0 }
        }
    }
}
