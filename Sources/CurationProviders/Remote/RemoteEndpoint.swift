import CurationStore
import Foundation

/// Where a remote provider or embedder may be reached and how its key is read: the rules that
/// keep a key and people's text from going where the user did not mean them to.
///
/// - A base URL is `https`, or plain `http` only to a loopback host (`localhost`, `127.*`,
///   `::1`) unless the command line allows it (`--allow-insecure-http`): keys never cross a
///   network in clear text by accident.
/// - A key is read from its environment variable and must be printable ASCII without whitespace
///   (a key from a file with CRLF endings keeps a `\r`); errors name the variable, never the value.
/// - A variable named in `curate.toml` must end in `_API_KEY` or `_TOKEN` (`keyVariableSuffixes`),
///   so a config file cannot make `curate` send any other secret of the environment; the command
///   line may name any.
package enum RemoteEndpoint {
    /// The endings a key variable named in `curate.toml` must have.
    package static let keyVariableSuffixes = ["_API_KEY", "_TOKEN"]

    /// `base` without its trailing slash, if it has one: the form paths are appended to.
    package static func trimmed(_ base: String) -> String {
        base.hasSuffix("/") ? String(base.dropLast()) : base
    }

    /// Why `base` may not be used, or nil when it may.
    /// - Parameter allowInsecureHTTP: whether plain `http` to a host other than loopback is allowed.
    package static func problem(withBaseURL base: String, allowInsecureHTTP: Bool) -> String? {
        guard let url = URL(string: base), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty else {
            return "base URL \(base.debugDescription) is not an http(s) URL"
        }
        if scheme == "http" && !allowInsecureHTTP && !isLoopback(host) {
            return "base URL \(base.debugDescription) is plain http to \(host), which would send the API key and the "
                + "prospects unencrypted: use https, or pass --allow-insecure-http"
        }
        return nil
    }

    /// The key in `variable` of `environment`.
    /// - Returns: the key, or why it cannot be used (naming the variable, never the value).
    package static func key(in variable: String, of environment: [String: String]) -> Result<APIKey, KeyProblem> {
        guard let value = environment[variable], !value.isEmpty else { return .failure(KeyProblem(variable: variable, unset: true)) }
        guard value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            return .failure(KeyProblem(variable: variable, unset: false))
        }
        return .success(APIKey(value))
    }

    /// Whether `curate.toml` may name `variable` as a key variable.
    package static func isKeyVariableName(_ variable: String) -> Bool {
        keyVariableSuffixes.contains { variable.hasSuffix($0) && variable.count > $0.count }
    }

    /// The host part of `base`, for messages (nil when it has none).
    package static func host(of base: String) -> String? { URL(string: base)?.host }

    private static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        return bare == "localhost" || bare == "::1" || bare.hasPrefix("127.")
    }

    /// A key that cannot be used.
    package struct KeyProblem: Error, Equatable, Sendable, CustomStringConvertible {
        /// The variable read.
        package let variable: String
        /// true: unset or empty; false: it holds a character that is not printable ASCII (a
        /// space, a line break, a control character).
        package let unset: Bool

        package var description: String {
            unset ? "the API key variable \(variable) is not set"
                : "the API key in \(variable) holds whitespace or a control character (a line break from a file?); "
                    + "only printable ASCII is sent in a header"
        }
    }
}
