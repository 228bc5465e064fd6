import Foundation

extension EmbeddingMatrix {
    /// A matrix from raw little-endian IEEE-754 float32 values, row-major, no header.
    /// - Throws: `EmbeddingError.byteCountNotMultiple` when `data` is not a whole number of rows
    ///   (`.sizeNotMultiple` when a row of `dimension` values would not fit in memory at all),
    ///   and the validation errors of `init(flat:dimension:)`. No dimension traps.
    public convenience init(littleEndianFloat32 data: Data, dimension: Int) throws(EmbeddingError) {
        guard dimension > 0 else { throw .zeroDimension }
        try Self.checkWholeRows(bytes: data.count, dimension: dimension)
        let count = data.count / 4
        let raw = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        data.withUnsafeBytes { bytes in
            UnsafeMutableRawPointer(raw).copyMemory(from: bytes.baseAddress ?? UnsafeRawPointer(raw), byteCount: data.count)
        }
        Self.fromLittleEndian(raw, count: count)
        try self.init(taking: raw, rows: count / dimension, dimension: dimension)
    }

    /// A matrix read straight from a little-endian float32 file into one buffer (no per-row arrays).
    /// The file's size is checked before it is read.
    /// - Throws: `EmbeddingError.unreadable` when the file cannot be read or is not a regular file
    ///   (a FIFO is refused without waiting for a writer), and the errors of
    ///   `init(littleEndianFloat32:dimension:)`. No dimension traps.
    public convenience init(contentsOfFile path: String, dimension: Int) throws(EmbeddingError) {
        guard dimension > 0 else { throw .zeroDimension }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .unreadable(path: path, reason: "not a regular file") }
        let bytes = Int(info.st_size)
        try Self.checkWholeRows(bytes: bytes, dimension: dimension)
        let raw = UnsafeMutablePointer<Float>.allocate(capacity: max(bytes / 4, 1))
        var done = 0
        while done < bytes {
            let got = read(fd, UnsafeMutableRawPointer(raw) + done, bytes - done)
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                raw.deallocate()
                throw .unreadable(path: path, reason: got == 0 ? "file shrank while reading" : String(cString: strerror(errno)))
            }
            done += got
        }
        Self.fromLittleEndian(raw, count: bytes / 4)
        try self.init(taking: raw, rows: bytes / 4 / dimension, dimension: dimension)
    }

    /// Refuses `bytes` that are not a whole number of rows of `dimension` float32 values, with
    /// checked arithmetic: when `dimension × 4` overflows, only 0 bytes (no row) pass, and the
    /// error counts values, so that its description computes no row size either.
    private static func checkWholeRows(bytes: Int, dimension: Int) throws(EmbeddingError) {
        let (rowBytes, overflow) = dimension.multipliedReportingOverflow(by: 4)
        if overflow {
            guard bytes == 0 else { throw .sizeNotMultiple(values: bytes / 4, dimension: dimension) }
            return
        }
        guard bytes % rowBytes == 0 else { throw .byteCountNotMultiple(bytes: bytes, dimension: dimension) }
    }

    /// Converts little-endian float32 bit patterns to host order in place (a no-op on x86 and ARM).
    private static func fromLittleEndian(_ values: UnsafeMutablePointer<Float>, count: Int) {
        guard UInt32(littleEndian: 1) != 1 else { return }
        for i in 0..<count { values[i] = Float(bitPattern: UInt32(littleEndian: values[i].bitPattern)) }
    }
}
