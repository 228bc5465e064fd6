import ArgumentParser
import Curation
import Kernels

/// Options shared by the commands that compute: the embedding dimension, the backend and the
/// output file.
struct ComputeOptions: ParsableArguments {
    @Option(name: .customLong("dim"), parsing: .unconditional,
            help: ArgumentHelp("Values per embedding row (1 to 65536); every .f32 file must be a whole number of rows.",
                               valueName: "n"))
    var dimension: Int

    @Option(help: ArgumentHelp("""
        How similarities are computed: auto (the fastest this CPU has: int8, else bf16, else \
        blas), blas, simd, swift-simd, bf16 or int8 (screening in bfloat16 or int8, near pairs \
        decided again in float and double) or scalar (the double-precision reference loop). \
        Every backend gives the same results.
        """, valueName: "backend"))
    var backend: Backend = .auto

    @Option(help: ArgumentHelp("""
        Write the JSON to this file instead of standard output, atomically (a temporary file in \
        the same directory, then a rename); nothing is printed on standard output.
        """, valueName: "file"))
    var out: String?

    /// A dimension below 1 or above the limit describes no valid embedding file: it is bad input
    /// (exit 2), not a usage error.
    func validate() throws {
        guard dimension >= 1 else {
            standardError("error: --dim must be at least 1 (got \(dimension))")
            throw ExitCode(2)
        }
        try checkDimensionLimit(dimension)
    }

    /// Emits `json` (with a final newline) to `--out` or to standard output.
    /// - Throws: `ExitCode.failure` after reporting why the output could not be written.
    func emit(_ json: JSONValue) throws {
        let text = json.serialized() + "\n"
        do {
            if let out { try OutputFile.writeAtomically(Array(text.utf8), to: out) } else { OutputFile.writeStandardOutput(text) }
        } catch {
            standardError("error: \(error.description)")
            throw ExitCode.failure
        }
    }
}

extension Backend: ExpressibleByArgument {}
