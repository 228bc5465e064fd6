import CKernels
import TestSupport
import XCTest

/// Every SIMD variant of the C kernels against its `_serial` twin, one test per kernel and ISA,
/// plus the dispatch table (`ck_isa_force`). A variant above this run's tier (the CPU's, lowered
/// by `CURATE_ISA`) skips, naming the instructions it needs.
///
/// Floating-point kernels are held to the rounding bound of `ck_spatial.h` (γ_n · Σ|a_k b_k|
/// against an exact double reference, 2·n·u · Σ|a_k b_k| against serial); the scans must match
/// serial exactly. Inputs come from a seeded SplitMix64, so failures reproduce.
final class CKernelTwinsTests: XCTestCase {
    /// The tier active when the test started (this run's tier), restored afterwards.
    private var savedISA = CK_ISA_SCALAR

    override func setUp() {
        super.setUp()
        savedISA = ck_isa_active()
    }

    override func tearDown() {
        XCTAssertEqual(ck_isa_force(savedISA), 0)
        super.tearDown()
    }

    /// Skips unless this run's tier includes `variant`'s.
    private func require(_ variant: Variant) throws {
        guard variant.isa.rawValue > savedISA.rawValue else { return }
        throw XCTSkip("the \(variant.name) kernels need \(variant.instructions) (this run's tier is \(String(cString: ck_isa_name(savedISA))))")
    }

    // MARK: - dot

    func testDotAVX2MatchesSerialWithinRoundingBound() throws { try checkDot(.haswell) }
    func testDotAVX512MatchesSerialWithinRoundingBound() throws { try checkDot(.skylake) }

    private func checkDot(_ variant: Variant) throws {
        try require(variant)
        var rng = SplitMix64(seed: 0x5EED_D07)
        for n in Fixture.dims {
            for kind in ValueKind.allCases {
                let a = rng.vector(n, kind)
                let b = rng.vector(n, kind)
                let serial = call(Variant.serial.dot, a, b)
                let simd = call(variant.dot, a, b)
                let (exact, magnitude) = exactDot(a, b)
                let context = "\(variant.name) n=\(n) \(kind)"
                XCTAssertLessThanOrEqual(abs(Double(serial) - exact), gammaBound(n, magnitude), "serial \(context)")
                XCTAssertLessThanOrEqual(abs(Double(simd) - exact), gammaBound(n, magnitude), context)
                XCTAssertLessThanOrEqual(abs(Double(simd) - Double(serial)), twinBound(n, magnitude), context)
                if kind == .zero || n == 0 {
                    XCTAssertEqual(simd.bitPattern, Float(0).bitPattern, context)
                }
            }
        }
    }

    // MARK: - normalise

    func testNormaliseAVX2MatchesSerialAndIsCorrectlyScaled() throws { try checkNormalise(.haswell) }
    func testNormaliseAVX512MatchesSerialAndIsCorrectlyScaled() throws { try checkNormalise(.skylake) }

    private func checkNormalise(_ variant: Variant) throws {
        try require(variant)
        var rng = SplitMix64(seed: 0x4E0_2415E)
        let guardCount = 5
        let sentinel: Float = -1234.5
        for n in Fixture.dims {
            for kind in ValueKind.allCases {
                let src = rng.vector(n, kind)
                let norm = src.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
                let context = "\(variant.name) n=\(n) \(kind)"

                var serial = [Float](repeating: sentinel, count: n + guardCount)
                var simd = serial
                callNormalise(Variant.serial.normalise, src, &serial, norm)
                callNormalise(variant.normalise, src, &simd, norm)
                XCTAssertEqual(Array(simd[n...]), Array(repeating: sentinel, count: guardCount), "wrote past n: \(context)")

                var inPlace = src
                inPlace.withUnsafeMutableBufferPointer { p in
                    variant.normalise(p.baseAddress, p.baseAddress, n, norm)
                }

                for k in 0..<n {
                    if norm == 0 {
                        XCTAssertEqual(simd[k].bitPattern, 0, "zero norm gives +0: \(context) k=\(k)")
                        XCTAssertEqual(inPlace[k].bitPattern, 0, "zero norm in place: \(context) k=\(k)")
                        continue
                    }
                    let exact = Double(src[k]) / norm
                    // ≤ 2u from the rounded scale and the product (tiny absolute slack for subnormals).
                    let bound = 2.0 * unitRoundoff * abs(exact) * (1 + 1e-6) + 1e-44
                    XCTAssertLessThanOrEqual(abs(Double(simd[k]) - exact), bound, "\(context) k=\(k)")
                    XCTAssertLessThanOrEqual(abs(Double(serial[k]) - exact), bound, "serial \(context) k=\(k)")
                    // One rounded product with the same rounded scale in every variant.
                    XCTAssertEqual(simd[k].bitPattern, serial[k].bitPattern, "\(context) k=\(k)")
                    XCTAssertEqual(inPlace[k].bitPattern, simd[k].bitPattern, "in place \(context) k=\(k)")
                }
            }
        }
    }

