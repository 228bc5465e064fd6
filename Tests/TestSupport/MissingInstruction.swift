import Kernels

/// The instructions a test needs and this run lacks, for `XCTSkip` reasons. "This run" is the
/// CPU, lowered by `CURATE_ISA`. Test support only, not API.
package enum MissingInstruction {
    /// Why the bf16 backend runs its serial twin, or nil when it runs `vdpbf16ps`.
    package static var bf16: String? { ComputeEnvironment.bf16Kernel == "serial" ? "AVX512_BF16 (vdpbf16ps)" : nil }

    /// Why the int8 backend runs its serial twin, or nil when it runs `vpdpbusd` or `tdpbusd`.
    package static var int8: String? { ComputeEnvironment.int8Kernel == "serial" ? "AVX512_VNNI (vpdpbusd)" : nil }

    /// "`what` needs `missing`", with the tier in use when it is not AVX-512 (which the narrow
    /// kernels need as well).
    package static func reason(_ what: String, needs missing: [String]) -> String {
        let tier = ComputeEnvironment.isa == "avx512" ? "" : " (this run's tier is \(ComputeEnvironment.isa))"
        return "\(what) needs \(missing.joined(separator: " and "))\(tier)"
    }
}
