import Foundation
import GRDB
import Kernels

/// One committed item (a node of the knowledge graph the curator can recall).
public struct CommittedItem: Equatable, Sendable {
    /// The item's key, unique in the store.
    public let itemID: String
    /// Its type.
    public let itemType: String
    /// Short name, possibly empty.
    public let label: String
    /// One-sentence summary, possibly empty.
    public let summary: String
    /// `"import"` or `"curator"`.
    public let source: String
    /// Its row in the index's `embeddings`, or nil when it has no embedding.
    public let embeddingRow: Int?

    /// An item with the given values.
    public init(itemID: String, itemType: String, label: String = "", summary: String = "", source: String,
                embeddingRow: Int?) {
        self.itemID = itemID
        self.itemType = itemType
        self.label = label
        self.summary = summary
        self.source = source
        self.embeddingRow = embeddingRow
    }
}

/// The committed items, in insertion order, and one contiguous `EmbeddingMatrix` of their
/// embeddings: the recall index. Row `r` belongs to `items[embeddedIndices[r]]`; when every
/// item has an embedding, row `i` is `items[i]`.
public struct CommittedIndex: Sendable {
    /// Every committed item, in insertion order.
    public let items: [CommittedItem]
    /// Their embeddings, or nil when none has one.
    public let embeddings: EmbeddingMatrix?
    /// For each row of `embeddings`, the index in `items` of its item (increasing).
    public let embeddedIndices: [Int]

    /// The number of committed items.
    public var count: Int { items.count }
    /// The item ids, in insertion order.
    public var ids: [String] { items.map(\.itemID) }
    /// The item types, in insertion order.
    public var types: [String] { items.map(\.itemType) }
    /// The labels, in insertion order.
    public var labels: [String] { items.map(\.label) }

    /// An index of `items` whose `embeddingRow`s index `embeddings`.
    /// - Precondition: `embeddedIndices[r]` is the item of row `r`, increasing.
    public init(items: [CommittedItem], embeddings: EmbeddingMatrix?, embeddedIndices: [Int]) {
        precondition(embeddedIndices.count == (embeddings?.rows ?? 0), "one item per embedding row")
        self.items = items
        self.embeddings = embeddings
        self.embeddedIndices = embeddedIndices
    }
}

extension CurationStore {
    /// Loads every committed item and their embeddings, in one read transaction, filling the
    /// matrix straight from the stored blobs (no per-row arrays).
    /// - Throws: `StoreError.corruptEmbedding` for a damaged row, or a `DatabaseError`.
    /// - Complexity: O(items × dimension).
    public func loadCommitted() throws -> CommittedIndex {
        try read { db in
            let expected = try Int.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'committed'") ?? 0
            var filler = MatrixFiller(expectedRows: expected, dimension: try Self.embeddingDimension(db) ?? 0, table: "committed")
            var items: [CommittedItem] = []
            var embeddedIndices: [Int] = []
            let rows = try Row.fetchCursor(db, sql: """
                SELECT item_id, item_type, label, summary, source, embedding, dim FROM committed ORDER BY seq
                """)
            while let row = try rows.next() {
                let id: String = row[0]
                let embeddingRow = try filler.append(row, blobIndex: 5, dimIndex: 6, id: id)
                if embeddingRow != nil { embeddedIndices.append(items.count) }
                items.append(CommittedItem(itemID: id, itemType: row[1], label: row[2], summary: row[3],
                                           source: row[4], embeddingRow: embeddingRow))
            }
            return CommittedIndex(items: items, embeddings: try filler.finish(), embeddedIndices: embeddedIndices)
        }
    }
}
