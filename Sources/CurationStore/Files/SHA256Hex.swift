import Crypto
import Foundation

/// The lowercase hex SHA-256 of `text`'s UTF-8 bytes (64 characters): the embedding cache's keys
/// and the imported rows' identities.
func sha256Hex(_ text: String) -> String {
    SHA256.hash(data: Data(text.utf8)).map { byte in
        let hex = String(byte, radix: 16)
        return byte < 16 ? "0" + hex : hex
    }.joined()
}
