/// The portable backend: tiles and scans on `SIMD16<Float>`, no C and no BLAS.
package struct SwiftSIMDKernel: FloatKernel {
    package init() {}

    /// Σ a_k·b_k with four 16-lane accumulators, then the tail.
    package func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var s0 = SIMD16<Float>(), s1 = SIMD16<Float>(), s2 = SIMD16<Float>(), s3 = SIMD16<Float>()
        var k = 0
        while k + 64 <= n {
            // `a * b` then `+=` lowers to whole-vector instructions; `addProduct` goes lane by lane.
            s0 += load(ra, k) * load(rb, k)
            s1 += load(ra, k + 16) * load(rb, k + 16)
            s2 += load(ra, k + 32) * load(rb, k + 32)
            s3 += load(ra, k + 48) * load(rb, k + 48)
            k += 64
        }
        while k + 16 <= n {
            s0 += load(ra, k) * load(rb, k)
            k += 16
        }
        var sum = ((s0 + s1) + (s2 + s3)).sum()
        while k < n {
            sum = sum.addingProduct(a[k], b[k])
            k += 1
        }
        return sum
    }

    package func tile(_ a: UnsafePointer<Float>, rows m: Int, _ b: UnsafePointer<Float>, rows n: Int,
                      dimension d: Int, into c: UnsafeMutablePointer<Float>, rowStride ldc: Int) {
        for i in 0..<m {
            let row = a + i * d
            for j in 0..<n { c[i * ldc + j] = dot(row, b + j * d, count: d) }
        }
    }

    package func firstAtLeast(_ row: UnsafePointer<Float>, count n: Int, _ t: Float) -> Int {
        let raw = UnsafeRawPointer(row)
        let threshold = SIMD16<Float>(repeating: t)
        var j = 0
        while j + 16 <= n {
            if any(load(raw, j) .>= threshold) { break }
            j += 16
        }
        while j < n && !(row[j] >= t) { j += 1 }
        return j
    }

    package func collectAtLeast(_ row: UnsafePointer<Float>, count n: Int, _ t: Float, into out: UnsafeMutablePointer<UInt32>) -> Int {
        let raw = UnsafeRawPointer(row)
        let threshold = SIMD16<Float>(repeating: t)
        var found = 0, j = 0
        while j < n {
            if j + 16 <= n, !any(load(raw, j) .>= threshold) {
                j += 16
                continue
            }
            let end = min(j + 16, n)
            while j < end {
                if row[j] >= t {
                    out[found] = UInt32(j)
                    found += 1
                }
                j += 1
            }
        }
        return found
    }

    @inline(__always)
    private func load(_ base: UnsafeRawPointer, _ index: Int) -> SIMD16<Float> {
        base.loadUnaligned(fromByteOffset: index * 4, as: SIMD16<Float>.self)
    }
}
