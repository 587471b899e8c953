import Foundation
import Testing
@testable import IMFLCore

/// The session stores the engine suite runs on: a session folder's SQLite database, and a
/// shared session on the PostgreSQL server `scripts/test` starts (its URL in
/// `IMFL_TEST_POSTGRES_URL`). Without that variable the PostgreSQL cases are left out, with a
/// message, so that a plain `swift test` passes on a machine without PostgreSQL.
enum StoreBackend: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// The backends this run can test.
    static let available: [StoreBackend] = {
        guard TestPostgres.baseURL != nil else {
            print("note: the PostgreSQL cases of the store tests are skipped: IMFL_TEST_POSTGRES_URL is not set (scripts/test starts a throwaway cluster and sets it)")
            return [.sqlite]
        }
        return [.sqlite, .postgres]
    }()

    /// A new, empty session store of this kind, created with `labels` and `items` (the same
    /// ids, pool first), which the test can open again as a restarted process would.
    func makeSession(labels: [String], items: [EngineItem], name: String) async throws -> TestSessionStore {
        let pool = items.filter { $0.split == .pool }.enumerated().map {
            Item(key: "\($1.id)", text: $1.text, split: .pool, gold: $1.gold, position: $0)
        }
        let test = items.filter { $0.split == .test }.enumerated().map {
            Item(key: "\($1.id)", text: $1.text, split: .test, gold: $1.gold, position: $0)
        }
        switch self {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("imfl-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let path = folder.appendingPathComponent("session.sqlite").path
            try AppDatabase.open(path: path).importDataset(labels: labels, pool: pool, test: test, meta: ["name": name])
            return TestSessionStore(
                open: { try AppDatabase.open(path: path) }, close: { _ in },
                remove: { try? FileManager.default.removeItem(at: folder) })
        case .postgres:
            let address = try TestPostgres.address(name)
            let created = try await PostgresStore.create(address) { db, logger in
                try await PostgresStore.importDataset(labels: labels, pool: pool, test: test, meta: ["name": name], db, logger)
            }
            await created.close()
            return TestSessionStore(
                open: { try await PostgresStore.open(address) },
                close: { await ($0 as? PostgresStore)?.close() },
                remove: { try? await TestPostgres.drop(address) }, address: address)
        }
    }
}

/// A session store under test: each `open` is a new connection (a new process, for the
/// engine), `close` ends one, and `remove` deletes the session when the test is done.
struct TestSessionStore: Sendable {
    let open: @Sendable () async throws -> any SessionStore
    let close: @Sendable (any SessionStore) async -> Void
    let remove: @Sendable () async -> Void
    /// A shared session's address (nil for a folder).
    var address: PostgresAddress? = nil

    /// Opens the store, runs `body`, and closes it, whether `body` returns or throws.
    func with<T>(_ body: (any SessionStore) async throws -> T) async throws -> T {
        let store = try await open()
        do {
            let value = try await body(store)
            await close(store)
            return value
        } catch {
            await close(store)
            throw error
        }
    }
}

/// The test cluster, when there is one.
enum TestPostgres {
    static var baseURL: String? {
        ProcessInfo.processInfo.environment["IMFL_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether the tests that need PostgreSQL can run.
    static var isAvailable: Bool { baseURL != nil }

    /// A session address of the test cluster with a name no other test uses (tests run in
    /// parallel, and runs may share a server).
    static func address(_ name: String) throws -> PostgresAddress {
        let base = try #require(baseURL, "IMFL_TEST_POSTGRES_URL is not set")
        let unique = "t_\(name.lowercased().filter { $0.isLetter || $0.isNumber })_\(UInt32.random(in: 0 ... .max))"
        return try PostgresAddress(parsing: "\(base)?session=\(unique.prefix(40))")
    }

    /// Removes a test session.
    static func drop(_ address: PostgresAddress) async throws {
        let link = PostgresLink(address: address, password: address.password())
        try await link.withConnection { db, logger in
            try await db.query(.init(unsafeSQL: "DROP SCHEMA IF EXISTS \"\(address.schema)\" CASCADE"), logger: logger)
        }
        await link.close()
    }
}