    // MARK: - gemm_nt

    func testGemmNTAVX2MatchesSerialElementwise() throws { try checkGemm(.haswell) }
    func testGemmNTAVX512MatchesSerialElementwise() throws { try checkGemm(.skylake) }

    private func checkGemm(_ variant: Variant) throws {
        try require(variant)
        var rng = SplitMix64(seed: 0x6E33_0A7)
        let sentinel: Float = -9876.25
        let small = [0, 1, 2, 3, 5, 17, 64]
        // Every (m, n) pair with the short dims; the long dims with a few pairs to stay fast.
        var shapes: [(m: Int, n: Int, d: Int)] = []
        for d in Fixture.dims where d <= 385 {
            for m in small { for n in small { shapes.append((m, n, d)) } }
        }
        // The long dims, with n = 101 spanning several B panels (the kernels block B by bytes).
        for d in Fixture.dims where d > 385 {
            for (m, n) in [(1, 1), (3, 5), (5, 17), (17, 3), (0, 4), (4, 0), (5, 101)] { shapes.append((m, n, d)) }
        }
        let kinds: [ValueKind] = [.uniform, .mixed]

        for (index, shape) in shapes.enumerated() {
            let (m, n, d) = shape
            let kind = kinds[index % kinds.count]
            var a = rng.vector(m * d, kind)
            let b = rng.vector(n * d, kind)
            if m > 1 && d > 0 {  // one zero row of A
                for k in 0..<d { a[d + k] = 0 }
            }
            // Exact dots and magnitudes once per shape.
            var exact = [Double](repeating: 0, count: m * n)
            var magnitude = [Double](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    for i in 0..<m {
                        for j in 0..<n {
                            var s = 0.0, t = 0.0
                            for k in 0..<d {
                                let p = Double(pa[i * d + k]) * Double(pb[j * d + k])
                                s += p
                                t += abs(p)
                            }
                            exact[i * n + j] = s
                            magnitude[i * n + j] = t
                        }
                    }
                }
            }
            for ldc in [n, n + 3] {
                let serial = callGemm(Variant.serial.gemm, a, m, b, n, d, ldc, sentinel)
                let c = callGemm(variant.gemm, a, m, b, n, d, ldc, sentinel)
                let context = "\(variant.name) m=\(m) n=\(n) d=\(d) ldc=\(ldc) \(kind)"
                XCTAssertEqual(c.count, serial.count)
                for i in 0..<m {
                    for j in 0..<ldc {
                        let x = c[i * ldc + j]
                        guard j < n else {
                            XCTAssertEqual(x.bitPattern, sentinel.bitPattern, "padding written: \(context) i=\(i) j=\(j)")
                            continue
                        }
                        let y = serial[i * ldc + j]
                        let e = exact[i * n + j], mag = magnitude[i * n + j]
                        XCTAssertLessThanOrEqual(abs(Double(x) - e), gammaBound(d, mag), "\(context) i=\(i) j=\(j)")
                        XCTAssertLessThanOrEqual(abs(Double(x) - Double(y)), twinBound(d, mag), "\(context) i=\(i) j=\(j)")
                    }
                }
                XCTAssertEqual(c.last?.bitPattern, sentinel.bitPattern, "wrote past C: \(context)")
            }
        }
    }

    // MARK: - scans

    func testFirstAtLeastAVX2EqualsSerialExactly() throws { try checkFirstAtLeast(.haswell) }
    func testFirstAtLeastAVX512EqualsSerialExactly() throws { try checkFirstAtLeast(.skylake) }

    private func checkFirstAtLeast(_ variant: Variant) throws {
        try require(variant)
        var rng = SplitMix64(seed: 0xF125_7A7)
        for n in Fixture.scanDims {
            for (row, thresholds) in scanCases(n, &rng) {
                for t in thresholds {
                    let expected = callFirst(Variant.serial.first, row, t)
                    let got = callFirst(variant.first, row, t)
                    XCTAssertEqual(got, expected, "\(variant.name) n=\(n) t=\(t)")
                }
            }
        }
    }

    func testCollectAtLeastAVX2EqualsSerialExactly() throws { try checkCollectAtLeast(.haswell) }
    func testCollectAtLeastAVX512EqualsSerialExactly() throws { try checkCollectAtLeast(.skylake) }

    private func checkCollectAtLeast(_ variant: Variant) throws {
        try require(variant)
        var rng = SplitMix64(seed: 0xC011_EC7)
        for n in Fixture.scanDims {
            for (row, thresholds) in scanCases(n, &rng) {
                for t in thresholds {
                    let expected = callCollect(Variant.serial.collect, row, t)
                    let got = callCollect(variant.collect, row, t)
                    XCTAssertEqual(got.indices, expected.indices, "\(variant.name) n=\(n) t=\(t)")
                    XCTAssertTrue(got.guardIntact, "wrote past n: \(variant.name) n=\(n) t=\(t)")
                    XCTAssertTrue(expected.guardIntact, "serial wrote past n: n=\(n) t=\(t)")
                }
            }
        }
    }

    /// Sanity of the serial reference itself on a hand-made row (ties, ±0, ±inf).
    func testSerialScansOnHandMadeRow() {
        let row: [Float] = [-.infinity, -1, 0.5, -0.0, 0.5, .infinity, 2]
        XCTAssertEqual(callFirst(Variant.serial.first, row, 0.5), 2)
        XCTAssertEqual(callFirst(Variant.serial.first, row, 0.0), 2)
        XCTAssertEqual(callFirst(Variant.serial.first, row, -0.0), 2)
        XCTAssertEqual(callFirst(Variant.serial.first, row, .infinity), 5)
        XCTAssertEqual(callFirst(Variant.serial.first, row, -.infinity), 0)
        XCTAssertEqual(callFirst(Variant.serial.first, [1, 2], 3), 2)
        XCTAssertEqual(callFirst(Variant.serial.first, [], 0), 0)
        XCTAssertEqual(callCollect(Variant.serial.collect, row, 0.5).indices, [2, 4, 5, 6])
        XCTAssertEqual(callCollect(Variant.serial.collect, row, -1).indices, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(callCollect(Variant.serial.collect, row, .infinity).indices, [5])
        XCTAssertEqual(callCollect(Variant.serial.collect, [], 0).indices, [])
    }

    // MARK: - int8 encoding

    func testEncodeI8AVX2EqualsSerialBitForBit() throws { try checkEncodeI8(.haswell) }
    func testEncodeI8AVX512EqualsSerialBitForBit() throws { try checkEncodeI8(.skylake) }

    /// Codes, padding, scale, Σq and the returned error all bit for bit the twin's, at both code
    /// limits, on every value kind, rows too small to scale (subnormal) and around the 8 lanes.
    private func checkEncodeI8(_ variant: Variant) throws {
        try require(variant)
        var rng = SplitMix64(seed: 0xE2C0_DE8)
        for d in Fixture.dims + [2, 8, 9, 63, 64, 65, 383, 384] where d > 0 {
            var rows = ValueKind.allCases.map { rng.vector(d, $0) }
            rows.append(rng.vector(d, .uniform).map { $0 * 0x1p-140 })
            for row in rows {
                for maxCode: Int32 in [63, 127] {
                    let expected = callEncode(Variant.serial.encode, row, maxCode)
                    let got = callEncode(variant.encode, row, maxCode)
                    XCTAssertEqual(got, expected, "\(variant.name) d=\(d) max code \(maxCode)")
                }
            }
        }
    }

    // MARK: - dispatch

    func testIsaNamesAndFeaturesAgree() {
        XCTAssertEqual(String(cString: ck_isa_name(CK_ISA_SCALAR)), "scalar")
        XCTAssertEqual(String(cString: ck_isa_name(CK_ISA_AVX2)), "avx2")
        XCTAssertEqual(String(cString: ck_isa_name(CK_ISA_AVX512)), "avx512")
        let features = ck_cpu_detect()
        let supported = ck_isa_supported()
        XCTAssertEqual(supported.rawValue >= CK_ISA_AVX2.rawValue, features.avx2_fma)
        XCTAssertEqual(supported.rawValue >= CK_ISA_AVX512.rawValue, features.avx512)
        XCTAssertFalse(features.intel && features.amd)
        if features.avx512_bf16 || features.avx512_vnni { XCTAssertTrue(features.avx512) }
        if features.amx_int8 { XCTAssertTrue(features.avx512_vnni) }
        XCTAssertLessThanOrEqual(ck_isa_active().rawValue, supported.rawValue)
        print("CKernelTwinsTests: supported \(String(cString: ck_isa_name(supported))), active \(String(cString: ck_isa_name(ck_isa_active())))")
    }

    func testForceSwitchesDispatchToScalar() throws { try checkForcedDispatch(.serial) }
    func testForceSwitchesDispatchToAVX2() throws { try checkForcedDispatch(.haswell) }
    func testForceSwitchesDispatchToAVX512() throws { try checkForcedDispatch(.skylake) }

    /// After `ck_isa_force`, every dispatched kernel gives bit for bit what `variant`'s does.
    private func checkForcedDispatch(_ variant: Variant) throws {
        try require(variant)
        var rng = SplitMix64(seed: 0xF0_2CE)
        let n = 1023, m = 5, rows = 17, d = 33
        let a = rng.vector(n, .mixed), b = rng.vector(n, .mixed)
        let ga = rng.vector(m * d, .uniform), gb = rng.vector(rows * d, .uniform)
        let row = (0..<n).map { _ in Float(Int(rng.next() % 9) - 4) / 2 }
        let norm = a.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()

        XCTAssertEqual(ck_isa_force(variant.isa), 0, variant.name)
        XCTAssertEqual(ck_isa_active(), variant.isa, variant.name)
        XCTAssertEqual(call(ck_dot_f32, a, b).bitPattern, call(variant.dot, a, b).bitPattern, variant.name)

        var viaDispatch = [Float](repeating: 0, count: n), direct = viaDispatch
        callNormalise(ck_normalise_f32, a, &viaDispatch, norm)
        callNormalise(variant.normalise, a, &direct, norm)
        XCTAssertEqual(viaDispatch.map(\.bitPattern), direct.map(\.bitPattern), variant.name)

        let c1 = callGemm(ck_gemm_nt_f32, ga, m, gb, rows, d, rows, 0)
        let c2 = callGemm(variant.gemm, ga, m, gb, rows, d, rows, 0)
        XCTAssertEqual(c1.map(\.bitPattern), c2.map(\.bitPattern), variant.name)

        XCTAssertEqual(callEncode(ck_encode_i8, a, 127), callEncode(variant.encode, a, 127), variant.name)
        for t: Float in [1.5, 2, 3, -.infinity] {
            XCTAssertEqual(callFirst(ck_first_at_least_f32, row, t), callFirst(variant.first, row, t), variant.name)
            XCTAssertEqual(callCollect(ck_collect_at_least_f32, row, t).indices,
                           callCollect(variant.collect, row, t).indices, variant.name)
        }
    }

    func testForcingAnUnsupportedTierFailsAndChangesNothing() {
        let before = ck_isa_active()
        var unsupported = [ck_isa(rawValue: 3), ck_isa(rawValue: 99)]
        for variant in Variant.all where variant.isa.rawValue > ck_isa_supported().rawValue {
            unsupported.append(variant.isa)
        }
        for isa in unsupported {
            XCTAssertEqual(ck_isa_force(isa), -1, "tier \(isa.rawValue)")
            XCTAssertEqual(ck_isa_active(), before, "tier \(isa.rawValue)")
        }
        XCTAssertEqual(ck_isa_force(CK_ISA_SCALAR), 0, "scalar is always supported")
        XCTAssertEqual(ck_isa_active(), CK_ISA_SCALAR)
    }
}

