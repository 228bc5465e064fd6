import ArgumentParser
import Curation
import CurationStore
import Foundation

/// `curate export committed|resolutions`: the store's rows in the original's shape.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export committed rows or resolutions as JSON Lines in hypaware's column shapes.",
        discussion: """
            Writes one JSON object per row, in insertion order, ready to append to hypaware's \
            enrichment_committed or enrichment_resolutions table:
              committed:   item_id, item_type, label, props ({"summary": …} or null), confidence,
                           anchor_type, anchor_key, source_dataset, source_keys, curator,
                           curator_version, committed_at
              resolutions: prospect_id, decision, committed_ids ([key] or null), note, curator,
                           curator_version, resolved_at
            Only the rows curate wrote are exported (rows imported from hypaware are already \
            there); --all exports every row. Each export prints a cursor (e.g. committed:42); \
            pass it as --after next time to export only the rows added since. The file is \
            written atomically, readable by its owner only (0600): it holds people's text (a file \
            it replaces keeps its mode).

            Examples:
              curate export committed --db curate.sqlite --out committed.jsonl
              curate export resolutions --db curate.sqlite --out resolutions.jsonl --after resolutions:1200

            \(ExitStatus.help)
            """
    )

    @Argument(help: ArgumentHelp("The table: committed or resolutions.", valueName: "table"))
    var table: StoreExport.Table

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("The JSON Lines file to write.", valueName: "file.jsonl"))
    var out: String

    @Option(help: ArgumentHelp("Only rows added after this cursor, as a previous export printed it.", valueName: "cursor"))
    var after: String?

    @Flag(help: "Also export the rows imported from hypaware.")
    var all = false

    @Flag(help: "Print the result as one line of JSON with sorted keys.")
    var json = false

    func run() throws {
        var cursor: StoreExport.Cursor? = nil
        if let after {
            do {
                cursor = try StoreExport.Cursor(parsing: after)
            } catch {
                throw ExitStatus.badInput("--after: \(error.description)")
            }
        }
        let protected = ProtectedFiles(database: store.db, config: store.config)
        try protected.check(out, flag: "--out")
        let curationStore = try store.openStore()
        let export: StoreExport.Result
        do {
            export = try StoreExport.rows(of: table, in: curationStore, after: cursor, includeImported: all)
        } catch let error as ExportError {
            throw ExitStatus.badInput("--after: \(error.description)")
        } catch {
            throw ExitStatus.failure("cannot read the store: \(error)")
        }
        try OutputFile.writeOutput(Array(export.jsonLines.utf8), to: out, flag: "--out", protecting: protected)
        if json {
            return OutputFile.writeJSON(ExportOutput(table: table.rawValue, db: store.db, out: out, rows: export.rows,
                                                     after: cursor?.description, cursor: export.cursor.description, includeImported: all))
        }
        OutputFile.writeStandardOutput("exported \(export.rows) \(table.rawValue) row\(export.rows == 1 ? "" : "s") to \(out); "
                                       + "next time: --after \(export.cursor)\n")
    }
}

extension StoreExport.Table: ExpressibleByArgument {}

/// What `curate export --json` prints.
private struct ExportOutput: Encodable {
    let table: String, db: String, out: String
    let rows: Int
    let after: String?
    let cursor: String
    let includeImported: Bool

    private enum CodingKeys: String, CodingKey {
        case table, db, out, rows, after, cursor, includeImported = "include_imported"
    }
}
