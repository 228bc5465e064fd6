import CKernels
import Kernels
import TestSupport
import XCTest

/// The bf16 and int8 screening kernels: their encodings, the serial twins and the SIMD kernels
/// against the exact encoded dot product (a SIMD test skips, naming the instruction, when this run
/// dispatches to the serial twin), and the error bound the engine builds on them, on random and
/// adversarial rows.
final class NarrowKernelTests: XCTestCase {
    static let dims = [1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 383, 384, 385, 1536]

    // MARK: - Encodings

    func testBF16RoundsToNearestEvenAndFlushesSubnormals() {
        func encode(_ x: Float) -> UInt16 {
            var out: [UInt16] = [0, 0]
            _ = ck_encode_bf16([x], 1, &out)
            return out[0]
        }
        XCTAssertEqual(encode(1), 0x3F80)
        XCTAssertEqual(encode(1 + 0x1p-8), 0x3F80, "a tie goes to the even neighbour (1)")
        XCTAssertEqual(encode(1 + 3 * 0x1p-8), 0x3F82, "a tie goes to the even neighbour (1 + 2⁻⁶)")
        XCTAssertEqual(encode(1 + 0x1p-8 + 0x1p-20), 0x3F81, "above the tie rounds up")
        XCTAssertEqual(encode(-2.5), 0xC020)
        XCTAssertEqual(encode(0x1p-130), 0x0000, "subnormal → +0")
        XCTAssertEqual(encode(-0x1p-127), 0x8000, "subnormal → −0")
        XCTAssertEqual(encode(0x1p-126), 0x0080, "the smallest normal stays")
        var rng = SplitMix64(seed: 0xBF16)
        for d in Self.dims {
            let x = (0..<d).map { _ in rng.gaussian() * 0.1 }
            var out = [UInt16](repeating: 0xFFFF, count: ck_narrow_padded(CK_NARROW_BF16, d))
            let error = ck_encode_bf16(x, d, &out)
            var expected = 0.0
            for k in 0..<d {
                let decoded = Float(bitPattern: UInt32(out[k]) << 16)
                XCTAssertLessThanOrEqual(abs(Double(x[k]) - Double(decoded)), abs(Double(x[k])) * 0x1p-8, "d=\(d) k=\(k)")
                expected += (Double(x[k]) - Double(decoded)) * (Double(x[k]) - Double(decoded))
            }
            XCTAssertEqual(error, expected.squareRoot(), accuracy: 1e-15)
            XCTAssertTrue(out[d...].allSatisfy { $0 == 0 }, "padding is zero")
        }
    }

    func testInt8ScalesToTheLargestComponent() {
        var rng = SplitMix64(seed: 0x1D8)
        for d in Self.dims {
            for codes in [127, 63] {
                let x = (0..<d).map { _ in rng.gaussian() * 0.1 }
                var out = [UInt8](repeating: 7, count: ck_narrow_padded(CK_NARROW_I8, d))
                var scale: Float = 0, sum: Int32 = 0
                let error = ck_encode_i8(x, d, Int32(codes), &out, &scale, &sum)
                let q = out.prefix(d).map { Int($0) - 128 }
                XCTAssertEqual(q.map(abs).max(), codes, "d=\(d): the largest component maps to ±\(codes)")
                XCTAssertTrue(q.allSatisfy { (-codes...codes).contains($0) })
                XCTAssertEqual(Int(sum), q.reduce(0, +))
                XCTAssertEqual(Double(scale), Double(x.map { abs($0) }.max()!) / Double(codes), accuracy: Double(scale) * 0x1p-23)
                let expected = zip(x, q).map { (Double($0) - Double($1) * Double(scale)) * (Double($0) - Double($1) * Double(scale)) }
                XCTAssertEqual(error, expected.reduce(0, +).squareRoot(), accuracy: 1e-15)
                XCTAssertLessThanOrEqual(error, Double(d).squareRoot() * Double(scale) / 2 * (1 + 1e-9), "at most half a step per component")
                XCTAssertTrue(out[d...].allSatisfy { $0 == 128 }, "padding is q = 0")
            }
        }
        var zero = [UInt8](repeating: 0, count: 4)
        var scale: Float = 1, sum: Int32 = 1
        XCTAssertEqual(ck_encode_i8([0, 0, 0], 3, 127, &zero, &scale, &sum), 0)
        XCTAssertEqual(scale, 0)
        XCTAssertEqual(sum, 0)
        XCTAssertEqual(zero, [128, 128, 128, 128])
    }

    // MARK: - Tiles

