import Curation
import CurationStore
import Foundation
import Kernels

/// Where the rows of a pool come from: the real dataset when it has them at that dimension,
/// otherwise the synthetic generator. Every pool is a prefix (clustering) or a slice (recall)
/// of one matrix per source and dimension, with rows already in visiting order (`prospect_id`
/// code-point order for the real set), so our indices and the peers' mean the same rows.
final class DataCatalog {
    /// A slice of rows in a `.f32` file, for the peers.
    struct FileSlice: Codable {
        var file: String
        var dim: Int
        var offset: Int
        var rows: Int
    }

    let datasetDirectory: String?
    let realDimension: Int
    let realRows: Int
    let synthetic: SyntheticDataset
    let workDirectory: String
    private let log: (String) -> Void
    /// The real rows in visiting order, loaded on first use.
    private var realValues: [Float]?
    /// Whether the dataset file is itself in visiting order (then peers read it directly).
    private var realFileOrdered = true
    private var realOrderedFile: String?
    /// Synthetic rows per dimension, generated once up to the most any use needs.
    private var syntheticValues: [Int: [Float]] = [:]
    private var syntheticFiles: [Int: String] = [:]
    private var syntheticNeeded: [Int: Int] = [:]

    var embeddingsPath: String? { datasetDirectory.map { $0 + "/embeddings.f32" } }
    var prospectsPath: String? { datasetDirectory.map { $0 + "/prospects.jsonl" } }

    /// - Throws: when the dataset's `embeddings.f32` is missing or not a whole number of rows.
    init(datasetDirectory: String?, dimension: Int, synthetic: SyntheticDataset, workDirectory: String,
         log: @escaping (String) -> Void) throws {
        self.datasetDirectory = datasetDirectory
        self.synthetic = synthetic
        self.workDirectory = workDirectory
        self.log = log
        realDimension = dimension
        if let directory = datasetDirectory {
            let path = directory + "/embeddings.f32"
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  let bytes = (attributes[.size] as? NSNumber)?.intValue else {
                throw BenchError("no embeddings.f32 in \(directory)")
            }
            guard bytes % (dimension * 4) == 0 else {
                throw BenchError("\(path): \(bytes) bytes is not a whole number of rows of dimension \(dimension) (use --dim)")
            }
            realRows = bytes / (dimension * 4)
        } else {
            realRows = 0
        }
    }

    /// Whether `rows` rows at `dimension` come from the real dataset.
    func isReal(rows: Int, dimension: Int) -> Bool {
        datasetDirectory != nil && dimension == realDimension && rows <= realRows
    }

    func kind(rows: Int, dimension: Int) -> String { isReal(rows: rows, dimension: dimension) ? "real" : "synthetic" }

    /// Declares that synthetic rows `0..<rows` at `dimension` will be needed (so they are
    /// generated once, for the largest use).
    func reserveSynthetic(rows: Int, dimension: Int) {
        syntheticNeeded[dimension] = max(syntheticNeeded[dimension] ?? 0, rows)
    }

    /// Estimated bytes the reserved synthetic rows and the real set take (values, plus matrices).
    var estimatedBytes: Int {
        syntheticNeeded.reduce(0) { $0 + 4 * $1.key * $1.value } + 4 * realRows * realDimension
    }

    /// Rows `offset..<offset+rows` of the source for (`rows` + `offset`, `dimension`) as a matrix.
    func matrix(offset: Int = 0, rows: Int, dimension: Int, real: Bool) throws -> EmbeddingMatrix {
        let values = try source(real: real, dimension: dimension, rows: offset + rows)
        let start = offset * dimension, end = (offset + rows) * dimension
        return try EmbeddingMatrix(flat: Array(values[start..<end]), dimension: dimension)
    }

    /// The same slice as a file the peers can read.
    func fileSlice(offset: Int = 0, rows: Int, dimension: Int, real: Bool) throws -> FileSlice {
        if real {
            _ = try source(real: true, dimension: dimension, rows: offset + rows)
            if realFileOrdered, let path = embeddingsPath { return FileSlice(file: path, dim: dimension, offset: offset, rows: rows) }
            if realOrderedFile == nil {
                let path = workDirectory + "/real-ordered-\(dimension).f32"
                try SyntheticDataset.write(realValues!, to: path)
                realOrderedFile = path
            }
            return FileSlice(file: realOrderedFile!, dim: dimension, offset: offset, rows: rows)
        }
        let values = try source(real: false, dimension: dimension, rows: offset + rows)
        if syntheticFiles[dimension] == nil {
            let path = workDirectory + "/synthetic-\(dimension).f32"
            try SyntheticDataset.write(values, to: path)
            syntheticFiles[dimension] = path
        }
        return FileSlice(file: syntheticFiles[dimension]!, dim: dimension, offset: offset, rows: rows)
    }

