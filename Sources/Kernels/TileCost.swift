import CKernels
import Synchronization

/// The cost of a multiply-add in tiles of each encoding relative to float, measured once per
/// process and kernel tier on this CPU (a few milliseconds; tests lower the tier with
/// `ck_isa_force`, and a cost measured on serial twins must not outlive them). It differs by an
/// order of magnitude between CPUs (`vdpbf16ps` runs at twice the float rate on AMD Zen 4/5 and
/// at half of it on Intel Sapphire Rapids; the AVX2 bf16 kernel widens before it multiplies, the
/// serial twins are an order of magnitude slower): a low-rank screen picks its encoding by it
/// (`Backend.preparedScreen`), and a backend that runs a serial twin says how much slower than
/// `auto` it is.
enum TileCost {
    /// Seconds per multiply-add of each encoding's tiles over those of float tiles, on the
    /// active tier's kernels.
    static var relative: [TileEncoding: Double] {
        let tier = ck_isa_active().rawValue
        if let known = measured.withLock({ $0[tier] }) { return known }
        let costs = measure()
        // Two threads may both have measured: the first stored wins, so every caller sees one.
        return measured.withLock { stored in
            if let known = stored[tier] { return known }
            stored[tier] = costs
            return costs
        }
    }

    /// The costs measured so far, by kernel tier (`ck_isa` raw value).
    private static let measured = Mutex<[ck_isa.RawValue: [TileEncoding: Double]]>([:])

    private static func measure() -> [TileEncoding: Double] {
        let (rows, columns, d) = (64, 2048, 256)
        var state: UInt64 = 0x5C4E_E11
        let values = (0..<((rows + columns) * d)).map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
        }
        let matrix = try! EmbeddingMatrix(flat: values, dimension: d)
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: rows * columns)
        defer { tile.deallocate() }
        var seconds: [TileEncoding: Double] = [:]
        for encoding in [TileEncoding.float32, .bfloat16, .int8] {
            let encoded = EncodedRows(matrix, encoding: encoding)
            let kernel = encoding.kernel(float: Backend.fastestFloatKernel)
            let staged = encoded.block(from: 0)
            let panels = TileColumns(allRowsOf: encoded)
            seconds[encoding] = (0..<5).map { _ in
                Stopwatch.measure { kernel.tile(staged, count: rows, panels, rows..<(rows + columns), into: tile, rowStride: columns) }.seconds
            }.min()!
        }
        let float = max(seconds[.float32]!, 1e-9)
        return seconds.mapValues { $0 / float }
    }
}
