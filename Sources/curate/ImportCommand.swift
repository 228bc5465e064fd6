import ArgumentParser
import Curation
import CurationStore
import Foundation
import Kernels

/// `curate import`: loads prospects, committed rows, resolutions or source rows from JSON Lines
/// into the store.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import prospects, committed rows, resolutions or source rows from JSON Lines into the store.",
        discussion: """
            Imports are all or nothing: every line is checked first and the rows are written in \
            one transaction, so a bad line (reported with its file and line number) leaves the \
            store as it was. They are idempotent: lines already in the store are skipped and \
            counted as already present.

            Prospects and committed rows come in curate's shape or in hypaware's (the rows of \
            enrichment_prospects / enrichment_committed as `hyp query sql "SELECT * FROM …" \
            --format jsonl` prints them); --format auto (the default) decides by the first line. \
            Resolutions (enrichment_resolutions) and source rows come in hypaware's shape.

            Vectors of prospects and committed rows come from --embeddings FILE.f32 --dim D (row \
            i is line i+1), or from an inline "embedding" array on every line, or else from the \
            configured embedder (embedder = "hashing" by default), which embeds \
            "<type>: <label> - <summary>". Every vector of a store has one dimension and comes \
            from one source.

            Examples:
              curate import prospects prospects.jsonl --embeddings prospects.f32 --dim 384
              curate import prospects enrichment_prospects.jsonl --format hypaware
              curate import committed enrichment_committed.jsonl --db curate.sqlite --json
              curate import resolutions enrichment_resolutions.jsonl
              curate import sources messages.jsonl
            """,
        subcommands: [ImportProspects.self, ImportCommitted.self, ImportResolutions.self, ImportSources.self]
    )
}

/// `curate import prospects FILE.jsonl`.
struct ImportProspects: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prospects",
        abstract: "Import prospects (one JSON object per line), in curate's or hypaware's shape.",
        discussion: """
            curate's shape: prospect_id, anchor_key and ts are required (ts: ISO-8601 with Z or a \
            UTC offset, stored in UTC); anchor_type, prospect_type, label, summary, source_dataset \
            are optional strings; confidence is an optional number in [0, 1] (default 0.5); \
            source_keys is optional JSON; embedding an optional array of numbers.

            hypaware's shape (enrichment_prospects): prospect_id, anchor_key and created_at are \
            required; prospect_type, label, evidence, extractor, source_dataset are strings or \
            null; anchor_type defaults to "Session"; confidence is a number in [0, 1] or null; \
            props is an object or a string holding one (its "summary" is the summary); \
            source_keys is any JSON ({"message_id": [...]} names the prospect's source rows); \
            extractor_version is an integer or a string of one.

            Other fields are ignored. Each session (anchor_key) keeps the latest timestamp of \
            its prospects (the window's fallback when no source rows are imported).

            \(ExitStatus.help)
            """
    )

    @OptionGroup var options: ImportCommandOptions
    @OptionGroup var shape: FormatOption
    @OptionGroup var vectors: VectorOptions

    func run() async throws {
        try await options.run(kind: "prospects", vectors: vectors) { input throws(ImportError) in
            try await ProspectImporter(store: input.store, onProgress: input.onProgress)
                .importFile(input.path, vectors: input.vectors, format: shape.format.chosen)
        }
    }
}

/// `curate import committed FILE.jsonl`.
struct ImportCommitted: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "committed",
        abstract: "Import committed rows, the knowledge recall searches (one JSON object per line).",
        discussion: """
            curate's shape: item_id and item_type are required strings (item_id unique in the \
            file); label and summary are optional strings; embedding an optional array of \
            numbers. An item_id already in the store is already present.

            hypaware's shape (enrichment_committed, detected by committed_at): several rows per \
            item_id, one per contributing session; item_id, item_type and committed_at are \
            required; label, anchor_type, anchor_key, source_dataset, curator are strings or \
            null; props an object or a string holding one; confidence a number or null; \
            source_keys any JSON; curator_version an integer or a string of one. A row identical \
            to a stored one is already present.

            Recall sees one item per (item_type, item_id): its latest row not written by a \
            merge, rows with a summary first. Other fields are ignored.

            \(ExitStatus.help)
            """
    )

    @OptionGroup var options: ImportCommandOptions
    @OptionGroup var shape: FormatOption
    @OptionGroup var vectors: VectorOptions

    func run() async throws {
        try await options.run(kind: "committed", vectors: vectors) { input throws(ImportError) in
            try await CommittedImporter(store: input.store, onProgress: input.onProgress)
                .importFile(input.path, vectors: input.vectors, format: shape.format.chosen)
        }
    }
}

