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
            kernels of the screening backends (avx512_bf16; amx_int8 or avx512_vnni; avx2; or their \
            serial twins; CURATE_AMX=off leaves AMX unused), the backend auto resolves to, the \
            low-rank screen policy, the BLAS library that was loaded, the OpenBLAS core the loader \
            requested from cpuid (and the OPENBLAS_CORETYPE of the environment it overrode, if any), the self-check of that \
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
        let facts = EngineFacts.current(measuringPeak: peak)
        if json { return OutputFile.writeJSON(["version": Curate.version], facts) }
        var lines = [
            "curate \(Curate.version)",
            "isa:                 \(facts.isa)",
            "bf16 kernel:         \(facts.bf16Kernel)",
            "int8 kernel:         \(facts.int8Kernel)",
            "auto backend:        \(facts.autoBackend.rawValue)",
            "screen (auto):       \(facts.screenPolicy)",
            "blas library:        \(facts.blasLibrary ?? "none")",
            "blas requested core: \(facts.blasRequestedCore ?? "none (left to the library)")"
                + (facts.blasOverriddenCore.map { " (overrides OPENBLAS_CORETYPE=\($0); CURATE_BLAS_CORE=library honours it)" } ?? ""),
            "blas self-check:     \(Self.describe(facts.blasSelfCheck))",
            "blas core in use:    \(facts.blasCore ?? "none")",
            "blas threads:        \(facts.blasThreads.map(String.init) ?? "-")",
            "engine threads:      \(facts.threads)",
        ]
        if let reason = facts.blasUnavailableReason { lines.append("blas unavailable:    \(reason)") }
        if let perWorker = facts.sgemmPerWorker, let libraryThreaded = facts.sgemmLibraryThreaded {
            lines.append(String(format: "sgemm peak:          %.1f GFLOP/s (%d workers × 1 thread), %.1f GFLOP/s (library, %d threads)",
                                perWorker, facts.threads, libraryThreaded, facts.threads))
        }
        OutputFile.writeStandardOutput(lines.joined(separator: "\n") + "\n")
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
