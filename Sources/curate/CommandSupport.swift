import ArgumentParser
import Curation
import CurationStore
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

/// Refuses a `--dim` above `InputLimits.maxDimension` as bad input (exit 2): no embedding file
/// has rows that wide, and larger values would overflow the sizes computed from them.
/// - Throws: `ExitCode(2)` after reporting it.
func checkDimensionLimit(_ dimension: Int) throws {
    guard dimension <= InputLimits.maxDimension else {
        standardError("error: --dim must be at most \(InputLimits.maxDimension) (got \(dimension))")
        throw ExitCode(2)
    }
}
