import ArgumentParser
import Curation
import Foundation

/// Reports a bad input file on standard error and returns the exit code for it (2).
func inputFailure(_ error: InputFileError) -> ExitCode {
    standardError("error: \(error.description)")
    return ExitCode(2)
}

/// Writes one line to standard error.
func standardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Seconds elapsed while running `body`, by the monotonic clock, and its result.
func timed<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> (T, Double) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try body()
    let elapsed = (clock.now - start).components
    return (value, Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
}
