/// Why a configuration file was refused: the file, the 1-based line when one is to blame, and
/// what is wrong. `description` reads `curate.toml:3: unknown key "cluster_similarty" …`.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The configuration file.
    public let path: String
    /// The 1-based line at fault, nil when the whole file is (unreadable, missing).
    public let line: Int?
    /// What is wrong.
    public let message: String

    /// An error about `path`, at `line` when given.
    public init(path: String, line: Int? = nil, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        (line.map { "\(path):\($0)" } ?? path) + ": " + message
    }
}
