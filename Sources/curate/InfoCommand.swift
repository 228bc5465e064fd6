import ArgumentParser
import Curation
import CurationStore
import Kernels

/// `curate info`: the compute environment the engine would run in.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the instruction set, BLAS library and threads the engine uses.",
        discussion: """
            Prints the instruction set the C kernels dispatch to (avx512, avx2 or scalar), the \
            kernels of the screening backends (avx512_bf16 and avx512_vnni, avx2, or their serial \
            twins), the backend auto resolves to, the low-rank screen policy, the \
            BLAS library that was loaded, the OpenBLAS core the loader requested from cpuid (and \
            the OPENBLAS_CORETYPE of the environment it overrode, if any), the self-check of that \
            core (one small sgemm compared with the engine's own kernel; on a mismatch the \
            library's own core choice runs, or none) and the core in use, \
            the threads BLAS uses per call (1: the engine runs its own workers) and the engine's \
            worker threads (one per core, or CURATE_THREADS). Set CURATE_BLAS_LIBRARY to choose \
            the BLAS library, CURATE_BLAS_CORE=<core> to request another core, or \
            CURATE_BLAS_CORE=library to let OpenBLAS choose by itself (it then honours \
            OPENBLAS_CORETYPE). With --peak it also measures the sgemm rate (square products, \
            best of 3): one single-threaded product per engine worker at once, as the engine \
            runs, and one product threaded by the library.

            Example:
              curate info --json

            \(ExitStatus.help)
            """
    )

    @Flag(help: "Print one line of JSON with sorted keys instead of text.")
    var json = false

    @Flag(help: "Also measure the sgemm peak in GFLOP/s (takes a few seconds).")
    var peak = false

    func run() throws {
        let available = BLASLibrary.isAvailable
        let library = available ? BLASLibrary.libraryPath : nil
        let core = available ? BLASLibrary.coreName : nil
        let requested = BLASLibrary.requestedCore
        let check = BLASLibrary.selfCheck
        let perWorker = peak ? SgemmPeak.perWorker() : nil
        let libraryThreaded = peak ? SgemmPeak.libraryThreaded() : nil
        if json {
            let output: JSONValue = .object([
                "version": .string(Curate.version),
                "isa": .string(ComputeEnvironment.isa),
                "bf16_kernel": .string(ComputeEnvironment.bf16Kernel),
                "int8_kernel": .string(ComputeEnvironment.int8Kernel),
                "auto_backend": .string(Backend.auto.resolved.rawValue),
                "blas_available": .bool(available),
                "blas_library": library.map(JSONValue.string) ?? .null,
                "blas_requested_core": requested.map(JSONValue.string) ?? .null,
                "blas_overridden_core": BLASLibrary.overriddenCore.map(JSONValue.string) ?? .null,
                "blas_core": core.map(JSONValue.string) ?? .null,
                "blas_self_check": .string(check.status),
                "blas_self_check_difference": check.measured.map { .number($0.difference) } ?? .null,
                "blas_self_check_bound": check.measured.map { .number($0.bound) } ?? .null,
                "blas_failed_core": check.failedCore.map(JSONValue.string) ?? .null,
                "screen_policy": .string(Self.screenPolicy),
                "blas_threads": available ? .integer(BLASLibrary.threads) : .null,
                "blas_unavailable_reason": BLASLibrary.unavailableReason.map(JSONValue.string) ?? .null,
                "threads": .integer(ComputeThreads.count),
                "sgemm_gflops_per_worker": perWorker.map(JSONValue.number) ?? .null,
                "sgemm_gflops_library_threaded": libraryThreaded.map(JSONValue.number) ?? .null,
            ])
            OutputFile.writeStandardOutput(output.serialized() + "\n")
            return
        }
        var lines = [
            "curate \(Curate.version)",
            "isa:                 \(ComputeEnvironment.isa)",
            "bf16 kernel:         \(ComputeEnvironment.bf16Kernel)",
            "int8 kernel:         \(ComputeEnvironment.int8Kernel)",
            "auto backend:        \(Backend.auto.resolved.rawValue)",
            "screen (auto):       \(Self.screenPolicy)",
            "blas library:        \(library ?? "none")",
            "blas requested core: \(requested ?? "none (left to the library)")"
                + (BLASLibrary.overriddenCore.map { " (overrides OPENBLAS_CORETYPE=\($0); CURATE_BLAS_CORE=library honours it)" } ?? ""),
            "blas self-check:     \(Self.describe(check))",
            "blas core in use:    \(core ?? "none")",
            "blas threads:        \(available ? String(BLASLibrary.threads) : "-")",
            "engine threads:      \(ComputeThreads.count)",
        ]
        if let reason = BLASLibrary.unavailableReason { lines.append("blas unavailable:    \(reason)") }
        if let perWorker, let libraryThreaded {
            lines.append(String(format: "sgemm peak:          %.1f GFLOP/s (%d workers × 1 thread), %.1f GFLOP/s (library, %d threads)",
                                perWorker, ComputeThreads.count, libraryThreaded, ComputeThreads.count))
        }
        OutputFile.writeStandardOutput(lines.joined(separator: "\n") + "\n")
    }

    /// What `--screen-rank auto` does on this machine.
    static var screenPolicy: String {
        "clustering: ranks 8–128 below d/2 in \(Backend.auto.screenEncodings.map(\.name).joined(separator: " or ")), chosen per run on a sample; "
            + "only above d = 16 and from 100 M pairs, off when it saves under a fifth (recall: under half)"
    }

    private static func describe(_ check: BLASLibrary.SelfCheck) -> String {
        switch check {
        case .notRun: "not run (the library chose its core)"
        case let .passed(difference, bound): String(format: "passed (largest difference %.3g, bound %.3g)", difference, bound)
        case let .failed(core, difference, bound):
            String(format: "FAILED for core %@ (difference %.3g > bound %.3g): ", core, difference, bound)
                + (BLASLibrary.isAvailable ? "running the library's own core choice" : "BLAS not used")
        }
    }
}
