import Foundation

/// Writes diagnostics to standard error.
package enum FileHandleStandardError {
    package static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
