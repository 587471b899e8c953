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
    /// A session URL that cannot be read.
    case badAddress(text: String, reason: String)
    /// The PostgreSQL server cannot be reached (refused, unknown host, timed out).
    case unreachable(address: String, reason: String)
    /// The server refused the user or the password.
    case authentication(address: String, user: String, reason: String)
    /// The server has no such database.
    case noDatabase(address: String, database: String)
    /// The database holds no session of that name; `existing` are the ones it holds.
    case noSession(address: String, existing: [String])
    /// A session of that name already exists in the database.
    case sessionExists(address: String)
    /// The session's schema has migrations this imfl does not know: a newer imfl wrote it.
    case newerSchema(address: String, unknown: [String])
    /// The server failed a request, or the connection dropped.
    case server(address: String, reason: String)
    /// This process held the session's writer lock (it ran the engine), its connection
    /// dropped, and another process took the lock before it reconnected: it must not write
    /// as the engine beside the new one, so its requests fail from then on.
    case leadLost(address: String)
    /// The command reads or writes a session folder's files, and was given a URL.
    case needsFolder(address: String)

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
        case .badAddress(let text, let reason):
            "\(text): \(reason)"
        case .unreachable(let address, let reason):
            "\(address): cannot reach the PostgreSQL server (\(reason)); check that it runs and that the URL's host and port are right"
        case .authentication(let address, let user, let reason):
            "\(address): the server refused user \(user) (\(reason)); set PGPASSWORD or add HOST:PORT:DB:USER:PASSWORD to ~/.pgpass"
        case .noDatabase(let address, let database):
            "\(address): the server has no database \(database); create it first (createdb \(database)) or fix the URL"
        case .noSession(let address, let existing):
            existing.isEmpty
                ? "\(address): no session of that name in this database (it holds none); create one with `imfl init URL --pool … --test …` or copy one in with `imfl copy FOLDER URL`"
                : "\(address): no session of that name in this database; it holds \(existing.joined(separator: ", "))"
        case .sessionExists(let address):
            "\(address): a session of that name already exists in this database; choose another name"
        case .newerSchema(let address, let unknown):
            "\(address): the session was written by a newer imfl (it has migrations \(unknown.joined(separator: ", ")) that this one does not know); upgrade imfl to open it"
        case .server(let address, let reason):
            "\(address): \(reason)"
        case .leadLost(let address):
            "\(address): this terminal ran the session's engine, lost its connection to the server, and another "
                + "expert's terminal took the engine over meanwhile; nothing more is written from here. Quit and run "
                + "`imfl label` again to label on beside it (every label shown as saved is in the session)"
        case .needsFolder(let address):
            "\(address): this command works on a session folder, not on a shared session; copy it to one first with `imfl copy URL FOLDER`"
        }
    }
}

extension SessionError: LocalizedError {
    public var errorDescription: String? { description }
}
