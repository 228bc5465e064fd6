import Foundation
import GRDB
import Kernels

/// One committed item: a node of the knowledge graph, `(item_type, item_id)`, which the curator
/// can recall. The committed table holds several rows per node (one per contributing session);
/// the node shows the label, summary and vector of its representative row (see
/// `CurationStore.loadCommitted()`).
public struct CommittedItem: Equatable, Sendable {
    /// The item's key (`item_id`).
    public let itemID: String
    /// Its type: with the key, the node's identity.
    public let itemType: String
    /// Short name, possibly empty.
    public let label: String
    /// One-sentence summary, possibly empty.
    public let summary: String
    /// `"import"` or `"curator"`: who wrote the representative row.
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

    /// Its text (`itemText(type:label:summary:)`, `seed-contract.md` §2): what its recall lines show.
    public var text: String { itemText(type: itemType, label: label, summary: summary) }
}

/// The committed items (one per node, in order of the node's first row), and one contiguous `EmbeddingMatrix` of their
/// embeddings: the recall index. Row `r` belongs to `items[embeddedIndices[r]]`; when every
/// item has an embedding, row `i` is `items[i]`.
public struct CommittedIndex: Sendable {
    /// Every committed item, one per node.
    public let items: [CommittedItem]
    /// Their embeddings, or nil when none has one.
    public let embeddings: EmbeddingMatrix?
    /// For each row of `embeddings`, the index in `items` of its item (increasing).
    public let embeddedIndices: [Int]

    /// The number of committed items (nodes).
    public var count: Int { items.count }
    /// The item ids, in index order.
    public var ids: [String] { items.map(\.itemID) }
    /// The item types, in index order.
    public var types: [String] { items.map(\.itemType) }
    /// The labels, in index order.
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
    /// Loads the recall index: one item per node `(item_type, item_id)`, in order of the node's
    /// first row, with its **representative row**'s label and summary: its latest row (by
    /// `committed_at`, then insertion) not written by a merge, rows with a summary first. So a
    /// `deepen` (or a commit, or an import) refreshes what recall sees, while a merge — whose row
    /// carries the merging prospect's label and often no summary — does not replace the item's
    /// own text. (Rows imported from the original do not say which decision wrote them: among
    /// them, one with a summary is preferred, as merges seldom have one.) The vector is the
    /// representative row's, else that of the next row in the same order that has one. A curator
    /// row's vector embeds its own text when the store's vectors come from an embedder, and is
    /// its prospect's when they came with the data.
    ///
    /// One read transaction; the matrix is filled straight from the stored blobs (no per-row
    /// arrays).
    /// - Throws: `StoreError.corruptEmbedding` for a damaged row, or a `DatabaseError`.
    /// - Complexity: O(rows log rows + nodes × dimension).
    public func loadCommitted() throws -> CommittedIndex {
        try read { db in
            // An estimate only (rows, not nodes; no scan): the buffer is trimmed at the end.
            let expected = try Int.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'committed'") ?? 0
            var filler = MatrixFiller(expectedRows: expected, dimension: try Self.embeddingDimension(db) ?? 0, table: "committed")
            var items: [CommittedItem] = []
            var embeddedIndices: [Int] = []
            let order = "coalesce(decision = 'merge', 0), summary = '', committed_at DESC, seq DESC"
            let rows = try Row.fetchCursor(db, sql: """
                SELECT item_id, item_type, label, summary, source, vector, vector_dim FROM (
                    SELECT *, row_number() OVER (node ORDER BY \(order)) AS rank,
                              first_value(embedding) OVER (node ORDER BY embedding IS NULL, \(order)) AS vector,
                              first_value(dim) OVER (node ORDER BY embedding IS NULL, \(order)) AS vector_dim,
                              min(seq) OVER (node) AS first_seq
                    FROM committed
                    WINDOW node AS (PARTITION BY item_type, item_id))
                WHERE rank = 1 ORDER BY first_seq
                """)
            while let row = try rows.next() {
                let id: String = row[0]
                let embeddingRow = try filler.append(row, blobIndex: 5, dimIndex: 6, id: id)
                if embeddingRow != nil { embeddedIndices.append(items.count) }
                items.append(CommittedItem(itemID: id, itemType: row[1], label: row[2] ?? "", summary: row[3],
                                           source: row[4], embeddingRow: embeddingRow))
            }
            return CommittedIndex(items: items, embeddings: try filler.finish(), embeddedIndices: embeddedIndices)
        }
    }
}
