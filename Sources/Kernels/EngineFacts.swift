/// What the engine runs on, as `curate info` shows it: the ISA and narrow kernels dispatched to,
/// the backend `auto` picks, the BLAS library, its core and self-check, the threads and, when
/// measured, the sgemm peak.
///
/// ```swift
/// let facts = EngineFacts.current(measuringPeak: false)
/// print(facts.isa, facts.autoBackend, facts.blasCore ?? "no BLAS")
/// ```
public struct EngineFacts: Sendable {
    /// `avx512`, `avx2` or `scalar`.
    public let isa: String
    /// The bf16 and int8 tile kernels dispatched to.
    public let bf16Kernel: String, int8Kernel: String
    /// What `--backend auto` resolves to.
    public let autoBackend: Backend
    /// What `--screen-rank auto` does here.
    public let screenPolicy: String
    /// The loaded BLAS library, nil when none is usable (`blasUnavailableReason` says why).
    public let blasLibrary: String?
    /// The OpenBLAS core the engine asked for, nil when left to the library.
    public let blasRequestedCore: String?
    /// The `OPENBLAS_CORETYPE` the requested core overrides, if any.
    public let blasOverriddenCore: String?
    /// The core in use.
    public let blasCore: String?
    /// The self-check of a core the engine chose.
    public let blasSelfCheck: BLASLibrary.SelfCheck
    /// BLAS threads per call (nil without BLAS).
    public let blasThreads: Int?
    /// Why no BLAS is used, if none is.
    public let blasUnavailableReason: String?
    /// Engine workers.
    public let threads: Int
    /// sgemm GFLOP/s: one single-threaded product per worker at once, and one threaded by the
    /// library (nil unless measured).
    public let sgemmPerWorker: Double?, sgemmLibraryThreaded: Double?

    /// The facts of this process; `measuringPeak` also times the sgemm peak (a few seconds).
    public static func current(measuringPeak: Bool) -> EngineFacts {
        let available = BLASLibrary.isAvailable
        return EngineFacts(
            isa: ComputeEnvironment.isa, bf16Kernel: ComputeEnvironment.bf16Kernel, int8Kernel: ComputeEnvironment.int8Kernel,
            autoBackend: Backend.auto.resolved, screenPolicy: screenPolicy,
            blasLibrary: available ? BLASLibrary.libraryPath : nil, blasRequestedCore: BLASLibrary.requestedCore,
            blasOverriddenCore: BLASLibrary.overriddenCore, blasCore: available ? BLASLibrary.coreName : nil,
            blasSelfCheck: BLASLibrary.selfCheck, blasThreads: available ? BLASLibrary.threads : nil,
            blasUnavailableReason: BLASLibrary.unavailableReason, threads: ComputeThreads.count,
            sgemmPerWorker: measuringPeak ? SgemmPeak.perWorker() : nil,
            sgemmLibraryThreaded: measuringPeak ? SgemmPeak.libraryThreaded() : nil)
    }

    private static var screenPolicy: String {
        let ranks = ScreenEstimate.ranks
        return "ranks \(ranks.first!)–\(ranks.last!) below d/2 in \(Backend.auto.screenEncodings.map(\.name).joined(separator: " or ")), "
            + "chosen per clustering or recall run on a sample; only above d = \(ScreenEstimate.minimumDimension) and from "
            + "\(Int(ScreenEstimate.minimumPairs / 1e6)) M pairs, off when it saves under a fifth"
    }
}

extension EngineFacts: Encodable {
    private enum CodingKeys: String, CodingKey {
        case isa, bf16Kernel = "bf16_kernel", int8Kernel = "int8_kernel", autoBackend = "auto_backend"
        case blasAvailable = "blas_available", blasLibrary = "blas_library", blasRequestedCore = "blas_requested_core"
        case blasOverriddenCore = "blas_overridden_core", blasCore = "blas_core", blasSelfCheck = "blas_self_check"
        case blasSelfCheckDifference = "blas_self_check_difference", blasSelfCheckBound = "blas_self_check_bound"
        case blasFailedCore = "blas_failed_core", screenPolicy = "screen_policy", blasThreads = "blas_threads"
        case blasUnavailableReason = "blas_unavailable_reason", threads
        case sgemmPerWorker = "sgemm_gflops_per_worker", sgemmLibraryThreaded = "sgemm_gflops_library_threaded"
    }

    /// Every fact, null where it does not apply.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(isa, forKey: .isa)
        try container.encode(bf16Kernel, forKey: .bf16Kernel)
        try container.encode(int8Kernel, forKey: .int8Kernel)
        try container.encode(autoBackend.rawValue, forKey: .autoBackend)
        try container.encode(blasLibrary != nil, forKey: .blasAvailable)
        try container.encodeIfPresent(blasLibrary, forKey: .blasLibrary)
        try container.encodeIfPresent(blasRequestedCore, forKey: .blasRequestedCore)
        try container.encodeIfPresent(blasOverriddenCore, forKey: .blasOverriddenCore)
        try container.encodeIfPresent(blasCore, forKey: .blasCore)
        try container.encode(blasSelfCheck.status, forKey: .blasSelfCheck)
        try container.encodeIfPresent(blasSelfCheck.measured?.difference, forKey: .blasSelfCheckDifference)
        try container.encodeIfPresent(blasSelfCheck.measured?.bound, forKey: .blasSelfCheckBound)
        try container.encodeIfPresent(blasSelfCheck.failedCore, forKey: .blasFailedCore)
        try container.encode(screenPolicy, forKey: .screenPolicy)
        try container.encodeIfPresent(blasThreads, forKey: .blasThreads)
        try container.encodeIfPresent(blasUnavailableReason, forKey: .blasUnavailableReason)
        try container.encode(threads, forKey: .threads)
        try container.encodeIfPresent(sgemmPerWorker, forKey: .sgemmPerWorker)
        try container.encodeIfPresent(sgemmLibraryThreaded, forKey: .sgemmLibraryThreaded)
    }
}
