/// Everything the emulator remembers between requests; kept under one lock by `EmulatorCore`.
struct EmulatorState: Sendable {
    /// Pending faults, in injection order.
    var faults: [EmulatorFault] = []
    /// The outcome rules, first match wins.
    var rules: [EmulatorOutcomeRule] = []
    /// Chat completions answered since the rules were last set (for `everyKth`).
    var chatOrdinal = 0
    var stats = EmulatorStats()
    /// Batches by id.
    var batches: [String: BatchRecord] = [:]
    /// Batch ids, oldest first.
    var batchOrder: [String] = []

    /// Takes one use of the first pending fault of `route` whose kind `accepts`, counting it as served.
    mutating func takeFault(for route: EmulatorRoute, where accepts: (EmulatorFault.Kind) -> Bool) -> EmulatorFault.Kind? {
        guard let position = faults.firstIndex(where: { $0.route == route && $0.times > 0 && accepts($0.kind) }) else {
            return nil
        }
        let kind = faults[position].kind
        faults[position].times -= 1
        if faults[position].times <= 0 { faults.remove(at: position) }
        stats.faultsServed += 1
        return kind
    }

    /// Counts one submission of `customID`.
    mutating func countSubmission(_ customID: String) {
        stats.submissionsByCustomID[customID, default: 0] += 1
    }
}
