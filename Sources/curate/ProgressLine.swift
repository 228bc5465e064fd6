import Foundation
import Synchronization

/// A progress line on standard error, redrawn in place, only when standard error is a terminal.
final class ProgressLine: Sendable {
    /// Whether standard error is a terminal (nothing is drawn otherwise).
    let enabled = isatty(2) == 1
    /// Whether a line is on the screen.
    private let drawn = Mutex(false)

    /// Draws `text` in place of the previous line.
    func show(_ text: String) {
        guard enabled else { return }
        drawn.withLock { drawn in
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
            drawn = true
        }
    }

    /// Erases the line if it was drawn.
    func finish() {
        drawn.withLock { drawn in
            guard drawn else { return }
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
            drawn = false
        }
    }
}