// MARK: - Variants

private typealias DotFn = @convention(c) (UnsafePointer<Float>?, UnsafePointer<Float>?, Int) -> Float
private typealias NormaliseFn = @convention(c) (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int, Double) -> Void
private typealias GemmFn = @convention(c) (UnsafePointer<Float>?, Int, UnsafePointer<Float>?, Int, Int,
                                           UnsafeMutablePointer<Float>?, Int) -> Void
private typealias FirstFn = @convention(c) (UnsafePointer<Float>?, Int, Float) -> Int
private typealias CollectFn = @convention(c) (UnsafePointer<Float>?, Int, Float, UnsafeMutablePointer<UInt32>?) -> Int
private typealias EncodeFn = @convention(c) (UnsafePointer<Float>?, Int, Int32, UnsafeMutablePointer<UInt8>?,
                                             UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Int32>?) -> Double

/// One ISA's kernels.
private struct Variant {
    let isa: ck_isa
    let name: String
    /// What the CPU needs to run them.
    let instructions: String
    let dot: DotFn
    let normalise: NormaliseFn
    let gemm: GemmFn
    let first: FirstFn
    let collect: CollectFn
    let encode: EncodeFn

    static var serial: Variant {
        Variant(isa: CK_ISA_SCALAR, name: "serial", instructions: "nothing", dot: ck_dot_f32_serial,
                normalise: ck_normalise_f32_serial, gemm: ck_gemm_nt_f32_serial, first: ck_first_at_least_f32_serial,
                collect: ck_collect_at_least_f32_serial, encode: ck_encode_i8_serial)
    }

