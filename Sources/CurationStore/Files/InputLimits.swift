/// The bounds of what `curate` reads. Inputs beyond them are refused before they are read, so
/// no input can make the process allocate without limit or overflow an integer.
package enum InputLimits {
    /// The largest embedding dimension (`--dim`, a `.f32` file's row width): 65,536.
    package static let maxDimension = 65_536
    /// The longest line of a JSON Lines file, in bytes, its line ending (`\n` or `\r\n`) not
    /// counted: 1 MiB.
    package static let maxLineBytes = 1 << 20
    /// The largest input file read whole (a JSON Lines or config file), in bytes: 4 GiB.
    package static let maxFileBytes = 4 << 30

    /// Refuses a dimension below 1 or above `maxDimension`, naming `path` (the `.f32` file).
    /// - Throws: `InputFileError` with `.invalidDimension` or `.dimensionTooLarge`.
    package static func checkDimension(_ dimension: Int, path: String) throws(InputFileError) {
        guard dimension > 0 else { throw InputFileError(path: path, reason: .invalidDimension(dimension)) }
        guard dimension <= maxDimension else {
            throw InputFileError(path: path, reason: .dimensionTooLarge(dimension, limit: maxDimension))
        }
    }

    /// `bytes` as a user reads it: "4 GiB", "1 MiB", else "N bytes".
    static func size(_ bytes: Int) -> String {
        if bytes > 0 && bytes % (1 << 30) == 0 { return "\(bytes >> 30) GiB" }
        if bytes > 0 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        return "\(bytes) bytes"
    }
}
