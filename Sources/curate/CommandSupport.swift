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