    static var haswell: Variant {
        Variant(isa: CK_ISA_AVX2, name: "haswell", instructions: "AVX2 and FMA", dot: ck_dot_f32_haswell,
                normalise: ck_normalise_f32_haswell, gemm: ck_gemm_nt_f32_haswell, first: ck_first_at_least_f32_haswell,
                collect: ck_collect_at_least_f32_haswell, encode: ck_encode_i8_haswell)
    }

    static var skylake: Variant {
        Variant(isa: CK_ISA_AVX512, name: "skylake", instructions: "AVX-512 F/BW/DQ/VL", dot: ck_dot_f32_skylake,
                normalise: ck_normalise_f32_skylake, gemm: ck_gemm_nt_f32_skylake, first: ck_first_at_least_f32_skylake,
                collect: ck_collect_at_least_f32_skylake, encode: ck_encode_i8_skylake)
    }

    static var all: [Variant] { [serial, haswell, skylake] }
}

private enum Fixture {
    static let dims = [0, 1, 3, 7, 15, 16, 17, 31, 33, 385, 1023, 1536]
    /// Around every block width of the scans (8, 16, 32, 64) and their tails.
    static let scanDims = dims + [8, 9, 63, 64, 65, 127, 128, 129, 200]
}

// MARK: - Numerics

