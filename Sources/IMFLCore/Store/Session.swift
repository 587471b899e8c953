import Foundation
import GRDB

/// A session: its settings and its store. A session folder holds `session.toml` (settings) and
/// `session.sqlite` (items, labels, rounds) and is self-contained: copied to another machine,
/// it opens there. A shared session lives in PostgreSQL (`PostgresStore`), settings and
/// guidelines included, and is addressed by its URL.
public final class Session: Sendable {
    /// The session folder, or for a shared session its URL (which never holds a password).
    public let folder: String
    public let config: SessionConfig
    /// The session's data behind the protocol every store implements: what commands that
    /// work on any session (status, export, model export, label) read and write.
    public let store: any SessionStore
    /// A folder's SQLite database; nil for a shared session.
    private let sqlite: AppDatabase?
    /// A shared session's guidelines, stored with it.
    private let storedGuidelines: String?
    /// Held while the session is open for writing; nil for read-only access.
    private let lock: SessionLock?

    public static let configFile = "session.toml"
    public static let databaseFile = "session.sqlite"
    public static let lockFile = "session.lock"

    /// How a session is opened.
    public enum Access: Sendable {
        /// Labeling, embedding, rounds: one process at a time.
        case readWrite
        /// Status and export: any number, also while a writer is at work.
        case readOnly
        /// Labeling a shared session beside other experts: any number of processes, whose
        /// engines elect one to run the rounds (`RoundEngine.serve()`). A folder's session
        /// opens as `readWrite`: it has one expert at a time.
        case team
    }

    private init(folder: String, config: SessionConfig, database: AppDatabase, lock: SessionLock?) {
        self.folder = folder
        self.config = config
        self.store = database
        self.sqlite = database
        self.storedGuidelines = nil
        self.lock = lock
    }

    init(shared store: PostgresStore, config: SessionConfig, guidelines: String?) {
        folder = store.address.description
        self.config = config
        self.store = store
        sqlite = nil
        storedGuidelines = guidelines
        lock = nil
    }

    /// Whether the session lives on a PostgreSQL server rather than in a folder.
    public var isShared: Bool { sqlite == nil }

    /// A session folder's SQLite database, for the commands that work on folders only
    /// (embedding ahead of time, simulations, plans).
    /// - Throws: `SessionError.needsFolder` for a shared session.
    public var database: AppDatabase {
        get throws {
            guard let sqlite else { throw SessionError.needsFolder(address: folder) }
            return sqlite
        }
    }

    /// Ends the connection of a shared session; nothing to do for a folder.
    public func close() async {
        if let shared = store as? PostgresStore { await shared.close() }
    }

    public var configPath: String { Self.path(folder, Self.configFile) }
    public var databasePath: String { Self.path(folder, Self.databaseFile) }