/// `curate import resolutions FILE.jsonl`.
struct ImportResolutions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolutions",
        abstract: "Import hypaware's resolutions, so decided prospects are not curated again.",
        discussion: """
            Lines of enrichment_resolutions: prospect_id, decision (commit, merge, deepen, reject \
            or skip) and resolved_at are required; committed_ids is an array of strings (or a \
            string holding one) or null; note and curator are strings or null; curator_version \
            an integer or a string of one. A prospect with a resolution is not pending; it keeps \
            its first one (a line for a prospect already resolved is already present).

            \(ExitStatus.help)
            """
    )

    @OptionGroup var options: ImportCommandOptions

    func run() async throws {
        try await options.run(kind: "resolutions", vectors: nil) { input throws(ImportError) in
            try ResolutionImporter(store: input.store, onProgress: input.onProgress).importFile(input.path)
        }
    }
}

/// `curate import sources FILE.jsonl`.
struct ImportSources: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sources",
        abstract: "Import source rows (the sessions' messages): they set the window and the source excerpts.",
        discussion: """
            Each line has an id, a session, a timestamp and a text, in the columns the [source] \
            section of curate.toml names (defaults: id_column = "message_id", anchor_key_column = \
            "session_id", timestamp_column = "message_created_at", text_column = "content_text"). \
            The id (a string or an integer), the session and the timestamp (ISO-8601) are \
            required; the text is a string or null. An id may name several rows.

            Once a store holds source rows, a session's latest activity (what --since, --until \
            and --window compare) is the newest timestamp of its source rows, and each curator \
            request carries an excerpt of the rows its prospects' source_keys name. The rows \
            imported are the rows admitted: leave tool results out of the export query.

            \(ExitStatus.help)
            """
    )

    @OptionGroup var options: ImportCommandOptions

    func run() async throws {
        try await options.run(kind: "sources", vectors: nil) { input throws(ImportError) in
            try SourceImporter(store: input.store, columns: SourceImporter.Columns(input.config), onProgress: input.onProgress)
                .importFile(input.path)
        }
    }
}

/// `--format auto|curate|hypaware`.
struct FormatOption: ParsableArguments {
    /// What `--format` accepts.
    enum Choice: String, ExpressibleByArgument, CaseIterable {
        case auto, curate, hypaware

        /// The importer's format: nil for `auto`.
        var chosen: ImportFormat? { ImportFormat(rawValue: rawValue) }
    }

    @Option(help: ArgumentHelp("The rows' shape: auto (decided by the first line), curate or hypaware.", valueName: "format"))
    var format: Choice = .auto
}

/// `--embeddings` and `--dim`: the vectors of prospects and committed rows.
struct VectorOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Vectors as raw little-endian float32, row i for line i+1 (needs --dim).", valueName: "file.f32"))
    var embeddings: String?

    @Option(name: .customLong("dim"), parsing: .unconditional,
            help: ArgumentHelp("Values per row of --embeddings, 1 to 65536.", valueName: "n"))
    var dimension: Int?

    func validate() throws {
        if embeddings != nil && dimension == nil { throw ValidationError("--embeddings needs --dim") }
        if embeddings == nil && dimension != nil { throw ValidationError("--dim is only for --embeddings") }
        if let dimension { try checkDimension(dimension) }
    }
}

