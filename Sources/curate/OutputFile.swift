import ArgumentParser
import CurationStore
import Foundation

/// Where the commands' JSON goes.
enum OutputFile {
    /// Why the output could not be written.
    struct WriteError: Error, CustomStringConvertible {
        let path: String
        let reason: String
        var description: String { "cannot write \(path): \(reason)" }
    }

    /// Writes `bytes` to standard output.
    static func writeStandardOutput(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Writes `context` and `result` to standard output as one JSON object (`CommandOutput`).
    static func writeJSON(_ context: some Encodable, _ result: some Encodable) {
        writeJSON(CommandOutput(context: context, result: result))
    }

    /// Writes `result` to standard output as one line of JSON with sorted keys
    /// (`JSONValue(encoding:)`); a result that encodes nothing is reported on standard error.
    static func writeJSON(_ result: some Encodable) {
        do {
            writeStandardOutput(try JSONValue(encoding: result).serialized() + "\n")
        } catch {
            standardError("error: cannot encode the result: \(error)")
        }
    }

    /// Writes `bytes` to the file `path` named by `flag`, atomically (`writeAtomically`), unless
    /// it is one of the `protected` files.
    /// - Throws: exit status 2 after reporting a protected path, exit status 1 after
    ///   reporting why the file could not be written.
    static func writeOutput(_ bytes: [UInt8], to path: String, flag: String, protecting protected: ProtectedFiles) throws {
        try protected.check(path, flag: flag)
        do {
            try writeAtomically(bytes, to: path)
        } catch {
            throw ExitStatus.failure("\(error.description)")
        }
    }

    /// Replaces the file at `path` with `bytes` atomically: the bytes go to a new temporary file
    /// in the same directory, are flushed to disk, and the temporary file is renamed over `path`.
    /// Readers see the old file or the whole new one, never a partial one; on failure the
    /// temporary file is removed and `path` is untouched.
    ///
    /// The file gets the mode of the regular file it replaces, else `permissions` (0600 by
    /// default: outputs hold people's text), set explicitly whatever the umask, and the
    /// temporary file is never more open than that.
    static func writeAtomically(_ bytes: [UInt8], to path: String, permissions: mode_t = 0o600) throws(WriteError) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"
        func failure() -> WriteError { WriteError(path: path, reason: String(cString: strerror(errno))) }
        var replaced = stat()
        let mode = lstat(path, &replaced) == 0 && (replaced.st_mode & S_IFMT) == S_IFREG ? replaced.st_mode & 0o777 : permissions
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0o600)
        guard fd >= 0 else { throw failure() }
        var error: WriteError? = fchmod(fd, mode) == 0 ? nil : failure()
        var done = 0
        while error == nil && done < bytes.count {
            let wrote = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else { error = failure(); break }
            done += wrote
        }
        if error == nil && fsync(fd) != 0 { error = failure() }
        if close(fd) != 0 && error == nil { error = failure() }
        if error == nil && rename(temporary, path) != 0 { error = failure() }
        if let error {
            unlink(temporary)
            throw error
        }
    }
}

/// A command's result as one JSON object: the members the command adds (`context`: the
/// database, the output file, timings…) beside the library result's own; their keys differ.
struct CommandOutput<Context: Encodable, Result: Encodable>: Encodable {
    let context: Context
    let result: Result

    func encode(to encoder: any Encoder) throws {
        try context.encode(to: encoder)
        try result.encode(to: encoder)
    }
}
