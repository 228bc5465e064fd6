import Crypto
import Foundation

/// The lowercase hex SHA-256 of `text`'s UTF-8 bytes (64 characters): the embedding cache's keys
/// and the imported rows' identities.
func sha256Hex(_ text: String) -> String {
    lowercaseHex(SHA256.hash(data: Data(text.utf8)))
}

/// `count` random bytes from the system generator as lowercase hex (2 × `count` characters): job
/// nonces and local batch ids.
package func randomHex(bytes count: Int) -> String {
    var generator = SystemRandomNumberGenerator()
    return lowercaseHex((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
}

/// Two lowercase hex digits per byte.
private func lowercaseHex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { byte in
        let hex = String(byte, radix: 16)
        return byte < 16 ? "0" + hex : hex
    }.joined()
}