private let unitRoundoff = 0x1p-24

/// γ_n · Σ|a_k b_k| (the bound of ck_spatial.h), with slack for the double reference itself.
private func gammaBound(_ n: Int, _ magnitude: Double) -> Double {
    let nu = Double(n) * unitRoundoff
    return nu / (1 - nu) * magnitude * (1 + 1e-6) + 1e-37
}

/// Two results each within γ_n of the truth: |x − y| ≤ 2·n·u · Σ|a_k b_k| (to first order).
private func twinBound(_ n: Int, _ magnitude: Double) -> Double {
    2 * gammaBound(n, magnitude)
}

/// The dot product in double (exact products of floats, sum error ~n·2⁻⁵³) and Σ|a_k b_k|.
private func exactDot(_ a: [Float], _ b: [Float]) -> (Double, Double) {
    var s = 0.0, t = 0.0
    for k in a.indices {
        let p = Double(a[k]) * Double(b[k])
        s += p
        t += abs(p)
    }
    return (s, t)
}

// MARK: - Inputs

fileprivate extension SplitMix64 {
    /// Uniform in [0, 1) with 24 random bits.
    mutating func unit() -> Float { Float(next() >> 40) * 0x1p-24 }

    mutating func vector(_ n: Int, _ kind: ValueKind) -> [Float] {
        (0..<n).map { _ in value(kind) }
    }

    mutating func value(_ kind: ValueKind) -> Float {
        switch kind {
        case .zero:
            return next() & 1 == 0 ? 0 : -0.0
        case .uniform:
            return 2 * unit() - 1
        case .mixed:
            // Sign × [1, 2) × 2^e with e in [-24, 24]: products span ~2⁹⁶, sums cancel.
            let sign: Float = next() & 1 == 0 ? 1 : -1
            let exponent = Int(next() % 49) - 24
            return sign * (1 + unit()) * Float(sign: .plus, exponent: exponent, significand: 1)
        }
    }
}

private enum ValueKind: CaseIterable {
    case zero, uniform, mixed
}

