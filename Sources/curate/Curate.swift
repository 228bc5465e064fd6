import ArgumentParser
import Curation
import Kernels

/// The `curate` command: groups knowledge-graph prospects with exact vector recall and greedy
/// cosine clustering. One subcommand per file; later ones (import, backfill, status) join the list.
@main
struct Curate: AsyncParsableCommand {
    /// The version `--version` prints.
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "curate",
        abstract: "Group near-duplicate prospects with exact vector recall and greedy cosine clustering.",
        discussion: """
            Inputs are a JSON Lines file (one object per line with a string id) and a .f32 file of \
            embeddings: raw little-endian float32, row-major, no header. Row i of the .f32 file is \
            line i+1 of the JSON Lines file. Results are printed as one line of JSON with sorted keys.

            Example:
              curate cluster --prospects prospects.jsonl --embeddings prospects.f32 \\
                --dim 384

            \(ExitStatus.help)
            """,
        version: version,
        subcommands: [Cluster.self, Recall.self, Info.self, Import.self, BackfillCommand.self, TickCommand.self,
                      DaemonCommand.self, StatusCommand.self, ReportCommand.self, ExportCommand.self]
    )

    /// Runs the command line; the engine's warnings go to standard error as `warning: …` lines,
    /// and a `CURATE_CRASH_AT` naming no crash point is said to be ignored.
    static func main() async {
        KernelsWarning.setHandler { standardError("warning: \($0)") }
        if let setting = CrashPoint.unknownSetting {
            standardError("curate: ignoring \(CrashPoint.environmentVariable)=\(setting): unknown crash point")
        }
        await main(nil)
    }
}