    func testBF16SerialTwinStaysWithinTheAccumulationBoundOfTheExactEncodedDot() throws {
        try checkBF16Tiles("serial") { queries, columns, range, c, ldc in
            ck_tile_bf16_serial(queries.row(0).assumingMemoryBound(to: UInt16.self), queries.stride / 2, queries.count,
                                columns.panels.assumingMemoryBound(to: UInt16.self), range.lowerBound, range.upperBound,
                                columns.dimension, c, ldc)
        }
    }

    func testBF16KernelStaysWithinTheAccumulationBoundOfTheExactEncodedDot() throws {
        if let missing = MissingInstruction.bf16 { throw XCTSkip(MissingInstruction.reason("the bf16 tile kernel", needs: [missing])) }
        try checkBF16Tiles(ComputeEnvironment.bf16Kernel) { queries, columns, range, c, ldc in
            NarrowKernel(.bfloat16).tile(queries.block(from: 0), count: queries.count,
                                         columns, range, into: c, rowStride: ldc)
        }
    }

    /// The AVX2 kernels run wherever the CPU has AVX2, whatever kernel the dispatch picks.
    private func skipWithoutAVX2() throws {
        if ck_isa_supported().rawValue < CK_ISA_AVX2.rawValue {
            throw XCTSkip(MissingInstruction.reason("the AVX2 narrow kernels", needs: ["AVX2 and FMA"]))
        }
    }

    func testBF16AVX2KernelStaysWithinTheAccumulationBoundOfTheExactEncodedDot() throws {
        try skipWithoutAVX2()
        try checkBF16Tiles("haswell") { queries, columns, range, c, ldc in
            ck_tile_bf16_haswell(queries.row(0).assumingMemoryBound(to: UInt16.self), queries.stride / 2, queries.count,
                                 columns.panels.assumingMemoryBound(to: UInt16.self), range.lowerBound, range.upperBound,
                                 columns.dimension, c, ldc)
        }
    }

    /// Codes of at most 63, as `EncodedRows` writes them where this kernel runs, including rows
    /// of equal components (codes ±63 throughout, the largest int16 pair sums: no saturation).
    func testInt8AVX2KernelAgreesBitForBitWithItsSerialTwin() throws {
        try skipWithoutAVX2()
        var rng = SplitMix64(seed: 0x2_7E8)
        for d in Self.dims {
            for fixes in [false, true] {
                let (_, columns, queries) = try operands(d, .int8, &rng, maxCode: 63, extremes: true, fixes: fixes)
                for (j0, j1) in ranges(columns.count, &rng) {
                    let avx2 = tile(queries.count, j1 - j0) { c, ldc in
                        var x = ck_i8_operands(queries.block(from: 0), columns)
                        ck_tile_i8_haswell(&x, queries.count, j0, j1, columns.dimension, c, ldc)
                    }
                    XCTAssertEqual(avx2, int8SerialTile(queries, columns, j0..<j1), "d=\(d) [\(j0), \(j1)) fixes \(fixes): haswell against serial")
                }
            }
        }
    }

    func testInt8SerialTwinAgreesBitForBitWithTheExactIntegerFormula() throws {
        var rng = SplitMix64(seed: 0x1_7E8)
        for d in Self.dims {
            for fixes in [false, true] {
                let (rows, columns, queries) = try operands(d, .int8, &rng, fixes: fixes)
                for (j0, j1) in ranges(columns.count, &rng) {
                    let serial = int8SerialTile(queries, columns, j0..<j1)
                    for i in 0..<queries.count {
                        for j in j0..<j1 {
                            var sum = 0
                            for k in 0..<d { sum += byte(queries, i, k) * byte(rows, j, k) }
                            var expected = Float(sum) * rows.scales![j] * queries.scales![i]
                            if let f = queries.fixes.map({ $0 + 4 * i }), let g = rows.fixes.map({ $0 + 4 * j }) {
                                // Four fused multiply-adds, the last one subtracting.
                                expected = expected.addingProduct(f[0], g[0]).addingProduct(f[1], g[1]).addingProduct(f[2], g[2])
                                    .addingProduct(-f[3], g[3])
                            }
                            XCTAssertEqual(serial[i][j - j0], expected, "d=\(d) i=\(i) j=\(j) fixes \(fixes)")
                        }
                    }
                }
            }
        }
    }

