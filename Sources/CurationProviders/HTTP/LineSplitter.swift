import CurationStore

/// Cuts a byte stream into lines as its chunks arrive, holding at most one line at a time.
///
/// Lines end at `\n` (a `\r` before it is dropped); empty lines are skipped; a last line
/// without a newline is delivered by `finish`.
struct LineSplitter {
    /// A line longer than this is refused (the stream is not the line-delimited text expected).
    let maxLineBytes: Int
    private var pending: [UInt8] = []

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    /// Delivers every line `chunk` completes, keeping its unfinished tail.
    /// - Throws: `LineSplitter.Overlong`, or what `line` throws.
    mutating func feed<Bytes: Collection<UInt8>>(_ chunk: Bytes, _ line: ([UInt8]) throws -> Void) throws {
        var rest = chunk[...]
        while let newline = rest.firstIndex(of: UInt8(ascii: "\n")) {
            try append(rest[..<newline])
            try deliver(line)
            rest = rest[rest.index(after: newline)...]
        }
        try append(rest)
    }

    /// Delivers the last line if the stream did not end with a newline.
    /// - Throws: what `line` throws.
    mutating func finish(_ line: ([UInt8]) throws -> Void) throws {
        try deliver(line)
    }

    private mutating func append<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws {
        guard pending.count + bytes.count <= maxLineBytes else { throw Overlong(limit: maxLineBytes) }
        pending.append(contentsOf: bytes)
    }

    private mutating func deliver(_ line: ([UInt8]) throws -> Void) throws {
        if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
        guard !pending.isEmpty else { return }
        defer { pending.removeAll(keepingCapacity: true) }
        try line(pending)
    }

    /// A line longer than `limit` bytes.
    struct Overlong: Error, CustomStringConvertible {
        let limit: Int
        var description: String { "a line is longer than \(limit) bytes" }
    }
}
