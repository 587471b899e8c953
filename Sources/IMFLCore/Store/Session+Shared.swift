import Foundation
import GRDB

// MARK: - Shared sessions and copies between stores

extension Session {
    /// Opens a session by its folder or its URL (`postgres://USER@HOST:PORT/DB?session=NAME`).
    public static func open(location: String, access: Access = .readWrite) async throws -> Session {
        guard PostgresAddress.isAddress(location) else { return try open(location, access: access) }
        return try await open(address: try PostgresAddress(parsing: location), access: access)
    }

    /// Opens a shared session: its settings and guidelines come from the database. For
    /// writing alone (`readWrite`), it takes the session's writer lock, so that no engine
    /// runs meanwhile; labeling as one of a team (`team`) leaves that lock to the engines'
    /// election.
    public static func open(address: PostgresAddress, access: Access = .readOnly) async throws -> Session {
        let store = try await PostgresStore.open(address)
        do {
            if access == .readWrite { try await store.takeWriterLock() }
            guard let text = try await store.meta(PostgresStore.configKey) else {
                throw SessionError.schema("\(address): the session has no settings stored (meta key \(PostgresStore.configKey)); it was not created by `imfl init` or `imfl copy`")
            }
            let config = try SessionConfig.parse(text, path: "\(address) (session.toml)")
            let stored = try await store.labels()
            guard stored == config.task.labels else {
                throw SessionError.config(
                    path: "\(address) (session.toml)", line: nil,
                    message: "task.labels (\(config.task.labels.joined(separator: ", "))) differ from the labels the session was created with (\(stored.joined(separator: ", ")))")
            }
            return Session(shared: store, config: config, guidelines: try await store.meta(PostgresStore.guidelinesKey))
        } catch {
            await store.close()
            throw error
        }
    }

    /// Creates a shared session from a validated dataset, all or nothing (one transaction).
    /// Its settings and guidelines are stored in the database, as a folder stores them in files.
    public static func create(
        at address: PostgresAddress, config: SessionConfig, dataset: DatasetImport, guidelines: String?
    ) async throws {
        var meta = [
            "name": config.task.name, "createdAt": ISO8601DateFormatter().string(from: Date()),
            "imflVersion": IMFL.version, PostgresStore.configKey: config.renderTOML(),
        ]
        meta[PostgresStore.guidelinesKey] = guidelines
        let store = try await PostgresStore.create(address) { [meta] db, logger in
            try await PostgresStore.importDataset(
                labels: dataset.labels, pool: dataset.pool, test: dataset.test, meta: meta, db, logger)
        }
        await store.close()
    }

    /// Copies a session with every row intact (item and event ids, the log's order, rounds,
    /// queues, metrics, vectors, LLM calls, the answer cache) from a folder or URL to a new
    /// folder or URL. The destination is created all or nothing and must not exist.
    /// - Returns: the snapshot that was copied.
    @discardableResult
    public static func copy(from source: String, to destination: String) async throws -> SessionSnapshot {
        let from = try await open(location: source, access: .readOnly)
        var snapshot: SessionSnapshot
        var configText: String
        var guidelines: String?
        do {
            snapshot = try await from.store.snapshot()
            if from.isShared {
                configText = snapshot.meta.removeValue(forKey: PostgresStore.configKey) ?? from.config.renderTOML()
                guidelines = snapshot.meta.removeValue(forKey: PostgresStore.guidelinesKey)
            } else {
                configText = try String(contentsOfFile: from.configPath, encoding: .utf8)
                guidelines = try from.guidelines()
            }
        } catch {
            await from.close()
            throw error
        }
        await from.close()
        if PostgresAddress.isAddress(destination) {
            let address = try PostgresAddress(parsing: destination)
            var shared = snapshot
            shared.meta[PostgresStore.configKey] = configText
            shared.meta[PostgresStore.guidelinesKey] = guidelines
            let store = try await PostgresStore.create(address) { [shared] db, logger in
                try await PostgresStore.restore(shared, db, logger)
            }
            await store.close()
        } else {
            var files = [String: Data]()
            if let guidelines {
                let config = try SessionConfig.parse(configText, path: "\(source) (session.toml)")
                files[config.task.guidelines ?? "guidelines.md"] = Data(guidelines.utf8)
            }
            let folderSnapshot = snapshot
            _ = try build(at: destination, configText: configText, files: files) { path in
                var configuration = Configuration()
                configuration.foreignKeysEnabled = true
                let queue = try DatabaseQueue(path: path, configuration: configuration)
                try AppDatabase(queue).restore(folderSnapshot)
                try queue.close()
            }
        }
        return snapshot
    }
}
