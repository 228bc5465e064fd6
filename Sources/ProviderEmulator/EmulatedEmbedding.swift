import Foundation

/// Deterministic embeddings: the same text always gets the same vector.
///
/// The text's UTF-8 bytes are hashed (FNV-1a, 64 bit) into the seed of a SplitMix64 stream;
/// component i is the i-th draw mapped to [-1, 1), and the vector is L2-normalised. A smaller
/// `dimension` is thus the normalised prefix of a larger one.
enum EmulatedEmbedding {
    /// The unit vector of `text` with `dimension` components.
    /// - Complexity: O(text length + dimension).
    static func vector(for text: String, dimension: Int) -> [Float] {
        var state = text.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01b3 }
        var values = [Double](repeating: 0, count: dimension)
        var squares = 0.0
        for index in values.indices {
            state &+= 0x9e37_79b9_7f4a_7c15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xbf58_476d_1ce4_e5b9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94d0_49bb_1331_11eb
            mixed ^= mixed >> 31
            values[index] = Double(mixed >> 11) / Double(1 << 52) - 1
            squares += values[index] * values[index]
        }
        let scale = squares > 0 ? 1 / squares.squareRoot() : 0
        return values.map { Float($0 * scale) }
    }

    /// Standard base64 of the vector's raw little-endian float32 bytes.
    static func base64(_ vector: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }
}