    /// The guidelines text named in session.toml, or nil when there is none.
    /// - Throws: when the file is named but cannot be read.
    public func guidelines() throws -> String? {
        if isShared { return storedGuidelines }
        guard let name = config.task.guidelines else { return nil }
        let path = Self.path(folder, name)
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw SessionError.config(path: configPath, line: nil, message: "task.guidelines: cannot read \(path)")
        }
        return text
    }

    static func path(_ folder: String, _ file: String) -> String {
        URL(fileURLWithPath: folder).appendingPathComponent(file).path
    }

    /// Opens an existing session.
    /// - Throws: `SessionError.notFound`, `.locked` (another writer has it), `.config`.
    public static func open(_ folder: String, access requested: Access = .readWrite) throws -> Session {
        // A folder has one expert at a time: labeling it as one of a team is writing alone.
        let access = requested == .team ? .readWrite : requested
        let configPath = path(folder, configFile)
        let databasePath = path(folder, databaseFile)
        let fm = FileManager.default
        guard fm.fileExists(atPath: configPath), fm.fileExists(atPath: databasePath) else {
            throw SessionError.notFound(path: folder)
        }
        let lock = access == .readWrite ? try SessionLock(path: path(folder, lockFile), sessionPath: folder) : nil
        let config = try SessionConfig.load(path: configPath)
        // SQLite takes an empty file for a new database and would write a fresh schema into
        // it: a session whose data was lost must be refused, not silently restarted.
        let size = (try? fm.attributesOfItem(atPath: databasePath)[.size] as? Int) ?? nil
        if size == 0 {
            throw SessionError.unusable(path: databasePath, reason: "the file is empty (0 bytes): the session's items and labels are not in it; restore it from a copy or create the session again with `imfl init`")
        }
        let database = try AppDatabase.open(path: databasePath, readOnly: access == .readOnly)
        if let name = try database.meta("name"), name != config.task.name {
            throw SessionError.unusable(path: databasePath, reason: "this database belongs to session \"\(name)\", but session.toml is for \"\(config.task.name)\"; put the session's own session.sqlite back (or set task.name to \"\(name)\" if it was renamed)")
        }
        let stored = try database.labels()
        guard stored == config.task.labels else {
            throw SessionError.config(
                path: configPath, line: nil,
                message: "task.labels (\(config.task.labels.joined(separator: ", "))) differ from the labels the session was created with (\(stored.joined(separator: ", "))); labels cannot change after items are labeled")
        }
        return Session(folder: folder, config: config, database: database, lock: lock)
    }

    /// Creates a session folder from a validated dataset, all or nothing.
    ///
    /// The session is built in a hidden sibling folder and renamed into place only when
    /// complete, so an interrupted or failed `imfl init` leaves nothing behind.
    /// - Throws: `SessionError.alreadyExists` when `folder` holds anything.
    @discardableResult
    /// - Parameter files: further files to place in the folder (e.g. the guidelines), by name.
    public static func create(
        at folder: String, config: SessionConfig, dataset: DatasetImport, files: [String: Data] = [:],
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) throws -> String {
        try build(at: folder, configText: config.renderTOML(), files: files) { path in
            try writeDatabase(path: path, dataset: dataset, name: config.task.name, progress: progress)
        }
    }

    /// Builds a session folder in a hidden sibling and renames it into place when complete:
    /// session.toml from `configText`, the further `files`, and the database `writeDatabase`
    /// writes at the path it is given.
    static func build(
        at folder: String, configText: String, files: [String: Data], writeDatabase: (String) throws -> Void
    ) throws -> String {
        let fm = FileManager.default
        let target = URL(fileURLWithPath: folder).standardizedFileURL
        if let contents = try? fm.contentsOfDirectory(atPath: target.path), !contents.isEmpty {
            throw SessionError.alreadyExists(path: folder)
        }
        if fm.fileExists(atPath: target.path), (try? fm.contentsOfDirectory(atPath: target.path)) == nil {
            throw SessionError.alreadyExists(path: folder)
        }
        let parent = target.deletingLastPathComponent()
        try createFolder(parent, for: folder)
        removeAbandonedStaging(for: target)
        let staging = parent.appendingPathComponent("\(stagingPrefix(target))\(getpid())")
        try? fm.removeItem(at: staging)
        try fm.createDirectory(at: staging, withIntermediateDirectories: false)
        do {
            try configText.write(
                to: staging.appendingPathComponent(configFile), atomically: true, encoding: .utf8)
            for (name, data) in files {
                try data.write(to: staging.appendingPathComponent(name))
            }
            try writeDatabase(staging.appendingPathComponent(databaseFile).path)
            if fm.fileExists(atPath: target.path) { try fm.removeItem(at: target) }
            try fm.moveItem(at: staging, to: target)
        } catch {
            try? fm.removeItem(at: staging)
            throw error
        }
        return target.path
    }

    /// `.NAME.partial-`: the hidden sibling a session is built in, followed by the builder's PID.
    static func stagingPrefix(_ target: URL) -> String { ".\(target.lastPathComponent).partial-" }

    /// Removes staging folders left by an `imfl init` that was killed (kill -9, power cut)
    /// before it could clean up: those whose process is gone. A live one belongs to an init
    /// still at work and is left alone.
    static func removeAbandonedStaging(for target: URL) {
        let fm = FileManager.default
        let parent = target.deletingLastPathComponent()
        let prefix = stagingPrefix(target)
        guard let names = try? fm.contentsOfDirectory(atPath: parent.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid > 0 else { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }
            try? fm.removeItem(at: parent.appendingPathComponent(name))
        }
    }

    /// Creates the folder a session goes in, with a message naming the part of the path that
    /// is in the way when one of its ancestors is a file.
    static func createFolder(_ url: URL, for folder: String) throws {
        let fm = FileManager.default
        var ancestor = url
        while ancestor.path != "/" {
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else {
                    throw SessionError.unusable(path: folder, reason: "\(ancestor.path) is a file, not a folder, so the session cannot be created inside it")
                }
                break
            }
            ancestor = ancestor.deletingLastPathComponent()
        }
        do {
            try fm.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw SessionError.unusable(path: folder, reason: "cannot create the folder \(url.path): \((error as NSError).localizedFailureReason ?? error.localizedDescription)")
        }
    }

    private static func writeDatabase(
        path: String, dataset: DatasetImport, name: String, progress: (@Sendable (Int, Int) -> Void)?
    ) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try AppDatabase(queue).importDataset(
            labels: dataset.labels, pool: dataset.pool, test: dataset.test,
            meta: ["name": name, "createdAt": ISO8601DateFormatter().string(from: Date()), "imflVersion": IMFL.version],
            progress: progress)
        // A rollback-journal file with no -wal/-shm companions: one self-contained file.
        try queue.close()
    }
}
