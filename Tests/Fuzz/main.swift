// curate-fuzz: coverage-guided fuzz targets for the inputs curate takes from outside.
//
//   jsonl      the prospects JSONL importer (parse, validate, write into an in-memory store)
//   decisions  the curator decision parser (a tool input as JSON text → routes)
//
// Built normally it replays inputs: `curate-fuzz <target> <file or directory>…` runs every file
// through the target (the regression check of the corpus kept in Tests/Fuzz/corpus). Built for
// fuzzing (`make fuzz`, which passes -DFUZZING, the sanitizer coverage flags and links
// libFuzzer's driver) it hands the target to libFuzzer: `curate-fuzz <target> [libFuzzer flags] [corpus dir]`.
import CurationProviders
import CurationStore
import Dispatch
import Foundation

/// A fuzz target: one input, any bytes. It must never crash or hang; errors are fine.
enum FuzzTarget: String, CaseIterable {
    case jsonl, decisions

    func run(_ bytes: UnsafeRawBufferPointer) {
        let data = Data(bytes)
        switch self {
        case .jsonl:
            Self.waitFor {
                guard let store = try? CurationStore.inMemory() else { fatalError("cannot open an in-memory store") }
                let importer = ProspectImporter(store: store)
                _ = try? await importer.importData(data, path: "fuzz.jsonl", vectors: .automatic(HashingEmbedder(dimension: 8)))
            }
        case .decisions:
            // First byte: the cluster size (0...31); the rest: the tool input's JSON text.
            let memberCount = Int(data.first ?? 1) % 32
            guard let input = try? JSONValue(parsing: data.dropFirst()) else { return }
            if case let .routes(routes) = CuratorAnswer.parse(.succeeded(toolInput: input), memberCount: memberCount) {
                precondition(routes.count == memberCount, "one route per member")
            }
        }
    }

    /// Runs `body` on a task and blocks this thread until it ends. libFuzzer calls a target from
    /// a synchronous C callback while the importer is async: this bridge is the fuzz driver's
    /// alone (the libraries never block on a task).
    private static func waitFor(_ body: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            await body()
            done.signal()
        }
        done.wait()
    }
}

func usage() -> Never {
    FileHandle.standardError.write(Data("""
        usage: curate-fuzz <\(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|"))> <file or directory>…

        """.utf8))
    exit(64)
}

// The target is the first argument; libFuzzer's own re-runs of this program (-merge, -fork)
// drop it, so it is also passed down in CURATE_FUZZ_TARGET.
let named = CommandLine.arguments.count >= 2 ? FuzzTarget(rawValue: CommandLine.arguments[1]) : nil
guard let target = named ?? ProcessInfo.processInfo.environment["CURATE_FUZZ_TARGET"].flatMap(FuzzTarget.init) else {
    usage()
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

nonisolated(unsafe) var selected = target
setenv("CURATE_FUZZ_TARGET", target.rawValue, 1)
// libFuzzer reads its own flags from argv: drop the target name.
var arguments = [CommandLine.arguments[0]] + CommandLine.arguments.dropFirst(named == nil ? 1 : 2)
var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
var argc = Int32(arguments.count)
exit(cArguments.withUnsafeMutableBufferPointer { buffer in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        selected.run(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }
})
#else
var files: [URL] = []
for path in CommandLine.arguments.dropFirst(2) {
    let url = URL(fileURLWithPath: path)
    if let names = try? FileManager.default.contentsOfDirectory(atPath: path) {
        files += names.sorted().map { url.appendingPathComponent($0) }
    } else {
        files.append(url)
    }
}
guard !files.isEmpty else { usage() }
for file in files {
    guard let data = try? Data(contentsOf: file) else {
        FileHandle.standardError.write(Data("curate-fuzz: cannot read \(file.path)\n".utf8))
        exit(1)
    }
    data.withUnsafeBytes { target.run($0) }
}
print("\(target.rawValue): \(files.count) input(s) replayed without a crash")
#endif
