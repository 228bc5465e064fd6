import ArgumentParser
import Curation
import CurationReport
import CurationStore
import Foundation

/// The exit status of every command: one policy, documented once (`help`, in every command's
/// `--help`) and applied here.
///
/// A flag that does not parse as its type (or is unknown, or missing) is a usage error, 64, as
/// ArgumentParser reports it; a value that parses but cannot be used (out of range, a bad date or
/// window, a cursor of another table) is bad input, 2, like a bad file.
enum ExitStatus {
    /// The section every command's help ends with.
    static let help = """
        Exit status:
          0   success (import: also when every line was already present; tick,
              daemon: also when a backfill job is left alone)
          1   the store, the curator provider or the output failed, or an
              unexpected failure
          2   bad input file or value, and the store is unchanged: an input file
              unreadable or malformed (the message names the file and the line),
              a bad or untrusted config file, a missing database file, a flag value
              out of range (--dim 0, --threshold 1.5, --k -1, --max-cluster-size 0)
              or of the wrong form (date, window, interval, cursor), an output path
              that is the database or the config file, an unavailable or
              misconfigured provider, or a corrupt job row
          3   backfill only: the job slot holds a daemon job (or one stored without
              owner); the message names it (owner, nonce, age)
          64  usage error: unknown flag, missing flag or value, a value that is not
              of the flag's type
        """

    /// Reports a bad input on standard error and returns exit status 2.
    static func badInput(_ message: String) -> ExitCode { reported(message, status: 2) }

    /// Reports a failure of the store, the provider or the output and returns exit status 1.
    static func failure(_ message: String) -> ExitCode { reported(message, status: 1) }

    /// Reports a bad input file and returns exit status 2.
    static func of(_ error: InputFileError) -> ExitCode { badInput(error.description) }

    /// Reports `error` and returns its status: 3 for a slot held by a daemon job, 2 for bad
    /// settings, a provider that cannot be built or a corrupt job row, else 1.
    static func of(_ error: JobError) -> ExitCode {
        switch error {
        case .slotHeldByOtherOwner:
            return reported(error.description, status: 3)
        case .providerUnavailable, .providerMisconfigured, .corruptJob, .planning(.invalidSettings(_)):
            return badInput(error.description)
        default:
            return failure(error.description)
        }
    }

    /// Reports a report that could not be made and returns its status (2 for bad settings).
    static func of(_ error: ReportError) -> ExitCode {
        if case .planning(.invalidSettings(_)) = error { return badInput(error.description) }
        return failure(error.description)
    }

    /// Writes `error: <message>` on standard error and returns `status`.
    private static func reported(_ message: String, status: Int32) -> ExitCode {
        standardError("error: \(message)")
        return ExitCode(status)
    }
}

/// Writes one line to standard error.
func standardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Refuses a `--dim` below 1 or above `InputLimits.maxDimension` as bad input (exit 2): it
/// describes no embedding file, and larger values would overflow the sizes computed from them.
/// - Throws: `ExitCode(2)` after reporting it.
func checkDimension(_ dimension: Int) throws {
    guard dimension >= 1 else { throw ExitStatus.badInput("--dim must be at least 1 (got \(dimension))") }
    guard dimension <= InputLimits.maxDimension else {
        throw ExitStatus.badInput("--dim must be at most \(InputLimits.maxDimension) (got \(dimension))")
    }
}
