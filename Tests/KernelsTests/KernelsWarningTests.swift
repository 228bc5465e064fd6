import Kernels
import XCTest

/// The text of each warning, as `curate` prints it after `warning: `.
final class KernelsWarningTests: XCTestCase {
    func testDescriptions() {
        XCTAssertEqual(KernelsWarning.blasUnavailable(reason: "no BLAS library found").description,
                       "no BLAS library found; using the engine's own SIMD kernels")
        XCTAssertEqual(KernelsWarning.blasLibraryCore(message: "the BLAS self-check failed").description, "the BLAS self-check failed")
        // The slowdown keeps one decimal below 10×, none from 10× up.
        XCTAssertEqual(KernelsWarning.serialTwin(backend: .bf16, slowdown: 4.26, auto: .simd).description,
                       "this CPU has no AVX2 (or it is turned off): bf16 runs its portable serial twin, exact but about 4.3× slower than auto (simd) here")
        XCTAssertEqual(KernelsWarning.serialTwin(backend: .int8, slowdown: 20.6, auto: .blas).description,
                       "this CPU has no AVX2 (or it is turned off): int8 runs its portable serial twin, exact but about 21× slower than auto (blas) here")
        XCTAssertEqual(KernelsWarning.int8Overflow.description, "int8 sums would overflow at this dimension: screening in bf16 instead")
    }
}
