import Foundation

/// An input file opened for reading. Only a regular file is accepted: a device (`/dev/zero`), a
/// FIFO, a socket or a directory is refused at once, without blocking and without reading, so
/// its size is known before anything is read.
///
/// ```swift
/// let file = try RegularFile(path: "vectors.f32")
/// guard file.size == expected else { … }
/// let data = try file.bytes(upTo: file.size)
/// ```
package final class RegularFile {
    /// The path, as the caller named it.
    package let path: String
    /// The size in bytes when the file was opened.
    package let size: Int
    private let fd: Int32

    /// Opens the regular file at `path`.
    /// - Throws: `InputFileError` with `.unreadable`: the system's reason, or "not a regular file".
    package init(path: String) throws(InputFileError) {
        // Refused from its metadata first, so a device is never even opened; then from the open
        // descriptor (O_NONBLOCK: a FIFO swapped in meanwhile does not wait for a writer).
        var info = stat()
        guard stat(path, &info) == 0 else { throw Self.unreadable(path, Self.systemReason()) }
        try Self.checkRegular(info, path)
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { throw Self.unreadable(path, Self.systemReason()) }
        guard fstat(fd, &info) == 0 else {
            let reason = Self.systemReason()
            close(fd)
            throw Self.unreadable(path, reason)
        }
        do {
            try Self.checkRegular(info, path)
        } catch {
            close(fd)
            throw error
        }
        self.path = path
        self.size = Int(info.st_size)
        self.fd = fd
    }

    deinit { close(fd) }

    /// Refuses, without reading it, a file that cannot be opened, is not a regular file, or has
    /// more than `maxBytes` bytes.
    /// - Throws: `InputFileError` with `.unreadable`.
    package static func check(_ path: String, maxBytes: Int = .max) throws(InputFileError) {
        let file = try RegularFile(path: path)
        try file.checkSize(maxBytes)
    }

    /// Refuses the file when it has more than `maxBytes` bytes.
    /// - Throws: `InputFileError` with `.unreadable`, naming the size and the limit.
    func checkSize(_ maxBytes: Int) throws(InputFileError) {
        guard size <= maxBytes else { throw Self.tooLarge(path, bytes: size, limit: maxBytes) }
    }

    /// The file's bytes from the start, at most `count` (fewer when the file ends first).
    /// - Throws: `InputFileError` with `.unreadable` and the system's reason.
    func bytes(upTo count: Int) throws(InputFileError) -> Data {
        var data = Data(count: max(min(count, size), 0))
        var used = 0
        while used < count {
            if used == data.count { data.count = min(count, max(data.count * 2, 1 << 16)) }
            let room = data.count - used
            let got = data.withUnsafeMutableBytes { read(fd, $0.baseAddress! + used, room) }
            if got < 0 {
                if errno == EINTR { continue }
                throw Self.unreadable(path, Self.systemReason())
            }
            if got == 0 { break }
            used += got
        }
        data.count = used
        return data
    }

    /// The whole file, refused (before and while reading) beyond `maxBytes` bytes.
    /// - Throws: `InputFileError` with `.unreadable`.
    func contents(maxBytes: Int) throws(InputFileError) -> Data {
        try checkSize(maxBytes)
        let data = try bytes(upTo: maxBytes == .max ? .max : maxBytes + 1)
        guard data.count <= maxBytes else { throw Self.tooLarge(path, bytes: data.count, limit: maxBytes) }
        return data
    }

    private static func checkRegular(_ info: stat, _ path: String) throws(InputFileError) {
        let kind: String
        switch info.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: throw unreadable(path, String(cString: strerror(EISDIR)))   // as reading one reports it
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        case S_IFIFO: kind = "a FIFO"
        case S_IFSOCK: kind = "a socket"
        default: kind = "a special file"
        }
        throw unreadable(path, "not a regular file (\(kind))")
    }

    private static func tooLarge(_ path: String, bytes: Int, limit: Int) -> InputFileError {
        unreadable(path, "\(bytes) bytes is larger than the \(InputLimits.size(limit)) an input file may have")
    }

    private static func unreadable(_ path: String, _ reason: String) -> InputFileError {
        InputFileError(path: path, reason: .unreadable(reason))
    }

    private static func systemReason() -> String { String(cString: strerror(errno)) }
}
