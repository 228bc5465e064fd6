import CurationStore
import Kernels
import Synchronization

/// An import's progress on a `ProgressLine`: `importing PATH: PHASE DONE[/TOTAL] lines (RATE
/// lines/s)`, the rate being lines per second of the current phase (reading, embedding,
/// writing). Redrawn at most every 0.2 s, the first time 0.2 s after the import's first line.
final class ImportProgressLine: Sendable {
    private struct State {
        var phase: ImportProgress.Phase?
        var phaseStopwatch = Stopwatch()
        var sinceDrawn = Stopwatch()
    }

    private let line = ProgressLine()
    private let state = Mutex(State())

    /// Notes `progress`, and redraws the line when 0.2 s passed since it was last drawn.
    func update(_ progress: ImportProgress) {
        guard line.enabled else { return }
        let text = state.withLock { state -> String? in
            if progress.phase != state.phase {
                if state.phase == nil { state.sinceDrawn = Stopwatch() }
                state.phase = progress.phase
                state.phaseStopwatch = Stopwatch()
            }
            guard state.sinceDrawn.seconds >= 0.2 else { return nil }
            state.sinceDrawn = Stopwatch()
            let seconds = state.phaseStopwatch.seconds
            let rate = seconds > 0 ? Int(Double(progress.done) / seconds) : 0
            let count = progress.total.map { "\(progress.done)/\($0)" } ?? "\(progress.done)"
            return "importing \(progress.path): \(progress.phase.rawValue) \(count) lines (\(rate) lines/s)"
        }
        if let text { line.show(text) }
    }

    /// Erases the line if it was drawn.
    func finish() {
        line.finish()
    }
}
