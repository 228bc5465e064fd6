import Curation
import CurationStore
import CurationTestSupport
import Foundation
import Kernels
import XCTest

/// Issue 14, items 6 and 7 in the library: the store's files are owner-only, and no dimension,
/// line or file size traps or reads without bound.
final class FileBoundsTests: XCTestCase {
    private func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    // MARK: Store modes

    /// Reproduced: under umask 022 the store, its `-wal` and its `-shm` were 0644.
    func testANewStoreAndItsWALAndSHMAreOwnerOnlyWhateverTheUmask() throws {
        let dir = try StoreScratch()
        for (mask, access) in [(mode_t(0o022), CurationStore.Access.pool), (0o022, .queue), (0o000, .pool), (0o277, .queue)] {
            let previous = umask(mask)
            defer { umask(previous) }
            let path = dir.path("umask-\(String(mask, radix: 8))-\(access).sqlite")
            let store = try CurationStore(path: path, access: access)
            try StoreScratch.insertProspect(store, id: "a", anchor: "s", ts: "2026-01-01T00:00:00.000Z", vector: [1, 0])
            XCTAssertEqual(try store.counts().prospects, 1, "the store is writable")
            for suffix in ["", "-wal", "-shm"] {
                XCTAssertEqual(mode(path + suffix), 0o600, "\(suffix.isEmpty ? "store" : suffix), umask \(String(mask, radix: 8)), \(access)")
            }
            withExtendedLifetime(store) {}
        }
    }

    /// An existing file is left as it is: its owner chose its mode.
    func testAnExistingStoreKeepsItsMode() throws {
        let dir = try StoreScratch()
        let path = dir.path("s.sqlite")
        _ = try CurationStore(path: path, access: .queue)
        XCTAssertEqual(chmod(path, 0o640), 0)
        let store = try CurationStore(path: path, access: .pool)
        XCTAssertEqual(try store.counts().prospects, 0)
        XCTAssertEqual(mode(path), 0o640)
    }

    // MARK: Dimensions never trap

    private static let hugeDimensions = [Int.max, Int.max / 4 + 1, 1 << 61, 1 << 62, 65_537]

    /// Reproduced: `dimension × 4` overflowed (a trap) in `EmbeddingMatrix(contentsOfFile:dimension:)`.
    func testEmbeddingMatrixRefusesAHugeDimensionWithoutTrapping() throws {
        let dir = try TemporaryDirectory()
        let f32 = try dir.writeF32("v.f32", [[1, 2, 3, 4]])
        for dimension in Self.hugeDimensions.dropLast() {
            XCTAssertThrowsError(try EmbeddingMatrix(contentsOfFile: f32, dimension: dimension), "\(dimension)") { error in
                XCTAssertFalse("\(error)".isEmpty)
            }
            XCTAssertThrowsError(try EmbeddingMatrix(littleEndianFloat32: Data(count: 16), dimension: dimension), "\(dimension)") { error in
                XCTAssertFalse("\(error)".isEmpty)
            }
        }
        let empty = try dir.write("empty.f32", "")
        XCTAssertEqual(try EmbeddingMatrix(contentsOfFile: empty, dimension: Int.max).rows, 0)
    }

    /// Reproduced: `LabeledEmbeddings` (cluster, recall) trapped on `dimension × 4`.
    func testLabeledEmbeddingsRefuseADimensionAboveTheLimit() throws {
        let dir = try TemporaryDirectory()
        let jsonl = try dir.writeJSONL("p.jsonl", ["a"])
        let f32 = try dir.writeF32("p.f32", [[1, 2, 3, 4]])
        for dimension in Self.hugeDimensions {
            XCTAssertThrowsError(try ClusterInput(prospectsPath: jsonl, embeddingsPath: f32, dimension: dimension)) { error in
                XCTAssertEqual("\(error)", "\(f32): dimension \(dimension) is too large, it must be at most 65536")
            }
        }
        let wide = try dir.writeF32("wide.f32", [(0..<65_536).map { Float($0 % 7) + 1 }])
        XCTAssertEqual(try ClusterInput(prospectsPath: jsonl, embeddingsPath: wide, dimension: 65_536).items.matrix.dimension, 65_536)
    }

    /// Reproduced: the importer's `.f32` reader trapped on `dimension × 4`.
    func testTheImporterRefusesAHugeDimensionWithoutTrapping() async throws {
        let dir = try StoreScratch()
        let jsonl = try dir.writeLines("p.jsonl", [StoreScratch.prospect("a")])
        let f32 = try dir.writeF32("p.f32", [[1, 2, 3, 4]])
        let store = try CurationStore.inMemory()
        for dimension in Self.hugeDimensions {
            await XCTAssertThrowsErrorAsync(try await ProspectImporter(store: store)
                .importFile(jsonl, vectors: .file(path: f32, dimension: dimension))) { error in
                XCTAssertEqual("\(error)", "\(f32): dimension \(dimension) is too large, it must be at most 65536")
            }
        }
        XCTAssertEqual(try store.counts().prospects, 0)
    }

