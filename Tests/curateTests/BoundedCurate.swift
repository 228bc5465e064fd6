import Foundation
import XCTest

/// Runs `curate` with a time limit and an address-space limit (`timeout`, `ulimit -v`), so a test
/// of unbounded reading fails (killed, or out of memory) instead of hanging or exhausting the
/// machine; crash backtraces are off so such a failure is quick.
enum BoundedCurate {
    /// What one bounded run produced, and how long it took.
    struct Outcome {
        var result: CurateProcess.Result
        var seconds: Double
    }

    /// Runs `curate arguments…` in `directory`, killed after `seconds`, with at most
    /// `addressSpaceKiB` of virtual memory.
    static func run(_ arguments: [String], in directory: URL, seconds: Int = 60, addressSpaceKiB: Int = 2_000_000,
                    file: StaticString = #filePath, line: UInt = #line) throws -> Outcome {
        let curate = try XCTUnwrap(CurateProcess.executable, "built curate executable not found; set CURATE_BINARY", file: file, line: line)
        let script = "ulimit -v \(addressSpaceKiB) && exec timeout -s KILL \(seconds) \"$0\" \"$@\""
        let start = Date()
        let result = try CurateProcess.run(executable: URL(fileURLWithPath: "/bin/sh"), ["-c", script, curate.path] + arguments,
                                           in: directory, environment: ["SWIFT_BACKTRACE": "enable=no"])
        return Outcome(result: result, seconds: Date().timeIntervalSince(start))
    }
}

/// File modes, as `stat` reports them.
enum FileMode {
    /// The permission bits of the file at `path` (nil when it does not exist).
    static func of(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    /// Runs `body` with the process umask set to `mask` (children inherit it), then restores it.
    static func withUmask<T>(_ mask: mode_t, _ body: () throws -> T) rethrows -> T {
        let previous = umask(mask)
        defer { umask(previous) }
        return try body()
    }
}
