import Foundation
import XCTest

/// Runs the built `curate` executable as a subprocess, the way users and other tools do.
enum CurateProcess {
    /// What one run produced.
    struct Result {
        /// The exit status, or the signal number when `killed`.
        var status: Int32
        /// Whether a signal ended the process.
        var killed: Bool
        var stdout: Data
        var stderr: String
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// The `curate` executable of the build under test: `CURATE_BINARY` when set, else the one
    /// built next to this test bundle (see `product(_:)`).
    static let executable: URL? = {
        if let path = ProcessInfo.processInfo.environment["CURATE_BINARY"] { return URL(fileURLWithPath: path) }
        return product("curate")
    }()

    /// The executable product `name` of the build under test: the one in the products
    /// directory that holds this test bundle (`swift test`, `swift test -c release`, any
    /// `--scratch-path`), else in `.build/debug` or `.build/release` of the package.
    static func product(_ name: String) -> URL? {
        productDirectories.lazy.map { $0.appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    private static let productDirectories: [URL] = {
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
        return directories + configurations.map { package.appendingPathComponent(".build/\($0)") }
    }()

    /// Starts `curate arguments…` in `directory` without waiting.
    /// - Parameter environment: variables set (a nil value removes one) over this process's.
    /// - Parameter log: a file standard output and standard error both go to (created empty);
    ///   nil: they are discarded.
    static func start(_ arguments: [String], in directory: URL, environment overrides: [String: String?] = [:],
                      log: URL? = nil) throws -> Running {
        let executable = try XCTUnwrap(Self.executable, "built curate executable not found; set CURATE_BINARY")
        var output = FileHandle.nullDevice
        if let log {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            output = try FileHandle(forWritingTo: log)
        }
        let process = makeProcess(executable, arguments, in: directory, overrides: overrides, output: output, error: output)
        try process.run()
        return Running(process: process)
    }

    /// A `curate` process started by `start`.
    struct Running {
        let process: Process

        /// Sends `SIGKILL` (no cleanup runs) and waits for the process to end.
        func kill() {
            _ = Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Runs `curate arguments…` in `directory`, with `COLUMNS=80` so help text wraps the same
    /// everywhere, and waits for it.
    /// - Parameter environment: variables set (a nil value removes one) over this process's.
    /// - Parameter product: another executable of the build to run instead of `curate`.
    static func run(_ arguments: [String], in directory: URL? = nil, environment overrides: [String: String?] = [:],
                    product: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        let executable = try XCTUnwrap(product.map(Self.product) ?? Self.executable,
                                       "built \(product ?? "curate") executable not found; set CURATE_BINARY", file: file, line: line)
        return try run(executable: executable, arguments, in: directory, environment: overrides)
    }

    /// Runs any `executable` with `arguments` the same way, and waits for it.
    static func run(executable: URL, _ arguments: [String], in directory: URL? = nil,
                    environment overrides: [String: String?] = [:]) throws -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("curate-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Files, not pipes: a pipe could fill up and block the child while we wait.
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let process = makeProcess(executable, arguments, in: directory, overrides: overrides, output: out, error: err)
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return Result(status: process.terminationStatus, killed: process.terminationReason == .uncaughtSignal,
                      stdout: try Data(contentsOf: outURL),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// A process of `executable` with `COLUMNS=80` (help text wraps the same everywhere) and
    /// `overrides` over this process's environment, standard input empty.
    private static func makeProcess(_ executable: URL, _ arguments: [String], in directory: URL?,
                                    overrides: [String: String?], output: FileHandle, error: FileHandle) -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var environment = ProcessInfo.processInfo.environment
        environment["COLUMNS"] = "80"
        for (name, value) in overrides { environment[name] = value }
        process.environment = environment
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        return process
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