    func testInt8KernelAgreesBitForBitWithItsSerialTwin() throws {
        if let missing = MissingInstruction.int8 { throw XCTSkip(MissingInstruction.reason("the int8 tile kernel", needs: [missing])) }
        var rng = SplitMix64(seed: 0x1_7E8)
        for d in Self.dims {
            for fixes in [false, true] {
                let (_, columns, queries) = try operands(d, .int8, &rng, fixes: fixes)
                for (j0, j1) in ranges(columns.count, &rng) {
                    let m = queries.count
                    let staged = queries.block(from: 0)
                    let dispatched = tile(m, j1 - j0) { c, ldc in
                        NarrowKernel(.int8).tile(staged, count: m, columns, j0..<j1, into: c, rowStride: ldc)
                    }
                    XCTAssertEqual(dispatched, int8SerialTile(queries, columns, j0..<j1),
                                   "d=\(d) [\(j0), \(j1)) fixes \(fixes): \(ComputeEnvironment.int8Kernel) against serial")
                }
            }
        }
    }

    /// The depth an int8 tile is costed at: whole 64-byte steps on AMX, the padded d elsewhere and
    /// where AMX leaves a dimension to the VNNI kernel (steps under 8 quads).
    func testInt8TileDepthCountsWholeAMXSteps() {
        let dims = [1, 28, 95, 127, 159, 160, 256, 384, 385]
        let padded = dims.map { ck_narrow_padded(CK_NARROW_I8, $0) }
        // The AMX kernel is built on x86-64 Linux (whether or not this CPU, or CURATE_AMX, lets it run).
        #if arch(x86_64) && os(Linux)
        let steps = [4, 28, 128, 128, 256, 256, 256, 384, 388]
        #else
        let steps = padded
        #endif
        XCTAssertEqual(dims.map { ck_tile_i8_sapphirerapids_depth($0) }, steps)
        let active = ck_narrow_kernel(CK_NARROW_I8) == CK_NARROW_AMX ? dims.map { ck_tile_i8_sapphirerapids_depth($0) } : padded
        XCTAssertEqual(dims.map { ck_tile_i8_depth($0) }, active)
    }

    /// The AVX-512 int8 kernels called directly, with enough query rows for the AMX kernel's
    /// groups of 32 and rows left over after them, codes up to ±127 (rows of equal components
    /// give the largest sums), and dimensions whose quads split into tile steps of 16, 12, 10, 9
    /// and 8 (d = 32, the shortest the AMX kernel takes), and of 7 or fewer (d = 28, 5, 385: those
    /// run the VNNI kernel).
    func testInt8AVX512KernelsAgreeBitForBitWithTheSerialTwinOnManyRows() throws {
        let features = ck_cpu_detect()
        guard features.avx512_vnni else {
            throw XCTSkip(MissingInstruction.reason("the AVX-512 int8 tile kernels", needs: ["AVX512_VNNI (vpdpbusd)"]))
        }
        typealias Variant = (UnsafePointer<ck_i8_operands>, Int, Int, Int, Int, UnsafeMutablePointer<Float>, Int) -> Void
        var variants: [(String, Variant)] = [("icelake", { ck_tile_i8_icelake($0, $1, $2, $3, $4, $5, $6) })]
        if features.amx_int8 { variants.append(("sapphirerapids", { ck_tile_i8_sapphirerapids($0, $1, $2, $3, $4, $5, $6) })) }
        var rng = SplitMix64(seed: 0xA3_7E8)
        // Query counts by turns: AMX's rows left over after its groups of 32, few (the VNNI kernel)
        // or many (a padded group), alone or after whole groups; d = 1540 is too long to pad.
        let queryCounts = [5, 20, 35, 52, 100]
        for (index, d) in [1, 5, 28, 32, 33, 63, 64, 95, 159, 384, 385, 1536, 1540].enumerated() {
            for fixes in [false, true] {
                let count = queryCounts[(index + (fixes ? 1 : 0)) % queryCounts.count]
                let (_, columns, queries) = try operands(d, .int8, &rng, extremes: true, fixes: fixes, queries: count...count)
                for (j0, j1) in ranges(columns.count, &rng) {
                    let serial = int8SerialTile(queries, columns, j0..<j1)
                    for (name, variant) in variants {
                        let tiled = tile(queries.count, j1 - j0) { c, ldc in
                            var x = ck_i8_operands(queries.block(from: 0), columns)
                            variant(&x, queries.count, j0, j1, columns.dimension, c, ldc)
                        }
                        XCTAssertEqual(tiled, serial, "d=\(d) m=\(queries.count) [\(j0), \(j1)) fixes \(fixes): \(name) against serial")
                    }
                }
            }
        }
    }

