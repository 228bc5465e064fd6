import Curation
import CurationStore
import Foundation

/// The files an output must never replace: the database, its `-wal` and `-shm`, and the config
/// file in force.
///
/// An output is one of them when it is the same file (same device and inode: another spelling
/// such as `./dir/../d.sqlite`, a hard link, a symbolic link), or, for the database and its
/// `-wal` and `-shm`, the same directory entry even while missing: SQLite creates and removes
/// the `-wal` and `-shm` as connections come and go.
struct ProtectedFiles {
    /// One protected file.
    struct File {
        /// The path, as the user gave it (or the default config path).
        let path: String
        /// What the file is, for the message.
        let what: String
        /// Whether the directory entry is protected too, so a missing file is.
        let byEntry: Bool
    }

    /// The protected files.
    let files: [File]

    /// The files of the store at `database`, and the config file `config` (nil: the
    /// `curate.toml` next to the database, which is in force when it exists).
    init(database: String, config: String?) {
        var databases = [database]
        // SQLite puts the -wal and -shm next to the file a symbolic link names.
        if let resolved = realpath(database, nil) {
            let real = String(cString: resolved)
            free(resolved)
            if real != database { databases.append(real) }
        }
        var files: [File] = []
        for path in databases {
            files += [File(path: path, what: "the database", byEntry: true),
                      File(path: path + "-wal", what: "the database's write-ahead log", byEntry: true),
                      File(path: path + "-shm", what: "the database's shared-memory index", byEntry: true)]
        }
        files.append(File(path: config ?? CurateConfig.defaultPath(forDatabase: database), what: "the config file in force",
                          byEntry: false))
        self.files = files
    }

    /// Refuses `output`, given with `flag`, when it is one of the files.
    /// - Throws: exit status 2 after naming the file; nothing is written.
    func check(_ output: String, flag: String) throws {
        guard let file = files.first(where: { Self.sameFile(output, $0.path) || ($0.byEntry && Self.sameEntry(output, $0.path)) }) else {
            return
        }
        throw ExitStatus.badInput("\(flag) \(output) is \(file.what) (\(file.path)): refusing to replace it, choose another file")
    }

    /// Whether both paths name one existing file (a missing file is no file).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        guard let x = identity(a), let y = identity(b) else { return false }
        return x == y
    }

    /// Whether both paths name one entry of one directory, existing or not.
    static func sameEntry(_ a: String, _ b: String) -> Bool {
        guard let x = entry(a), let y = entry(b) else { return false }
        return x.name == y.name && x.directory == y.directory
    }

    /// Device and inode of the file at `path`, symbolic links followed; nil when it is missing.
    private static func identity(_ path: String) -> [UInt64]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }

    /// The identity of the directory holding the entry `path` names, and the entry's name.
    private static func entry(_ path: String) -> (directory: [UInt64], name: Substring)? {
        let directory: String, name: Substring
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
            name = path[path.index(after: slash)...]
        } else {
            (directory, name) = (".", Substring(path))
        }
        guard !name.isEmpty, name != ".", name != "..", let identity = identity(directory) else { return nil }
        return (identity, name)
    }
}
