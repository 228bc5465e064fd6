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

    /// Replaces the file at `path` with `bytes` atomically: the bytes go to a new temporary file
    /// in the same directory (created with `permissions`, less the umask), are flushed to disk,
    /// and the temporary file is renamed over `path`. Readers see the old file or the whole new
    /// one, never a partial one; on failure the temporary file is removed and `path` is untouched.
    static func writeAtomically(_ bytes: [UInt8], to path: String, permissions: mode_t = 0o666) throws(WriteError) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"
        func failure() -> WriteError { WriteError(path: path, reason: String(cString: strerror(errno))) }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw failure() }
        var done = 0
        var error: WriteError? = nil
        while done < bytes.count {
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
