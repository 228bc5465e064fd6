import ArgumentParser
import Curation
import Foundation
import Kernels

/// `curate import`: loads prospects or committed items from JSON Lines into the store.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import prospects or committed items from JSON Lines into the store.",
        discussion: """
            Imports are all or nothing: every line is checked first and the rows are written in \
            one transaction, so a bad line (reported with its file and line number) leaves the \
            store as it was. They are idempotent: lines whose id is already in the store are \
            skipped and counted as already present.

            Vectors come from --embeddings FILE.f32 --dim D (row i is line i+1), or from an \
            inline "embedding" array on every line, or else from the configured embedder \
            (embedder = "hashing" by default; its text is label + ". " + summary). Every vector \
            of a store has one dimension and comes from one source.

            Examples:
              curate import prospects prospects.jsonl --embeddings prospects.f32 --dim 384
              curate import committed committed.jsonl --db curate.sqlite --json
            """,
        subcommands: [ImportProspects.self, ImportCommitted.self]
    )
}

/// `curate import prospects FILE.jsonl`.
struct ImportProspects: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prospects",
        abstract: "Import prospects (one JSON object per line).",
        discussion: """
            Fields: prospect_id, anchor_key and ts are required (ts: ISO-8601 with Z or a UTC \
            offset, stored in UTC); anchor_type, prospect_type, label, summary, source_dataset \
            are optional strings; confidence is an optional number in [0, 1] (default 0.5); \
            source_keys is optional JSON; embedding an optional array of numbers. Other fields \
            are ignored. Each session (anchor_key) keeps the latest ts of its prospects.

            \(ImportCommandOptions.exitStatusHelp)
            """
    )

    @OptionGroup var options: ImportCommandOptions

    func run() throws {
        try options.run(kind: "prospects") { store, path, vectors throws(ImportError) in
            try ProspectImporter(store: store).importFile(path, vectors: vectors)
        }
    }
}

/// `curate import committed FILE.jsonl`.
struct ImportCommitted: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "committed",
        abstract: "Import committed items, the knowledge recall searches (one JSON object per line).",
        discussion: """
            Fields: item_id and item_type are required strings; label and summary are optional \
            strings; embedding an optional array of numbers. Other fields are ignored.

            \(ImportCommandOptions.exitStatusHelp)
            """
    )

    @OptionGroup var options: ImportCommandOptions

    func run() throws {
        try options.run(kind: "committed") { store, path, vectors throws(ImportError) in
            try CommittedImporter(store: store).importFile(path, vectors: vectors)
        }
    }
}

/// The arguments both import commands share.
struct ImportCommandOptions: ParsableArguments {
    static let exitStatusHelp = """
        Exit status:
          0   success (also when every line was already present)
          1   the database could not be opened or written
          2   bad input, and the store is unchanged: unreadable file, invalid JSON
              Lines, missing or mistyped field, duplicate id, bad timestamp, .f32
              size or row count mismatch, NaN or infinite value, vectors of another
              dimension or model than the store's, or a bad config file (the
              message names the file and the line)
          64  usage error: unknown flag, missing or invalid flag value
        """

    @Argument(help: ArgumentHelp("The JSON Lines file to import.", valueName: "file.jsonl"))
    var file: String

    @Option(help: ArgumentHelp("The SQLite database (created when missing).", valueName: "file"))
    var db = "curate.sqlite"

    @Option(help: ArgumentHelp("Vectors as raw little-endian float32, row i for line i+1 (needs --dim).", valueName: "file.f32"))
    var embeddings: String?

    @Option(name: .customLong("dim"), parsing: .unconditional,
            help: ArgumentHelp("Values per row of --embeddings.", valueName: "n"))
    var dimension: Int?

    @Option(help: ArgumentHelp("Configuration file (default: curate.toml next to the database, if any).", valueName: "file"))
    var config: String?

    @Flag(help: "Print the summary as one line of JSON with sorted keys.")
    var json = false

    func validate() throws {
        if embeddings != nil && dimension == nil { throw ValidationError("--embeddings needs --dim") }
        if embeddings == nil && dimension != nil { throw ValidationError("--dim is only for --embeddings") }
        if let dimension, dimension < 1 { throw ValidationError("--dim must be at least 1 (got \(dimension))") }
    }

    func run(kind: String,
             _ body: (CurationStore, String, VectorSource) throws(ImportError) -> ImportSummary) throws {
        let configuration: CurateConfig
        do {
            configuration = try CurateConfig.load(configPath: config, databasePath: db)
        } catch {
            standardError("error: \(error.description)")
            throw ExitCode(2)
        }
        // Check the inputs can be read before the store is opened (which creates a missing file).
        for path in [file] + (embeddings.map { [$0] } ?? []) {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                standardError("error: \(InputFileError(path: path, reason: .unreadable(String(cString: strerror(errno)))))")
                throw ExitCode(2)
            }
            close(fd)
        }
        let store: CurationStore
        do {
            store = try CurationStore(path: db, access: .queue)
        } catch {
            standardError("error: \(error.description)")
            throw ExitCode.failure
        }
        let vectors: VectorSource
        if let embeddings, let dimension {
            vectors = .file(path: embeddings, dimension: dimension)
        } else {
            vectors = .automatic(makeEmbedder: { try configuration.makeEmbedder(store: store) })
        }
        let summary: ImportSummary, seconds: Double
        do {
            (summary, seconds) = try Stopwatch.measure { () throws(ImportError) in try body(store, file, vectors) }
        } catch {
            standardError("error: \(error.description)")
            if case .store = error { throw ExitCode.failure }
            throw ExitCode(2)
        }
        if json {
            let output: JSONValue = .object([
                "kind": .string(kind),
                "file": .string(summary.path),
                "db": .string(db),
                "read": .integer(summary.read),
                "inserted": .integer(summary.inserted),
                "already_present": .integer(summary.alreadyPresent),
                "sessions_touched": .integer(summary.sessionsTouched),
                "embedded": .integer(summary.embedded),
                "vector_source": .string(summary.vectorSource),
                "dimension": summary.dimension.map(JSONValue.integer) ?? .null,
                "seconds": .number(seconds),
            ])
            OutputFile.writeStandardOutput(output.serialized() + "\n")
            return
        }
        var line = "imported \(kind) from \(summary.path) into \(db): \(summary.read) read, \(summary.inserted) inserted, "
            + "\(summary.alreadyPresent) already present"
        if kind == "prospects" { line += ", \(summary.sessionsTouched) session\(summary.sessionsTouched == 1 ? "" : "s") touched" }
        if summary.inserted > 0 {
            switch summary.vectorSource {
            case "none": line += ", no vectors"
            case "file", "inline": line += ", vectors from \(summary.vectorSource)"
            default: line += ", \(summary.embedded) embedded with \(summary.vectorSource)"
            }
            if let dimension = summary.dimension { line += " (dim \(dimension))" }
        }
        line += String(format: " in %.2f s", seconds)
        OutputFile.writeStandardOutput(line + "\n")
    }
}