    func testColumnsAppendedOneByOneEqualAllRowsAtOnce() throws {
        var rng = SplitMix64(seed: 0xA99)
        for (encoding, fixes) in [(TileEncoding.bfloat16, false), (.int8, false), (.int8, true), (.float32, false)] {
            let matrix = try EmbeddingMatrix(rows: (0..<300).map { _ in (0..<37).map { _ in rng.gaussian() } })
            let rows = fixes ? encodedWithFixes(matrix, maxCode: ck_i8_max_code(), &rng) : EncodedRows(matrix, encoding: encoding)
            let grown = TileColumns(encoding: encoding, dimension: 37, fixes: fixes, capacity: 1)
            for row in 0..<matrix.rows { grown.append(rows, row: row) }
            let whole = TileColumns(allRowsOf: rows)
            XCTAssertEqual(grown.count, whole.count)
            let kernel: any SimilarityKernel = encoding == .float32 ? CSIMDKernel() : NarrowKernel(encoding)
            let staged = rows.block(from: 0)
            let a = tile(matrix.rows, 300) { kernel.tile(staged, count: matrix.rows, grown, 0..<300, into: $0, rowStride: $1) }
            let b = tile(matrix.rows, 300) { kernel.tile(staged, count: matrix.rows, whole, 0..<300, into: $0, rowStride: $1) }
            XCTAssertEqual(a, b, "\(encoding) fixes \(fixes)")
        }
    }

    // MARK: - The error bound

    /// |tile − reference cosine| ≤ band on random rows, and on rows built to make the screening
    /// error as large as Cauchy–Schwarz allows (`ScreeningInputs.adversarialRows`: components at
    /// rounding midpoints, rows along the first row's encoding error, cosines across [-1, 1]). The
    /// adversarial rows must come close to the band (they reach 60–98 % of it).
    func testBandHoldsOnRandomAndAdversarialRows() throws {
        for encoding in [TileEncoding.bfloat16, .int8] {
            for d in [3, 16, 33, 384, 1536] {
                var rng = SplitMix64(seed: UInt64(d) &* 31 &+ (encoding == .int8 ? 1 : 0))
                let random = (0..<40).map { _ in (0..<d).map { _ in rng.gaussian() } }
                let adversarial = ScreeningInputs.adversarialRows(d: d, encoding: encoding, count: 60, rng: &rng)
                for (label, vectors) in [("random", random), ("adversarial", adversarial)] {
                    let matrix = try EmbeddingMatrix(rows: vectors)
                    let rows = EncodedRows(matrix, encoding: encoding)
                    let band = ExactnessBand.band(for: d, encoding: encoding, rowError: rows.maxError, columnError: rows.maxError)
                    let columns = TileColumns(allRowsOf: rows)
                    let staged = rows.block(from: 0)
                    let similarities = tile(matrix.rows, matrix.rows) {
                        NarrowKernel(encoding).tile(staged, count: matrix.rows, columns, 0..<matrix.rows, into: $0, rowStride: $1)
                    }
                    var worst = 0.0
                    for i in 0..<matrix.rows {
                        for j in 0..<matrix.rows {
                            let error = abs(Double(similarities[i][j]) - matrix.referenceCosine(i, matrix, j))
                            XCTAssertLessThanOrEqual(error, band, "\(encoding) d=\(d) \(label) i=\(i) j=\(j)")
                            worst = max(worst, error)
                        }
                    }
                    if label == "adversarial" && d >= 16 {
                        XCTAssertGreaterThan(worst, 0.5 * band, "\(encoding) d=\(d): the adversarial rows reach \(worst / band) of the band")
                    }
                }
            }
        }
    }

    // MARK: - Helpers

    /// Rows, all of them as columns, and a few of them as queries (a copy, so queries sit apart).
    /// Random rows (and with `extremes` rows of equal positive or negative components), their
    /// columns, and a count in `queries` of query rows drawn from them; int8 codes up to `maxCode`.
    private func operands(_ d: Int, _ encoding: TileEncoding, _ rng: inout SplitMix64, maxCode: Int32 = ck_i8_max_code(),
                          extremes: Bool = false, fixes: Bool = false,
                          queries: ClosedRange<Int> = 1...19) throws -> (EncodedRows, TileColumns, EncodedRows) {
        let n = 1 + Int(rng.next() % 90)
        var vectors = (0..<n).map { _ in (0..<d).map { _ in rng.gaussian() } }
        if extremes { vectors += [[Float](repeating: 1, count: d), [Float](repeating: -1, count: d)] }
        let m = queries.lowerBound + Int(rng.next() % UInt64(queries.count))
        var drawn = (0..<m).map { _ in vectors[Int(rng.next() % UInt64(vectors.count))] }
        if extremes { drawn += vectors.suffix(2) }
        let (matrix, queryMatrix) = (try EmbeddingMatrix(rows: vectors), try EmbeddingMatrix(rows: drawn))
        let rows = fixes ? encodedWithFixes(matrix, maxCode: maxCode, &rng) : EncodedRows(matrix, encoding: encoding, maxCode: maxCode)
        let queries = fixes ? encodedWithFixes(queryMatrix, maxCode: maxCode, &rng)
            : EncodedRows(queryMatrix, encoding: encoding, maxCode: maxCode)
        return (rows, TileColumns(allRowsOf: rows), queries)
    }