    /// Reproduced: the description of a byte count error computed `dimension × 4` (a trap).
    func testByteCountErrorsDescribeAnyDimension() {
        let error = InputFileError(path: "e.f32", reason: .embeddingByteCount(bytes: 10, dimension: Int.max))
        XCTAssertEqual(error.description, "e.f32: 10 bytes is not a whole number of float32 rows of dimension \(Int.max)")
        XCTAssertEqual(InputFileError(path: "e.f32", reason: .embeddingByteCount(bytes: 10, dimension: 2)).description,
                       "e.f32: 10 bytes is not a whole number of float32 rows of dimension 2 (8 bytes each)")
    }

    // MARK: JSON Lines bounds

    /// Reproduced: lines of any length were parsed.
    func testALineLongerThanOneMiBIsRefusedWithItsLineNumber() throws {
        let limit = 1 << 20
        func line(_ id: String, bytes: Int) -> String {
            let head = #"{"prospect_id": "\#(id)", "x": ""#
            return head + String(repeating: "y", count: bytes - head.utf8.count - 2) + "\"}"
        }
        let reader = JSONLIdReader()
        XCTAssertEqual(try reader.read(Data((line("a", bytes: limit) + "\r\n" + line("b", bytes: 40) + "\n").utf8), path: "ok.jsonl"),
                       ["a", "b"], "1 MiB, CR excluded, is the limit")
        XCTAssertThrowsError(try reader.read(Data(("{\"prospect_id\": \"a\"}\n" + line("b", bytes: limit + 1) + "\n").utf8),
                                             path: "long.jsonl")) { error in
            XCTAssertEqual((error as? InputFileError)?.line, 2)
            XCTAssertEqual("\(error)", "long.jsonl:2: line of 1048577 bytes is longer than 1 MiB (1048576 bytes)")
        }
        // A file: refused before any line is parsed, with the first over-long line's number.
        let dir = try TemporaryDirectory()
        let path = try dir.write("long.jsonl", "not json\n" + String(repeating: " ", count: limit + 1) + "\n")
        XCTAssertThrowsError(try reader.read(contentsOfFile: path)) { error in
            XCTAssertEqual("\(error)", "\(path):2: line of 1048577 bytes is longer than 1 MiB (1048576 bytes)")
        }
    }

    /// Only regular files are read: a FIFO (opening it does not block), a device, a directory.
    func testOnlyRegularFilesAreRead() async throws {
        let dir = try StoreScratch()
        let fifo = dir.path("fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let jsonl = try dir.writeLines("p.jsonl", [StoreScratch.prospect("a")])
        for (path, reason) in [(fifo, "not a regular file (a FIFO)"), ("/dev/zero", "not a regular file (a character device)"),
                               ("/dev/null", "not a regular file (a character device)"), (dir.url.path, "Is a directory")] {
            let expected = "cannot read \(path): \(reason)"
            XCTAssertThrowsError(try JSONLIdReader().read(contentsOfFile: path)) { error in
                XCTAssertEqual("\(error)", expected)
            }
            await XCTAssertThrowsErrorAsync(try await ProspectImporter(store: try CurationStore.inMemory())
                .importFile(jsonl, vectors: .file(path: path, dimension: 4))) { error in
                XCTAssertEqual("\(error)", expected)
            }
            XCTAssertThrowsError(try ClusterInput(prospectsPath: jsonl, embeddingsPath: path, dimension: 4)) { error in
                XCTAssertEqual("\(error)", expected)
            }
        }
    }

    /// A sparse `.f32` of 4 GiB is refused from its size, before it is read.
    func testTheImporterChecksTheF32SizeBeforeReading() async throws {
        let dir = try StoreScratch()
        let jsonl = try dir.writeLines("p.jsonl", [StoreScratch.prospect("a")])
        let f32 = dir.path("big.f32")
        let fd = open(f32, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        XCTAssertEqual(ftruncate(fd, 4 << 30), 0)
        close(fd)
        let start = Date()
        await XCTAssertThrowsErrorAsync(try await ProspectImporter(store: try CurationStore.inMemory())
            .importFile(jsonl, vectors: .file(path: f32, dimension: 1024))) { error in
            XCTAssertEqual("\(error)", "\(f32): has 1048576 rows but \(jsonl) has 1 line (row i of the .f32 is line i+1 of the .jsonl)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, "nothing was read")
    }
}
