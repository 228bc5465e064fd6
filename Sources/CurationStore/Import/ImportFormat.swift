import Foundation

/// The shape of the rows an import reads: `curate`'s own, or the original pipeline's
/// (hypaware's tables as `hyp query sql "SELECT * FROM …" --format jsonl` prints them,
/// `seed-contract.md` §1).
public enum ImportFormat: String, Sendable, CaseIterable {
    /// `curate`'s rows (`ts`, `summary`, inline `embedding`, …).
    case curate
    /// The original's rows (`created_at`, `props`, `committed_at`, …).
    case hypaware

    /// The format of a file, told by its first line: a field every `curate` row of the kind has,
    /// and one every original row has.
    struct Detection {
        /// The kind of row, for the message (`"prospect"`, `"committed row"`).
        let kind: String
        /// A field of every `curate` row of this kind.
        let curateMarker: String
        /// A field of every original row of this kind, which `curate`'s rows lack.
        let hypawareMarker: String
        /// The format of a line with both markers (nil: such a line is refused as ambiguous).
        let bothMean: ImportFormat?

        /// The format of `data`'s first non-blank line. A first line that is not a JSON object
        /// gives `curate`, whose reader then reports that line.
        /// - Throws: `ImportError.unrecognizedFormat` when the line has neither marker, or both
        ///   when `bothMean` is nil.
        func format(of data: Data, path: String) throws(ImportError) -> ImportFormat {
            guard let (line, object) = Self.firstObject(data) else { return .curate }
            let (curate, hypaware) = (object[curateMarker] != nil, object[hypawareMarker] != nil)
            if curate != hypaware { return hypaware ? .hypaware : .curate }
            if curate, let bothMean { return bothMean }
            throw .unrecognizedFormat(path: path, line: line, reason: """
                has \(curate ? "both" : "neither") "\(curateMarker)" (a curate \(kind)) \(curate ? "and" : "nor") \
                "\(hypawareMarker)" (a hypaware \(kind)), which decides the file's format: pass --format curate or --format hypaware
                """)
        }

        /// `format` when given, else the format of `data` (`format(of:path:)`).
        func resolve(_ format: ImportFormat?, of data: Data, path: String) throws(ImportError) -> ImportFormat {
            if let format { return format }
            return try self.format(of: data, path: path)
        }

        /// The 1-based number and object of the first non-blank line, when it is a JSON object.
        private static func firstObject(_ data: Data) -> (Int, [String: Any])? {
            var line = 0
            for slice in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                line += 1
                guard slice.contains(where: { ![0x20, 0x09, 0x0D].contains($0) }) else { continue }
                guard let object = try? JSONSerialization.jsonObject(with: Data(slice)) as? [String: Any] else { return nil }
                return (line, object)
            }
            return nil
        }
    }
}
