import Foundation

/// Why a session could not be created, opened or read. Each case's description names the file
/// and, where there is one, the line.
public enum SessionError: Error, Equatable, CustomStringConvertible {
    /// The folder holds no session.
    case notFound(path: String)
    /// `imfl init` would overwrite an existing session.
    case alreadyExists(path: String)
    /// Another process has the session open for writing.
    case locked(path: String, pid: Int32?)
    /// session.toml is malformed or holds an invalid value.
    case config(path: String, line: Int?, message: String)
    /// The database does not look like a session of this version.
    case schema(String)
    /// A file or folder of the session cannot be used as one: an empty or foreign
    /// session.sqlite, a path through a file.
    case unusable(path: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let path):
            "\(path): no session here (expected session.toml and session.sqlite); create one with `imfl init \(path) --pool … --test …`"
        case .alreadyExists(let path):
            "\(path): a session already exists there; choose another folder or remove it first"
        case .locked(let path, let pid):
            if let pid {
                "\(path): session is open in process \(pid); close it there first (read-only commands such as `imfl status` still work)"
            } else {
                "\(path): session is open in another process; close it there first"
            }
        case .config(let path, let line, let message):
            if let line { "\(path):\(line): \(message)" } else { "\(path): \(message)" }
        case .schema(let message):
            message
        case .unusable(let path, let reason):
            "\(path): \(reason)"
        }
    }
}

extension SessionError: LocalizedError {
    public var errorDescription: String? { description }
}
