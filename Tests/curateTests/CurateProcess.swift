import Foundation
import XCTest

/// Runs the built `curate` executable as a subprocess, the way users and other tools do.
enum CurateProcess {
    /// What one run produced.
    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// The `curate` executable of the build under test: `CURATE_BINARY` when set, else the one
    /// in the products directory that holds this test bundle (`swift test`, `swift test -c
    /// release`, any `--scratch-path`), else `.build/debug` or `.build/release` of the package.
    static let executable: URL? = {
        let fileManager = FileManager.default
        if let path = ProcessInfo.processInfo.environment["CURATE_BINARY"] { return URL(fileURLWithPath: path) }
        var directories: [URL] = []
        // macOS: the products directory holds the .xctest bundle.
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        // Linux: the test bundle is an executable in the products directory.
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        if me.path != "/proc/self/exe" { directories.append(me.deletingLastPathComponent()) }
        directories.append(Bundle.main.bundleURL)
        directories.append(Bundle.main.bundleURL.deletingLastPathComponent())
        // Last resort: the package's default build directories (the configuration under test first).
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        #if DEBUG
        let configurations = ["debug", "release"]
        #else
        let configurations = ["release", "debug"]
        #endif
        directories += configurations.map { package.appendingPathComponent(".build/\($0)") }
        return directories.lazy.map { $0.appendingPathComponent("curate") }
            .first { fileManager.isExecutableFile(atPath: $0.path) }
    }()

    /// Runs `curate arguments…` in `directory`, with `COLUMNS=80` so help text wraps the same
    /// everywhere, and waits for it.
    static func run(_ arguments: [String], in directory: URL? = nil,
                    file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        let executable = try XCTUnwrap(Self.executable, "built curate executable not found; set CURATE_BINARY",
                                       file: file, line: line)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("curate-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Files, not pipes: a pipe could fill up and block the child while we wait.
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var environment = ProcessInfo.processInfo.environment
        environment["COLUMNS"] = "80"
        process.environment = environment
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return Result(status: process.terminationStatus,
                      stdout: try Data(contentsOf: outURL),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}

/// A temporary directory of input files, removed at the end of the test.
final class InputDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("curate-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `text` (UTF-8, as given) to `name`.
    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: url.appendingPathComponent(name))
    }

    /// Writes `rows` as little-endian float32 to `name`.
    func writeF32(_ name: String, _ rows: [[Float]]) throws {
        var data = Data()
        for value in rows.joined() { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        try data.write(to: url.appendingPathComponent(name))
    }

    /// Writes JSON Lines of `{"<field>": id, "label": …}`.
    func writeJSONL(_ name: String, field: String = "prospect_id", _ ids: [String]) throws {
        try write(name, ids.map { #"{"\#(field)": "\#($0)", "label": "item \#($0)", "n": 1}"# + "\n" }.joined())
    }

    /// Names of the files in the directory.
    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }
}
