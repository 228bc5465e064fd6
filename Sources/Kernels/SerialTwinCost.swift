import CKernels

/// How much slower a narrow type's serial twin is than the float kernel `auto` runs, measured
/// on this machine for the warning `bf16` and `int8` give when only the twin can run: one tile of
/// 32 × 256 random rows at d = 384 (a few milliseconds), single-threaded on both sides.
enum SerialTwinCost {
    /// Seconds of the serial tile of `type` over seconds of the same tile by `kernel` (best of a
    /// few runs each).
    static func slowdown(_ type: ck_narrow_type, against kernel: any FloatKernel) -> Double {
        let (m, n, d) = (32, 256, 384)
        var state: UInt64 = 0x7E1A_C057
        func random() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
        }
        let a = (0..<(m * d)).map { _ in random() }, b = (0..<(n * d)).map { _ in random() }
        var c = [Float](repeating: 0, count: m * n)
        let narrow = narrowTile(type, a, b, m: m, n: n, d: d)
        let serial = best(runs: 2, budget: 0) { c.withUnsafeMutableBufferPointer { narrow($0.baseAddress!) } }
        let float = best(runs: 3, budget: serial / 4) {
            c.withUnsafeMutableBufferPointer { kernel.tile(a, rows: m, b, rows: n, dimension: d, into: $0.baseAddress!, rowStride: n) }
        }
        return serial / max(float, 1e-9)
    }

    /// The fastest of at least `runs` runs of `body`, repeated until `budget` seconds have passed.
    private static func best(runs: Int, budget: Double, _ body: () -> Void) -> Double {
        var fastest = Double.infinity, total = 0.0, count = 0
        while count < runs || total < budget {
            let seconds = Stopwatch.measure(body).seconds
            fastest = min(fastest, seconds)
            total += seconds
            count += 1
        }
        return fastest
    }

    /// The serial tile of `type` between rows `a` (m × d) and columns `b` (n × d, n a multiple of
    /// `CK_PANEL`), encoded and packed once; the closure writes it into an m × n buffer.
    private static func narrowTile(_ type: ck_narrow_type, _ a: [Float], _ b: [Float], m: Int, n: Int, d: Int)
        -> (UnsafeMutablePointer<Float>) -> Void {
        let padded = ck_narrow_padded(type, d), panelBytes = ck_narrow_panel_bytes(type, d), panel = Int(CK_PANEL)
        let row = { (x: [Float], i: Int) in Array(x[(i * d)..<((i + 1) * d)]) }
        if type == CK_NARROW_BF16 {
            var rows = [UInt16](repeating: 0, count: m * padded), panels = [UInt16](repeating: 0, count: n / panel * panelBytes / 2)
            var column = [UInt16](repeating: 0, count: padded)
            rows.withUnsafeMutableBufferPointer { rows in
                for i in 0..<m { _ = ck_encode_bf16(row(a, i), d, rows.baseAddress! + i * padded) }
            }
            panels.withUnsafeMutableBufferPointer { panels in
                for j in 0..<n {
                    _ = ck_encode_bf16(row(b, j), d, &column)
                    ck_pack_column_bf16(column, d, panels.baseAddress! + j / panel * panelBytes / 2, j % panel)
                }
            }
            return { [rows, panels] c in ck_tile_bf16_serial(rows, padded, m, panels, 0, n, d, c, n) }
        }
        var rows = [UInt8](repeating: 0, count: m * padded), panels = [Int8](repeating: 0, count: n / panel * panelBytes)
        var rowScales = [Float](repeating: 0, count: m), scales = [Float](repeating: 0, count: n), sums = [Int32](repeating: 0, count: n)
        var column = [UInt8](repeating: 0, count: padded), sum: Int32 = 0
        rows.withUnsafeMutableBufferPointer { rows in
            for i in 0..<m { _ = ck_encode_i8(row(a, i), d, rows.baseAddress! + i * padded, &rowScales[i], &sum) }
        }
        panels.withUnsafeMutableBufferPointer { panels in
            for j in 0..<n {
                _ = ck_encode_i8(row(b, j), d, &column, &scales[j], &sums[j])
                ck_pack_column_i8(column, d, panels.baseAddress! + j / panel * panelBytes, j % panel)
            }
        }
        return { [rows, panels, rowScales, scales, sums] c in
            ck_tile_i8_serial(rows, padded, rowScales, m, panels, scales, sums, 0, n, d, c, n)
        }
    }
}