/// Rows for the scans, each with thresholds that hit ties, ±inf, nothing, everything and the
/// masked tail.
private func scanCases(_ n: Int, _ rng: inout SplitMix64) -> [([Float], [Float])] {
    // Values on a coarse grid, so many elements tie with a threshold taken from the grid.
    let grid = (0..<n).map { _ in Float(Int(rng.next() % 17) - 8) / 4 }
    var gridThresholds: [Float] = [-.infinity, .infinity, -2, 0, -0.0, 1.5, 2, 2.25]
    if let x = grid.first { gridThresholds += [x, x.nextUp, x.nextDown] }
    if let x = grid.last { gridThresholds += [x, x.nextUp] }

    // Mostly low with rare spikes (the common case of a similarity row), some infinite.
    var sparse = (0..<n).map { _ in rng.unit() - 1 }
    for k in sparse.indices where rng.next() % 37 == 0 { sparse[k] = 0.5 + rng.unit() }
    if n > 2 { sparse[Int(rng.next() % UInt64(n))] = .infinity }
    if n > 3 { sparse[Int(rng.next() % UInt64(n))] = -.infinity }
    let sparseThresholds: [Float] = [0.5, 0.75, 1.4, .infinity, -.infinity, 0, 2]

    var cases = [(grid, gridThresholds), (sparse, sparseThresholds)]
    // One hit at each of a few positions (incl. the last, in the tail), ties exactly at t.
    for position in Set([0, n / 2, n - 1, n - 2, n - 9, n - 17]).sorted() where position >= 0 && position < n {
        var row = [Float](repeating: -1, count: n)
        row[position] = 0.25
        cases.append((row, [0.25, Float(0.25).nextUp, -1, Float(-1).nextUp]))
    }
    return cases
}

// MARK: - Calls

private func call(_ f: DotFn, _ a: [Float], _ b: [Float]) -> Float {
    a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in f(pa.baseAddress, pb.baseAddress, a.count) } }
}

/// What an int8 encoder writes: the codes with their padding and two guard bytes, the scale's
/// bits, Σq and the returned error's bits.
private struct EncodedRow: Equatable {
    var bytes: [UInt8]
    var scale: UInt32
    var sum: Int32
    var error: UInt64
}

private func callEncode(_ f: EncodeFn, _ row: [Float], _ maxCode: Int32) -> EncodedRow {
    var bytes = [UInt8](repeating: 7, count: ck_narrow_padded(CK_NARROW_I8, row.count) + 2)
    var scale: Float = 0, sum: Int32 = 0
    let error = f(row, row.count, maxCode, &bytes, &scale, &sum)
    return EncodedRow(bytes: bytes, scale: scale.bitPattern, sum: sum, error: error.bitPattern)
}

/// Normalises src into the first src.count entries of dst.
private func callNormalise(_ f: NormaliseFn, _ src: [Float], _ dst: inout [Float], _ norm: Double) {
    precondition(dst.count >= src.count)
    src.withUnsafeBufferPointer { ps in
        dst.withUnsafeMutableBufferPointer { pd in f(ps.baseAddress, pd.baseAddress, src.count, norm) }
    }
}

/// C with m·ldc entries plus one guard entry, all starting at `fill`.
private func callGemm(_ f: GemmFn, _ a: [Float], _ m: Int, _ b: [Float], _ n: Int, _ d: Int, _ ldc: Int,
                      _ fill: Float) -> [Float] {
    var c = [Float](repeating: fill, count: m * ldc + 1)
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in f(pa.baseAddress, m, pb.baseAddress, n, d, pc.baseAddress, ldc) }
        }
    }
    return c
}

private func callFirst(_ f: FirstFn, _ row: [Float], _ t: Float) -> Int {
    row.withUnsafeBufferPointer { f($0.baseAddress, row.count, t) }
}

/// The collected indices, and whether the guard entries past `out[n]` were left alone.
private func callCollect(_ f: CollectFn, _ row: [Float], _ t: Float) -> (indices: [UInt32], guardIntact: Bool) {
    let guardCount = 17
    let sentinel: UInt32 = 0xDEAD_BEEF
    var out = [UInt32](repeating: sentinel, count: row.count + guardCount)
    let count = row.withUnsafeBufferPointer { pr in
        out.withUnsafeMutableBufferPointer { po in f(pr.baseAddress, row.count, t, po.baseAddress) }
    }
    precondition(count <= row.count)
    return (Array(out[..<count]), out[row.count...].allSatisfy { $0 == sentinel })
}
