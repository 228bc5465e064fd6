import CurationStore
import Foundation

/// The JSON text of batches kept in the store (requests, results), as the store-backed curators
/// (`LocalCurator`, `OpenAICompatibleCurator`) write and read it.
enum StoredBatchJSON {
    /// `value` as JSON text with sorted keys.
    static func encode<T: Encodable>(_ value: T) throws(CuratorProviderError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw .unavailable("cannot encode a stored batch: \(error)")
        }
    }

    /// The `T` of `text`; `what` and `batchID` name it in the error.
    static func decode<T: Decodable>(_ text: String, what: String, batchID: String) throws(CuratorProviderError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw .unavailable("stored batch \(batchID) has unreadable \(what): \(error)")
        }
    }
}
