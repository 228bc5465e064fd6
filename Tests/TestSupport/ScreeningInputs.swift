import CKernels
import Kernels

/// Rows built to make a screening tile (bf16, int8) err as far as its error bound allows: every
/// component half a step off the encoding's grid, and rows along the encoding error of another.
/// Test support only, not API.
package enum ScreeningInputs {
    /// A unit row with every component half a step off the grid of `encoding` (so its encoding
    /// error is near its maximum), and the unit direction of that error orthogonal to the row.
    package static func offGridSeed(d: Int, encoding: TileEncoding, rng: inout SplitMix64) -> (seed: [Double], error: [Double]) {
        let seed = offGrid((0..<d).map { _ in Double(rng.gaussian()) }, encoding: encoding)
        let matrix = try! EmbeddingMatrix(rows: [seed.map { Float($0) }])
        let decoded = decode(EncodedRows(matrix, encoding: encoding), 0, d)
        var error = (0..<d).map { Double(matrix.unitRow(0)[$0]) - decoded[$0] }
        let along = zip(error, seed).map(*).reduce(0, +)
        error = zip(error, seed).map { $0 - along * $1 }
        let norm = max(error.map { $0 * $0 }.reduce(0, +).squareRoot(), 1e-300)
        return (seed, error.map { $0 / norm })
    }

    /// Row 0 off the grid, then rows t·row₀ + s·e₀ (e₀ its encoding error direction, t across
    /// [-1, 1]), each itself pushed off the grid: their screened similarity to row 0 errs by
    /// nearly the whole of row 0's encoding error.
    package static func adversarialRows(d: Int, encoding: TileEncoding, count: Int, rng: inout SplitMix64) -> [[Float]] {
        let (seed, error) = offGridSeed(d: d, encoding: encoding, rng: &rng)
        var rows = [seed.map { Float($0) }]
        for r in 1..<count {
            let t = -1 + 2 * Double(r) / Double(count - 1), s = (1 - t * t).squareRoot()
            rows.append(offGrid(zip(seed, error).map { t * $0 + s * $1 }, encoding: encoding).map { Float($0) })
        }
        return rows
    }

    /// `v` normalised, with each component moved half a step off the grid of `encoding` (bf16:
    /// between two neighbours of 8 significant bits; int8: between two multiples of max|v|/m,
    /// m the codes this process encodes with, `ck_i8_max_code`).
    package static func offGrid(_ v: [Double], encoding: TileEncoding) -> [Double] {
        let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
        let unit = v.map { $0 / norm }
        switch encoding {
        case .int8:
            let codes = Double(ck_i8_max_code())
            let step = unit.map(abs).max()! / codes
            return unit.map { x in
                let q = (x / step).rounded(.down)
                return abs(q) >= codes - 1 ? x : (q + 0.5) * step
            }
        default:
            return unit.map { x in
                guard x != 0 else { return x }
                let ulp = Double(sign: .plus, exponent: Int(Float(x).exponent) - 7, significand: 1)
                return ((x / ulp).rounded(.down) + 0.5) * ulp
            }
        }
    }

    /// The decoded components of stored row `row`.
    package static func decode(_ rows: EncodedRows, _ row: Int, _ d: Int) -> [Double] {
        switch rows.encoding {
        case .bfloat16:
            let bits = rows.row(row).assumingMemoryBound(to: UInt16.self)
            return (0..<d).map { Double(Float(bitPattern: UInt32(bits[$0]) << 16)) }
        case .int8:
            let bytes = rows.row(row).assumingMemoryBound(to: UInt8.self)
            return (0..<d).map { Double(Int(bytes[$0]) - 128) * Double(rows.scales![row]) }
        case .float32:
            return (0..<d).map { Double(rows.row(row).assumingMemoryBound(to: Float.self)[$0]) }
        }
    }
}