/// The arguments every import command shares.
struct ImportCommandOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The JSON Lines file to import.", valueName: "file.jsonl"))
    var file: String

    @Option(help: ArgumentHelp("The SQLite database (created when missing).", valueName: "file"))
    var db = "curate.sqlite"

    @Option(help: ArgumentHelp("Configuration file (default: curate.toml next to the database, if any).", valueName: "file"))
    var config: String?

    @Flag(help: "Print the summary as one line of JSON with sorted keys.")
    var json = false

    @Option(name: .customLong("embedding-api-key-env"), help: ArgumentHelp("""
        The environment variable holding the embedder's API key, over the config's \
        embedding_api_key_env (which may only name variables ending in _API_KEY or _TOKEN).
        """, valueName: "name"))
    var embeddingAPIKeyEnv: String?

    @Flag(name: .customLong("allow-insecure-http"), help: """
        Allow a plain http:// embeddings URL to a host other than loopback (the key and the \
        texts then cross the network unencrypted).
        """)
    var allowInsecureHTTP = false

    /// What an import command's body works with.
    struct Input {
        /// The store, opened (created when missing).
        let store: CurationStore
        /// The JSON Lines file.
        let path: String
        /// Where the rows' vectors come from (rows without vectors: no embedder).
        let vectors: VectorSource
        /// The configuration in force.
        let config: CurateConfig
        /// Draws the import's progress on standard error, when it is a terminal.
        let onProgress: ImportProgress.Handler
    }

    /// Runs an import of `kind`, whose rows have vectors from `vectors` (nil: rows without
    /// vectors), and prints its summary.
    func run(kind: String, vectors: VectorOptions?, _ body: (Input) async throws(ImportError) -> ImportSummary) async throws {
        var loaded: CurateConfig
        do {
            loaded = try CurateConfig.load(configPath: config, databasePath: db)
        } catch {
            throw ExitStatus.badInput("\(error.description)")
        }
        if let embeddingAPIKeyEnv { loaded.embeddingAPIKeyEnv = embeddingAPIKeyEnv }
        loaded.allowInsecureHTTP = allowInsecureHTTP
        let configuration = loaded
        // Check the inputs can be read before the store is opened (which creates a missing file):
        // regular files, the JSON Lines file within its size limit. Nothing is read yet.
        do {
            try RegularFile.check(file, maxBytes: InputLimits.maxFileBytes)
            if let embeddings = vectors?.embeddings { try RegularFile.check(embeddings) }
        } catch {
            throw ExitStatus.of(error)
        }
        let store: CurationStore
        do {
            store = try CurationStore(path: db, access: .queue)
        } catch {
            throw ExitStatus.failure("\(error.description)")
        }
        var source = VectorSource.automatic(nil)
        if let embeddings = vectors?.embeddings, let dimension = vectors?.dimension {
            source = .file(path: embeddings, dimension: dimension)
        } else if vectors != nil {
            source = .automatic(makeEmbedder: { try configuration.makeEmbedder(store: store) })
        }
        let progress = ImportProgressLine()
        let input = Input(store: store, path: file, vectors: source, config: configuration, onProgress: { progress.update($0) })
        let summary: ImportSummary, seconds: Double
        do {
            (summary, seconds) = try await Stopwatch.measure { () async throws(ImportError) in
                defer { progress.finish() }
                return try await body(input)
            }
        } catch {
            if case .store = error { throw ExitStatus.failure(error.description) }
            throw ExitStatus.badInput(error.description)
        }
        if json { return OutputFile.writeJSON(ImportContext(kind: kind, db: db, seconds: seconds), summary) }
        var line = "imported \(kind) (\(summary.format) rows) from \(summary.path) into \(db): \(summary.read) read, "
            + "\(summary.inserted) inserted, \(summary.alreadyPresent) already present"
        if kind == "prospects" || kind == "sources" {
            line += ", \(summary.sessionsTouched) session\(summary.sessionsTouched == 1 ? "" : "s") touched"
        }
        if summary.inserted > 0 && vectors != nil {
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

/// What `curate import … --json` adds to the import's summary.
private struct ImportContext: Encodable {
    let kind: String
    let db: String
    let seconds: Double
}
