import CurationStore
import Foundation

/// An offline embedder: character n-gram feature hashing, L2-normalised.
///
/// The text is lowercased, put in Unicode NFC, its runs of whitespace collapsed to one space and
/// trimmed, then padded with one space on each side. Every run of 3 and of 4 consecutive Unicode
/// scalars of that string (its n-grams) is hashed with 64-bit FNV-1a over its UTF-8 bytes; the
/// hash `h` adds `+1` (when bit 63 of `h` is 0) or `-1` to component `h % dimension`. The
/// vector is then divided by its L2 norm (computed in `Double`). A text with no n-gram (empty or
/// only whitespace) gives the zero vector.
///
/// Nothing is seeded per process (unlike Swift's `Hasher`), so vectors are identical across
/// runs and machines: texts with the same lowercased NFC form give bit-identical vectors.
///
/// ```swift
/// let embedder = HashingEmbedder()            // dimension 384
/// let vectors = embedder.embed(["curl. Command line tool for transferring data"])
/// ```
public struct HashingEmbedder: Embedder {
    /// `"hashing-ngram34-fnv1a-v1"`: names the algorithm; a change to it gets a new name.
    public let model = "hashing-ngram34-fnv1a-v1"
    /// The number of hash buckets, that is components of every vector.
    public let dimension: Int

    /// An embedder of `dimension` components (384 by default).
    /// - Precondition: `dimension >= 1`.
    public init(dimension: Int = 384) {
        precondition(dimension >= 1, "HashingEmbedder dimension must be at least 1")
        self.dimension = dimension
    }

    /// One vector per text, synchronously: it meets `Embedder`'s async requirement without
    /// suspending, and never throws.
    /// - Complexity: O(total text length).
    public func embed(_ texts: [String]) -> [[Float]] {
        texts.map(embed)
    }

    /// The vector of one text.
    public func embed(_ text: String) -> [Float] {
        var accumulator = [Double](repeating: 0, count: dimension)
        let scalars = Self.normalisedScalars(text)
        guard scalars.count > 2 else { return [Float](repeating: 0, count: dimension) }
        // The UTF-8 bytes of the scalars, flat, and where each scalar starts: an n-gram is the
        // byte range from its first scalar's start to the start of the scalar after its last.
        var bytes: [UInt8] = []
        var starts: [Int] = []
        bytes.reserveCapacity(scalars.count * 2)
        starts.reserveCapacity(scalars.count + 1)
        for scalar in scalars {
            starts.append(bytes.count)
            UTF8.encode(scalar) { bytes.append($0) }
        }
        starts.append(bytes.count)
        for n in 3...4 where scalars.count >= n {
            for start in 0...(scalars.count - n) {
                var hash = FNV1a64()
                hash.combine(bytes[starts[start]..<starts[start + n]])
                let bucket = Int(hash.value % UInt64(dimension))
                accumulator[bucket] += hash.value >> 63 == 0 ? 1 : -1
            }
        }
        let norm = accumulator.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else { return [Float](repeating: 0, count: dimension) }
        return accumulator.map { Float($0 / norm) }
    }

    /// Lowercased, NFC, whitespace collapsed and trimmed, padded with one space each side; empty
    /// when the text has no non-whitespace character.
    static func normalisedScalars(_ text: String) -> [Unicode.Scalar] {
        let folded = text.lowercased().precomposedStringWithCanonicalMapping
        var out: [Unicode.Scalar] = [" "]
        var pendingSpace = false
        for scalar in folded.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = out.count > 1
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(scalar)
            }
        }
        guard out.count > 1 else { return [] }
        out.append(" ")
        return out
    }
}
