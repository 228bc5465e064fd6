import Foundation

/// A progress line on standard error, redrawn in place, only when standard error is a terminal.
final class ProgressLine: @unchecked Sendable {
    /// Whether standard error is a terminal (nothing is drawn otherwise).
    let enabled = isatty(2) == 1
    private let lock = NSLock()
    private var drawn = false

    /// Draws `text` in place of the previous line.
    func show(_ text: String) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        drawn = true
    }

    /// Erases the line if it was drawn.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        drawn = false
    }
}
