import Foundation

/// An importer of rows without vectors (resolutions, source rows): `importFile` reads the file
/// and hands it to `importData`.
public protocol PlainRowImporter: Sendable {
    /// Imports JSON Lines `data`; `path` names it in errors.
    /// - Throws: `ImportError`; the store is then unchanged.
    func importData(_ data: Data, path: String) throws(ImportError) -> ImportSummary
}

extension PlainRowImporter {
    /// Imports the JSON Lines file at `path`.
    /// - Throws: `ImportError`; the store is then unchanged.
    @discardableResult
    public func importFile(_ path: String) throws(ImportError) -> ImportSummary {
        try importData(ImportPlan.contents(ofFile: path), path: path)
    }
}

/// An importer of rows that carry vectors (prospects, committed rows): `importFile` reads the
/// file and hands it to `importData`.
public protocol VectorRowImporter: Sendable {
    /// Imports JSON Lines `data`; `path` names it in errors.
    /// - Parameter format: the rows' shape; nil: decided by the first line.
    /// - Throws: `ImportError`; the store is then unchanged.
    func importData(_ data: Data, path: String, vectors: VectorSource, format: ImportFormat?) async throws(ImportError) -> ImportSummary
}

extension VectorRowImporter {
    /// Imports the JSON Lines file at `path`.
    /// - Parameter format: the rows' shape; nil: decided by the first line.
    /// - Throws: `ImportError`; the store is then unchanged.
    @discardableResult
    public func importFile(_ path: String, vectors: VectorSource, format: ImportFormat? = nil) async throws(ImportError) -> ImportSummary {
        try await importData(ImportPlan.contents(ofFile: path), path: path, vectors: vectors, format: format)
    }
}
