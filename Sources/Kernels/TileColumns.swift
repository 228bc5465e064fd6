import CKernels

/// The column side of similarity tiles, in the layout its encoding's kernel reads: rows added one
/// by one (the seeds of a clustering) or every row of a matrix at once (a recall database).
///
/// `float32` columns are contiguous float rows (borrowed from the encoded rows when they are
/// every row). `bfloat16` and `int8` columns live in panels of `CK_PANEL` columns (`ck_narrow.h`), with,
/// for int8, each column's scale and component sum (and a screen's fixes, panel by panel)
/// alongside, room for whole panels.
package final class TileColumns: @unchecked Sendable {
    /// Columns per panel of the narrow encodings.
    package static let panelWidth = Int(CK_PANEL)

    package let encoding: TileEncoding
    package let dimension: Int
    /// Columns held.
    package private(set) var count = 0
    /// The largest int8 code any column may hold (`EncodedRows.maxCode`).
    package private(set) var maxCode: Int32 = 0
    private var capacity: Int
    private var storage: UnsafeMutableRawPointer
    private var scales: UnsafeMutablePointer<Float>?
    private var sums: UnsafeMutablePointer<Int32>?
    /// `CK_I8_FIXES` × `CK_PANEL` floats per panel, when the columns carry fixes.
    private var fixes: UnsafeMutablePointer<Float>?
    /// The rows `storage` belongs to when nothing was copied (float32, every row).
    private let borrowed: EncodedRows?

    /// Bytes of one column (float32) or of one panel (narrow encodings).
    private var unitBytes: Int { Self.unitBytes(encoding, dimension) }

    /// An empty set with room for `capacity` columns (it grows as needed), for int8 columns with
    /// fixes when `fixes`.
    package init(encoding: TileEncoding, dimension: Int, fixes: Bool = false, capacity: Int = 1024) {
        precondition(!fixes || encoding == .int8, "only int8 columns carry fixes")
        self.encoding = encoding
        self.dimension = dimension
        self.capacity = Self.rounded(max(capacity, 1), encoding)
        borrowed = nil
        (storage, scales, sums, self.fixes) = Self.allocate(self.capacity, encoding, dimension, fixes: fixes)
    }

    /// Every row of `rows`, in order (float32: the source rows themselves, not copied).
    package init(allRowsOf rows: EncodedRows) {
        encoding = rows.encoding
        dimension = rows.dimension
        capacity = Self.rounded(max(rows.count, 1), rows.encoding)
        if rows.encoding == .float32 {
            borrowed = rows
            storage = UnsafeMutableRawPointer(mutating: rows.row(0))
            count = rows.count
            return
        }
        borrowed = nil
        (storage, scales, sums, fixes) = Self.allocate(capacity, encoding, dimension, fixes: rows.fixes != nil)
        for row in 0..<rows.count { append(rows, row: row) }
    }

    deinit {
        if borrowed == nil { storage.deallocate() }
        scales?.deallocate()
        sums?.deallocate()
        fixes?.deallocate()
    }

    /// Adds row `row` of `rows` (same encoding and dimension) as the next column.
    package func append(_ rows: EncodedRows, row: Int) {
        precondition(borrowed == nil && rows.encoding == encoding && rows.dimension == dimension && (rows.fixes != nil) == (fixes != nil))
        maxCode = max(maxCode, rows.maxCode)
        if count == capacity { grow() }
        let source = rows.row(row), d = dimension
        switch encoding {
        case .float32:
            (storage + count * unitBytes).copyMemory(from: source, byteCount: unitBytes)
        case .bfloat16:
            let panel = (storage + (count / Int(CK_PANEL)) * unitBytes).assumingMemoryBound(to: UInt16.self)
            ck_pack_column_bf16(source.assumingMemoryBound(to: UInt16.self), d, panel, count % Int(CK_PANEL))
        case .int8:
            let panel = (storage + (count / Int(CK_PANEL)) * unitBytes).assumingMemoryBound(to: Int8.self)
            ck_pack_column_i8(source.assumingMemoryBound(to: UInt8.self), d, panel, count % Int(CK_PANEL))
            scales![count] = rows.scales![row]
            sums![count] = rows.sums![row]
            if let fixes, let rowFixes = rows.fixes {
                let places = Int(CK_I8_FIXES), panel = Int(CK_PANEL)
                let slot = fixes + (count / panel) * places * panel + count % panel
                for f in 0..<places { slot[f * panel] = rowFixes[row * places + f] }
            }
        }
        count += 1
    }

    /// Forgets every column, keeping the storage: the next `append` writes column 0 again.
    package func removeAll() {
        precondition(borrowed == nil)
        count = 0
        maxCode = 0
    }

    /// The columns as contiguous float rows (float32 only).
    package var floatRows: UnsafePointer<Float> {
        precondition(encoding == .float32)
        return UnsafePointer(storage.assumingMemoryBound(to: Float.self))
    }

    /// The panels (narrow encodings).
    package var panels: UnsafeRawPointer { UnsafeRawPointer(storage) }
    /// The columns' scales and sums (int8).
    package var columnScales: UnsafePointer<Float>? { scales.map { UnsafePointer($0) } }
    package var columnSums: UnsafePointer<Int32>? { sums.map { UnsafePointer($0) } }
    /// The columns' fixes, panel by panel (int8 with fixes).
    package var columnFixes: UnsafePointer<Float>? { fixes.map { UnsafePointer($0) } }

    // MARK: Storage

    /// Columns rounded up to whole panels for the narrow encodings.
    private static func rounded(_ columns: Int, _ encoding: TileEncoding) -> Int {
        encoding == .float32 ? columns : (columns + Int(CK_PANEL) - 1) / Int(CK_PANEL) * Int(CK_PANEL)
    }

    private static func unitBytes(_ encoding: TileEncoding, _ dimension: Int) -> Int {
        encoding.narrowType.map { ck_narrow_panel_bytes($0, dimension) } ?? dimension * MemoryLayout<Float>.stride
    }

    /// Zeroed storage for `columns` columns (and their fixes when `fixes`).
    private static func allocate(_ columns: Int, _ encoding: TileEncoding, _ dimension: Int, fixes: Bool)
        -> (UnsafeMutableRawPointer, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Float>?) {
        let units = encoding == .float32 ? columns : columns / Int(CK_PANEL)
        let bytes = max(units * unitBytes(encoding, dimension), 1)
        let storage = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        guard encoding == .int8 else { return (storage, nil, nil, nil) }
        let scales = UnsafeMutablePointer<Float>.allocate(capacity: columns)
        let sums = UnsafeMutablePointer<Int32>.allocate(capacity: columns)
        scales.initialize(repeating: 0, count: columns)
        sums.initialize(repeating: 0, count: columns)
        guard fixes else { return (storage, scales, sums, nil) }
        let fixes = UnsafeMutablePointer<Float>.allocate(capacity: columns * Int(CK_I8_FIXES))
        fixes.initialize(repeating: 0, count: columns * Int(CK_I8_FIXES))
        return (storage, scales, sums, fixes)
    }

    private func grow() {
        let old = (storage, scales, sums, fixes), oldUnits = encoding == .float32 ? capacity : capacity / Int(CK_PANEL)
        capacity *= 2
        (storage, scales, sums, fixes) = Self.allocate(capacity, encoding, dimension, fixes: old.3 != nil)
        storage.copyMemory(from: old.0, byteCount: oldUnits * unitBytes)
        old.0.deallocate()
        if let oldScales = old.1, let oldSums = old.2 {
            scales!.update(from: oldScales, count: count)
            sums!.update(from: oldSums, count: count)
            oldScales.deallocate()
            oldSums.deallocate()
        }
        if let oldFixes = old.3 {
            // Whole panels: a panel's fixes lie together.
            fixes!.update(from: oldFixes, count: oldUnits * Int(CK_I8_FIXES) * Int(CK_PANEL))
            oldFixes.deallocate()
        }
    }
}
