import ArgumentParser
import Curation
import CurationStore
import Kernels

/// Options shared by the commands that compute: the embedding dimension, the backend and the
/// output file.
struct ComputeOptions: ParsableArguments {
    @Option(name: .customLong("dim"), parsing: .unconditional,
            help: ArgumentHelp("Values per embedding row (1 to 65536); every .f32 file must be a whole number of rows.",
                               valueName: "n"))
    var dimension: Int

    @Option(help: ArgumentHelp("""
        How similarities are computed: auto (the fastest this CPU has: int8 with AVX512_VNNI or \
        AVX2, else bf16, else blas), blas, simd, swift-simd, bf16 or int8 (screening in bfloat16 or int8, near pairs \
        decided again in float and double) or scalar (the double-precision reference loop). \
        Every backend gives the same results.
        """, valueName: "backend"))
    var backend: Backend = .auto

    @Option(name: .customLong("screen-rank"), help: ScreenRank.help)
    var screenRank: ScreenRank = .auto

    @Option(help: ArgumentHelp("""
        Write the JSON to this file instead of standard output, atomically (a temporary file in \
        the same directory, then a rename); nothing is printed on standard output.
        """, valueName: "file"))
    var out: String?

    /// A dimension below 1 or above the limit describes no valid embedding file: it is bad input
    /// (exit 2), not a usage error.
    func validate() throws {
        try checkDimension(dimension)
    }

    /// Emits `result` and the engine `facts` as one line of JSON with sorted keys to `--out` or
    /// to standard output.
    /// - Throws: exit status 1 after reporting why the output could not be written.
    func emit(_ result: some Encodable, _ facts: ComputeFacts) throws {
        let text = try JSONValue(encoding: CommandOutput(context: result, result: facts)).serialized() + "\n"
        do {
            if let out { try OutputFile.writeAtomically(Array(text.utf8), to: out) } else { OutputFile.writeStandardOutput(text) }
        } catch {
            throw ExitStatus.failure(error.description)
        }
    }
}

extension Backend: ExpressibleByArgument {}

extension ScreenRank: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }

    /// The help of every command's `--screen-rank`.
    static let help = ArgumentHelp("""
        The low-rank screen run before the full-dimension similarities: auto (the rank and \
        encoding with the least expected work, estimated on a sample; none when it does not pay, \
        as on pools under about 14,000 rows), off, or a number of principal directions. Pairs \
        whose proven bound stays below the threshold are skipped; it changes speed, never results.
        """, valueName: "auto|off|k")
}

extension ScreenSummary {
    /// "rank 64 in int8, 0.41 % of 1999000 pairs left", for text output.
    var text: String {
        "rank \(rank) in \(encoding), " + String(format: "%.2f %% of %d pairs left", 100 * survivingFraction, screenedPairs)
    }
}

extension PlanScreens {
    /// "; recall screen …; cluster screen …" for the screens that ran ("" for none).
    var text: String {
        [("recall", recall), ("cluster", cluster)].compactMap { stage, screen in screen.map { "; \(stage) screen \($0.text)" } }.joined()
    }
}