    /// The int8 rows of `matrix` with random fixes of either sign and mixed magnitudes.
    private func encodedWithFixes(_ matrix: EmbeddingMatrix, maxCode: Int32, _ rng: inout SplitMix64) -> EncodedRows {
        let places = Int(CK_I8_FIXES)
        let drawn = (0..<(matrix.rows * places)).map { _ in rng.gaussian() * Float(1 << (rng.next() % 4)) }
        return EncodedRows(matrix.unitRow(0), count: matrix.rows, dimension: matrix.dimension, owner: matrix, encoding: .int8,
                           maxCode: maxCode) { row, _, fixes in
            for f in 0..<places { fixes[f] = drawn[row * places + f] }
        }
    }


    /// Checks the bf16 tiles `fill(queries, columns, range, c, ldc)` writes against the exact dot
    /// of the encoded rows, within the accumulation bound of `ck_narrow.h`.
    private func checkBF16Tiles(_ name: String, _ fill: (EncodedRows, TileColumns, Range<Int>, UnsafeMutablePointer<Float>, Int) -> Void) throws {
        var rng = SplitMix64(seed: 0x71_1E)
        for d in Self.dims {
            let (rows, columns, queries) = try operands(d, .bfloat16, &rng)
            for (j0, j1) in ranges(columns.count, &rng) {
                let similarities = tile(queries.count, j1 - j0) { fill(queries, columns, j0..<j1, $0, $1) }
                for i in 0..<queries.count {
                    for j in j0..<j1 {
                        let (exact, magnitude) = decodedDot(bf16: queries, i, rows, j, d)
                        let n = Double(ck_narrow_padded(CK_NARROW_BF16, d)), u = 0x1p-24
                        let bound = n * u / (1 - n * u) * magnitude + n * 0x1p-125 + 1e-300
                        XCTAssertLessThanOrEqual(abs(Double(similarities[i][j - j0]) - exact), bound,
                                                 "\(name) d=\(d) i=\(i) j=\(j) of [\(j0), \(j1))")
                    }
                }
            }
        }
    }

    /// The int8 tile of `queries` against `columns` in `range` from the serial twin.
    private func int8SerialTile(_ queries: EncodedRows, _ columns: TileColumns, _ range: Range<Int>) -> [[Float]] {
        tile(queries.count, range.count) { c, ldc in
            var x = ck_i8_operands(queries.block(from: 0), columns)
            ck_tile_i8_serial(&x, queries.count, range.lowerBound, range.upperBound, columns.dimension, c, ldc)
        }
    }

    /// The whole range, and sub-ranges starting and ending inside panels.
    private func ranges(_ n: Int, _ rng: inout SplitMix64) -> [(Int, Int)] {
        var result = [(0, n)]
        for _ in 0..<3 {
            let j0 = Int(rng.next() % UInt64(n)), j1 = j0 + 1 + Int(rng.next() % UInt64(n - j0))
            result.append((j0, j1))
        }
        return result
    }

    /// An m×width tile filled by `body(c, ldc)`, as rows.
    private func tile(_ m: Int, _ width: Int, _ body: (UnsafeMutablePointer<Float>, Int) -> Void) -> [[Float]] {
        var c = [Float](repeating: .nan, count: max(m * width, 1))
        c.withUnsafeMutableBufferPointer { body($0.baseAddress!, width) }
        return (0..<m).map { Array(c[($0 * width)..<(($0 + 1) * width)]) }
    }

    /// Σ â_k·b̂_k in double (exact products of bf16) and Σ|â_k b̂_k|.
    private func decodedDot(bf16 a: EncodedRows, _ i: Int, _ b: EncodedRows, _ j: Int, _ d: Int) -> (Double, Double) {
        let x = ScreeningInputs.decode(a, i, d), y = ScreeningInputs.decode(b, j, d)
        return (zip(x, y).map(*).reduce(0, +), zip(x, y).map { abs($0 * $1) }.reduce(0, +))
    }

    /// The signed int8 value of component k of row `row`.
    private func byte(_ rows: EncodedRows, _ row: Int, _ k: Int) -> Int {
        Int(rows.row(row).assumingMemoryBound(to: UInt8.self)[k]) - 128
    }
}