    /// Appends rows `offset..<offset+rows` of a source, as raw float32, to `data`.
    func appendSlice(offset: Int, rows: Int, dimension: Int, real: Bool, to data: inout Data) throws {
        let values = try source(real: real, dimension: dimension, rows: offset + rows)
        values.withUnsafeBufferPointer { buffer in
            let start = buffer.baseAddress! + offset * dimension
            data.append(UnsafeBufferPointer(start: start, count: rows * dimension))
        }
    }

    /// The first `rows` JSONL lines of the dataset's prospects, in visiting order (real data only).
    func prospectLines(rows: Int) throws -> [Substring] {
        guard let path = prospectsPath, FileManager.default.fileExists(atPath: path) else {
            throw BenchError("no prospects.jsonl in \(datasetDirectory ?? "the dataset")")
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard realFileOrdered else { throw BenchError("end-to-end runs need a dataset sorted by prospect_id") }
        return Array(lines.prefix(rows))
    }

    private func source(real: Bool, dimension: Int, rows: Int) throws -> [Float] {
        if real {
            guard isReal(rows: rows, dimension: dimension) else {
                throw BenchError("the dataset has \(realRows) rows of dimension \(realDimension), not \(rows) of \(dimension)")
            }
            if realValues == nil { realValues = try loadReal() }
            return realValues!
        }
        let needed = max(rows, syntheticNeeded[dimension] ?? 0)
        if let values = syntheticValues[dimension], values.count >= rows * dimension { return values }
        let start = Timing.now()
        if let relative = synthetic.parameters.perturbation, datasetDirectory != nil, dimension == realDimension {
            if realValues == nil { realValues = try loadReal() }
            let values = synthetic.perturbing(realValues!, rows: needed, dimension: dimension, relative: relative)
            log(String(format: "made %ld rows at d = %ld from the real rows plus noise of relative length %.3f in %.1f s",
                       needed, dimension, relative, Timing.now() - start))
            syntheticValues[dimension] = values
            syntheticFiles[dimension] = nil
            return values
        }
        let values = synthetic.generate(rows: needed, dimension: dimension)
        log(String(format: "generated %ld synthetic rows at d = %ld in %.1f s (duplicate rate %.2f, exact share %.2f, seed %llu)",
                   needed, dimension, Timing.now() - start, synthetic.parameters.duplicateRate,
                   synthetic.parameters.exactShare, synthetic.parameters.seed))
        syntheticValues[dimension] = values
        syntheticFiles[dimension] = nil
        return values
    }

    /// Reads the dataset and puts its rows in `prospect_id` code-point order when the JSONL file
    /// is there and the file is not already in that order.
    private func loadReal() throws -> [Float] {
        let path = embeddingsPath!
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var values = [Float](repeating: 0, count: data.count / 4)
        values.withUnsafeMutableBytes { target in _ = data.copyBytes(to: target) }
        if let jsonl = prospectsPath, FileManager.default.fileExists(atPath: jsonl) {
            let ids = try JSONLIdReader().read(contentsOfFile: jsonl)
            guard ids.count == realRows else {
                throw BenchError("\(jsonl) has \(ids.count) lines but \(path) has \(realRows) rows")
            }
            let order = UTF16Order.sortedIndices(of: ids)
            if order != Array(0..<ids.count) {
                realFileOrdered = false
                log("the dataset is not in prospect_id order: pools take its rows in that order")
                let d = realDimension
                var ordered = [Float](repeating: 0, count: values.count)
                for (position, row) in order.enumerated() {
                    for k in 0..<d { ordered[position * d + k] = values[row * d + k] }
                }
                values = ordered
            }
        }
        return values
    }
}

/// A failure of the benchmark itself (bad data, a missing file), reported as one line.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
