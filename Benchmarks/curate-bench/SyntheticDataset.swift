import Foundation

/// Clustered synthetic embeddings at any size and dimension, for pools beyond the real set.
///
/// Rows are generated one after another from one seeded stream, so the first `n` rows of a
/// larger set are exactly the set of `n` rows: every pool of a run is a prefix of one matrix.
///
/// - A **fresh** row is a topic centre plus isotropic noise of the same length
///   (`topics` random unit centres): two fresh rows of one topic have cosine ≈ 0.5 (spread
///   ≈ 1.4/√d), far below the usual thresholds, so each fresh row seeds its own cluster.
/// - With probability `duplicateRate` a row is instead a **duplicate** of an earlier fresh row
///   chosen uniformly: an exact copy (bit for bit) with probability `exactShare`, otherwise a
///   near-duplicate, the row's direction plus noise of relative length 0.1–0.45 (cosine
///   ≈ 0.91–0.995 with it).
/// - Every non-exact row gets a length drawn from [2, 6], like raw MiniLM outputs (not unit).
///
/// So a pool of n rows has about (1 − duplicateRate)·n clusters at a threshold near 0.82.
/// With `topics` 0 a fresh row is the noise alone: isotropic rows, where no low-rank screen pays.
struct SyntheticDataset {
    struct Parameters: Codable, Equatable, Sendable {
        var duplicateRate = 0.35
        var exactShare = 0.25
        var topics = 2000
        var seed: UInt64 = 42
        /// When set, rows at the real set's dimension are instead its rows, in turn, each plus
        /// Gaussian noise of this length relative to the row (`perturbing`).
        var perturbation: Double?
    }

    let parameters: Parameters

    /// The first `rows` rows at `dimension`, row-major.
    /// - Complexity: O(rows · dimension + topics · dimension).
    func generate(rows: Int, dimension d: Int) -> [Float] {
        var stream = Xoshiro256(seed: parameters.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(d))
        var centres = [Float](repeating: 0, count: parameters.topics * d)
        for t in 0..<parameters.topics {
            Self.fillGaussian(&centres, from: t * d, count: d, scale: 1, &stream)
            Self.normalise(&centres, from: t * d, count: d)
        }
        var values = [Float](repeating: 0, count: rows * d)
        var fresh: [Int] = []
        fresh.reserveCapacity(rows)
        var noise = [Float](repeating: 0, count: d)
        let sigma = Float(1 / Double(d).squareRoot())
        for i in 0..<rows {
            let row = i * d
            if !fresh.isEmpty, stream.unit() < parameters.duplicateRate {
                let source = fresh[Int(stream.next() % UInt64(fresh.count))] * d
                if stream.unit() < parameters.exactShare {
                    for k in 0..<d { values[row + k] = values[source + k] }
                    continue
                }
                // Near-duplicate: unit direction of the source plus noise of length tau.
                var norm = 0.0
                for k in 0..<d { norm += Double(values[source + k]) * Double(values[source + k]) }
                let inverse = Float(1 / max(norm.squareRoot(), .leastNormalMagnitude))
                let tau = Float(0.1 + 0.35 * stream.unit())
                Self.fillGaussian(&noise, from: 0, count: d, scale: sigma * tau, &stream)
                for k in 0..<d { values[row + k] = values[source + k] * inverse + noise[k] }
            } else if parameters.topics == 0 {
                Self.fillGaussian(&noise, from: 0, count: d, scale: sigma, &stream)
                for k in 0..<d { values[row + k] = noise[k] }
                fresh.append(i)
            } else {
                let topic = Int(stream.next() % UInt64(parameters.topics)) * d
                Self.fillGaussian(&noise, from: 0, count: d, scale: sigma, &stream)
                for k in 0..<d { values[row + k] = centres[topic + k] + noise[k] }
                fresh.append(i)
            }
            Self.normalise(&values, from: row, count: d, to: Float(2 + 4 * stream.unit()))
        }
        return values
    }

    /// `rows` rows made from the rows of `base` (row-major, dimension `d`) in turn, each plus
    /// Gaussian noise of length `relative`·‖row‖: near-copies of real rows at any size.
    func perturbing(_ base: [Float], rows: Int, dimension d: Int, relative: Double) -> [Float] {
        var stream = Xoshiro256(seed: parameters.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(d) &+ 1)
        let baseRows = base.count / d
        var values = [Float](repeating: 0, count: rows * d)
        var noise = [Float](repeating: 0, count: d)
        for i in 0..<rows {
            let source = (i % baseRows) * d
            var norm = 0.0
            for k in 0..<d { norm += Double(base[source + k]) * Double(base[source + k]) }
            Self.fillGaussian(&noise, from: 0, count: d, scale: Float(relative * norm.squareRoot() / Double(d).squareRoot()), &stream)
            for k in 0..<d { values[i * d + k] = base[source + k] + noise[k] }
        }
        return values
    }

    /// Writes `values` as raw little-endian float32 (the `.f32` format of the datasets).
    static func write(_ values: [Float], to path: String) throws {
        let data = values.withUnsafeBufferPointer { buffer in
            Data(bytes: buffer.baseAddress!, count: buffer.count * MemoryLayout<Float>.size)
        }
        try data.write(to: URL(fileURLWithPath: path))
    }

    private static func fillGaussian(_ out: inout [Float], from start: Int, count: Int, scale: Float, _ stream: inout Xoshiro256) {
        var k = 0
        while k < count {
            // Box–Muller: two independent standard normals from two uniforms in (0, 1].
            let u1 = 1 - stream.unit(), u2 = stream.unit()
            let r = (-2 * Foundation.log(u1)).squareRoot(), angle = 2 * Double.pi * u2
            out[start + k] = Float(r * Foundation.cos(angle)) * scale
            if k + 1 < count { out[start + k + 1] = Float(r * Foundation.sin(angle)) * scale }
            k += 2
        }
    }

    private static func normalise(_ values: inout [Float], from start: Int, count: Int, to length: Float = 1) {
        var norm = 0.0
        for k in start..<start + count { norm += Double(values[k]) * Double(values[k]) }
        guard norm > 0 else { return }
        let factor = Float(Double(length) / norm.squareRoot())
        for k in start..<start + count { values[k] *= factor }
    }
}

/// xoshiro256** seeded through SplitMix64: small, fast and the same on every platform.
struct Xoshiro256 {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// A uniform double in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
}
