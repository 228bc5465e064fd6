import Foundation
import Kernels

/// What the numbers are measured on: CPU, ISA, BLAS, threads, and the sgemm peak.
enum MachineProbe {
    static func describe() -> MachineInfo {
        MachineInfo(
            cpu: cpuModel(), cores: ProcessInfo.processInfo.activeProcessorCount,
            memoryGibibytes: Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824,
            isa: ComputeEnvironment.isa,
            blasLibrary: BLASLibrary.isAvailable ? BLASLibrary.libraryPath : "none (\(BLASLibrary.unavailableReason ?? "?"))",
            blasCore: BLASLibrary.coreName, blasRequestedCore: BLASLibrary.requestedCore,
            engineWorkers: ComputeThreads.count, blasThreadsPerCall: BLASLibrary.threads,
            loadAverageStart: Timing.loadAverage())
    }

    /// Measures both sgemm rates once and adds them to `peak`; measures again after waiting
    /// for a quiet machine when other processes took more than the guard's threshold.
    static func measurePeak(into peak: inout PeakInfo, quiet: QuietGuard, log: (String) -> Void) {
        for attempt in 0..<2 {
            let before = QuietGuard.sample()
            let perWorker = SgemmPeak.perWorker(), threaded = SgemmPeak.libraryThreaded()
            let share = QuietGuard.othersShare(before, QuietGuard.sample())
            if attempt == 0, share > quiet.threshold, quiet.waitBudget > 0 {
                log(String(format: "  (others took %.0f %% of the CPUs during the sgemm peak: waiting for a quiet machine, then again)", 100 * share))
                quiet.countRetry()
                quiet.waitForQuiet(maximum: min(30, quiet.waitBudget))
                continue
            }
            if let perWorker { peak.perWorker.append(perWorker) }
            if let threaded { peak.libraryThreaded.append(threaded) }
            peak.othersShare.append(share)
            return
        }
    }

    /// The header lines printed at the top of a run.
    static func header(_ machine: MachineInfo, tiling: TilingInfo) -> [String] {
        var lines = [
            "machine:   \(machine.cpu), \(machine.cores) cores, \(String(format: "%.0f", machine.memoryGibibytes)) GiB",
            "ISA:       \(machine.isa) (C kernels)",
            "BLAS:      \(machine.blasLibrary), core \(machine.blasCore)"
                + (machine.blasRequestedCore.map { " (requested from cpuid: \($0))" } ?? " (chosen by the library or OPENBLAS_CORETYPE)"),
            "threads:   \(machine.engineWorkers) engine workers × \(machine.blasThreadsPerCall) BLAS thread per call",
            "tiles:     \(tiling.text)",
        ]
        let load = machine.loadAverageStart.map { String(format: "%.2f", $0) }.joined(separator: " ")
        lines.append("load avg:  \(load) (1/5/15 min) at start")
        return lines
    }

    private static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        var model: String?, family: String?, number: String?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "model name": model = model ?? parts[1]
            case "cpu family": family = family ?? parts[1]
            case "model": number = number ?? parts[1]
            default: break
            }
        }
        var name = model ?? "unknown CPU"
        if let family, let number { name += " (family \(family), model \(number))" }
        return name
    }
}
