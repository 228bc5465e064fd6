import Foundation

/// Embeddings as the store keeps them: `BLOB`s of little-endian IEEE-754 float32 values, no
/// header; the row's `dim` column holds the count.
///
/// ```swift
/// let blob = EmbeddingBlob.data(from: [0.5, -1, 2])   // 12 bytes
/// let back = try EmbeddingBlob.floats(from: blob)     // [0.5, -1, 2]
/// ```
package enum EmbeddingBlob {
    /// The little-endian bytes of `values`.
    /// - Complexity: O(`values.count`); one copy on little-endian hosts.
    package static func data(from values: [Float]) -> Data {
        values.withUnsafeBufferPointer { data(from: $0) }
    }

    /// The little-endian bytes of `values`.
    package static func data(from values: UnsafeBufferPointer<Float>) -> Data {
        guard UInt32(littleEndian: 1) != 1 else { return Data(buffer: values) }
        var data = Data(count: values.count * 4)
        data.withUnsafeMutableBytes { out in
            for (i, value) in values.enumerated() {
                out.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
            }
        }
        return data
    }

    /// The values of a little-endian float32 blob.
    /// - Throws: `EmbeddingBlobError` when the size is not a multiple of 4.
    package static func floats(from data: Data) throws(EmbeddingBlobError) -> [Float] {
        guard data.count % 4 == 0 else { throw EmbeddingBlobError(bytes: data.count, expected: nil) }
        var values = [Float](repeating: 0, count: data.count / 4)
        values.withUnsafeMutableBufferPointer { out in
            _ = copy(data, into: out.baseAddress!, count: out.count)
        }
        return values
    }

    /// Copies the `count` little-endian float32 values of `data` into `destination` (host order).
    /// - Returns: false, copying nothing, when `data` is not exactly `4 * count` bytes.
    @discardableResult
    package static func copy(_ data: Data, into destination: UnsafeMutablePointer<Float>, count: Int) -> Bool {
        guard data.count == count * 4 else { return false }
        guard count > 0 else { return true }
        data.withUnsafeBytes { bytes in
            UnsafeMutableRawPointer(destination).copyMemory(from: bytes.baseAddress!, byteCount: count * 4)
        }
        if UInt32(littleEndian: 1) != 1 {
            for i in 0..<count { destination[i] = Float(bitPattern: UInt32(littleEndian: destination[i].bitPattern)) }
        }
        return true
    }
}

/// A blob that is not a whole number of float32 values, or not the expected number of them.
package struct EmbeddingBlobError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The blob's size in bytes.
    package let bytes: Int
    /// The dimension the blob should have had, when known.
    package let expected: Int?

    package var description: String {
        if let expected { return "embedding blob of \(bytes) bytes, expected \(expected * 4) (dimension \(expected))" }
        return "embedding blob of \(bytes) bytes is not a whole number of float32 values"
    }
}
