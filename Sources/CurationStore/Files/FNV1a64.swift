/// 64-bit FNV-1a (offset basis 0xcbf29ce484222325, prime 0x100000001b3), fixed and unseeded: the
/// hashing embedder's features and the report's reproducible map sample.
package struct FNV1a64: Sendable {
    /// The hash of the bytes combined so far.
    package private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    /// The hash of no bytes (the offset basis).
    package init() {}

    /// Folds `bytes` into the hash.
    package mutating func combine(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01b3
        }
    }

    /// The hash of `bytes`.
    package static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hasher = FNV1a64()
        hasher.combine(bytes)
        return hasher.value
    }
}
