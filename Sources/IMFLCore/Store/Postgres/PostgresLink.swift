import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// One connection to a shared session's server, lent to one request at a time.
///
/// A request is either a single statement or a transaction (`BEGIN` … `COMMIT`), and a
/// transaction needs the connection to itself until it ends; taking turns on one connection
/// gives that without a pool, and keeps the store's writes in the order they were asked (the
/// engine already sends them one at a time). A connection that dropped is opened again by the
/// next request; the request that saw it drop fails with a message that says so, and nothing
/// it wrote was committed.
actor PostgresLink {
    let address: PostgresAddress
    private let password: String?
    private var connection: PostgresConnection?
    private var turns = WriteTurns()
    private var nextID = 0
    /// Whether this connection holds the session's writer lock (`takeWriterLock`).
    private var holdsWriterLock = false
    /// Whether the writer lock was lost: the connection that held it dropped and another
    /// process took the lock before this one reconnected. From then on every request fails
    /// (`SessionError.leadLost`): this process's engine ran the rounds, and anything more it
    /// wrote (a round, an LLM label from a call still in flight) would be written beside the
    /// new engine's.
    private var lostWriterLock = false
    private let logger = Logger(label: "imfl.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    init(address: PostgresAddress, password: String?) {
        self.address = address
        self.password = password
    }

    /// A link dropped without `close()` (a path that threw before closing) still closes its
    /// connection: the task keeps it alive until the server has let it go.
    deinit {
        if let connection, !connection.isClosed {
            Task.detached { try? await connection.close() }
        }
    }

    /// Runs `body` on the connection, alone; connects first when there is none.
    @discardableResult
    func withConnection<T: Sendable>(_ body: @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        if !turns.take() {
            await withCheckedContinuation { turns.wait($0) }
        }
        defer { turns.next() }
        let connection = try await connected()
        do {
            return try await body(connection, logger)
        } catch {
            // A connection the server ended (or that broke) is closed here, so that the next
            // request opens a new one rather than failing on the dead one.
            if connection.isClosed || Self.endsConnection(error) {
                self.connection = nil
                try? await connection.close()
            }
            throw describe(error)
        }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    @discardableResult
    func transaction<T: Sendable>(_ body: @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        try await withConnection { connection, logger in
            try await connection.query("BEGIN", logger: logger)
            do {
                let value = try await body(connection, logger)
                try await connection.query("COMMIT", logger: logger)
                return value
            } catch {
                if !connection.isClosed { _ = try? await connection.query("ROLLBACK", logger: logger) }
                throw error
            }
        }
    }

    /// Takes the session's writer lock: a PostgreSQL advisory lock held by this connection
    /// for as long as it lives, so that one `imfl label` at a time runs the session's engine,
    /// as the flock of a session folder does. The server releases it when the connection
    /// ends, however the process ended, so a crash never leaves a stale lock.
    /// - Throws: `SessionError.locked` when another connection holds it.
    func takeWriterLock() async throws {
        let schema = address.schema
        let taken = try await withConnection { db, logger in try await Self.tryWriterLock(db, logger, schema: schema) }
        guard taken else { throw SessionError.locked(path: address.description, pid: nil) }
        holdsWriterLock = true
    }

    /// Tries the session's writer lock without failing when another connection holds it:
    /// true when this connection holds it now (it keeps it, and takes it again after a
    /// reconnect while nobody else has).
    func tryWriterLockNow() async throws -> Bool {
        if holdsWriterLock, let connection, !connection.isClosed { return true }
        let schema = address.schema
        let taken = try await withConnection { db, logger in try await Self.tryWriterLock(db, logger, schema: schema) }
        holdsWriterLock = taken
        return taken
    }

    /// A link of its own to the same server and database, with the same password: for a
    /// connection that listens for notifications, which must not wait for requests' turns.
    nonisolated func sibling() -> PostgresLink {
        PostgresLink(address: address, password: password)
    }

    private static func tryWriterLock(_ db: PostgresConnection, _ logger: Logger, schema: String) async throws -> Bool {
        for try await taken in try await db.query(
            "SELECT pg_try_advisory_lock(hashtext(\("imfl.writer." + schema)))", logger: logger
        ).decode(Bool.self) { return taken }
        return false
    }

    /// Closes the connection (the server ends its session, releasing what it held).
    func close() async {
        guard let connection else { return }
        self.connection = nil
        try? await connection.close()
    }

    private func connected() async throws -> PostgresConnection {
        if lostWriterLock { throw SessionError.leadLost(address: address.description) }
        if let connection, !connection.isClosed { return connection }
        connection = nil
        var configuration = PostgresConnection.Configuration(
            host: address.host, port: address.port, username: address.user, password: password,
            database: address.database, tls: .disable)
        configuration.options.connectTimeout = .seconds(10)
        nextID += 1
        let fresh: PostgresConnection
        do {
            fresh = try await PostgresConnection.connect(configuration: configuration, id: nextID, logger: logger)
        } catch {
            throw describe(error)
        }
        // The session's tables live in its own schema; naming it once here lets every
        // statement use the same table names as the SQLite store.
        try await fresh.query(PostgresQuery(unsafeSQL: "SET search_path TO \"\(address.schema)\""), logger: logger)
        // A connection that dropped took the writer lock with it: the new one takes it again,
        // unless another process took it meanwhile.
        if holdsWriterLock, try await !Self.tryWriterLock(fresh, logger, schema: address.schema) {
            try? await fresh.close()
            holdsWriterLock = false
            lostWriterLock = true
            throw SessionError.leadLost(address: address.description)
        }
        connection = fresh
        return fresh
    }

    /// Whether an error means the connection is gone: it closed, or the server ended the
    /// session (SQLSTATE classes 08, connection exception, and 57, operator intervention).
    static func endsConnection(_ error: any Error) -> Bool {
        guard let psql = error as? PSQLError else { return false }
        switch psql.code {
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .connectionError: return true
        default:
            let state = psql.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || state.hasPrefix("57")
        }
    }

    /// A server or connection error in the words the user can act on.
    func describe(_ error: any Error) -> any Error {
        if error is SessionError || error is EngineError || error is CancellationError { return error }
        let place = "\(address.host):\(address.port)"
        guard let psql = error as? PSQLError else {
            return SessionError.server(address: address.description, reason: String(describing: error))
        }
        let state = psql.serverInfo?[.sqlState]
        let message = psql.serverInfo?[.message] ?? ""
        switch (psql.code, state) {
        case (.server, "28P01"), (.server, "28000"):
            return SessionError.authentication(address: address.description, user: address.user, reason: message)
        case (.authMechanismRequiresPassword, _):
            return SessionError.authentication(
                address: address.description, user: address.user,
                reason: "the server asks for a password and neither PGPASSWORD nor ~/.pgpass has one for \(place)/\(address.database)")
        case (.server, "3D000"):
            return SessionError.noDatabase(address: address.description, database: address.database)
        case (.connectionError, _):
            let underlying = psql.underlying.map { String(describing: $0) } ?? "no answer"
            return SessionError.unreachable(address: address.description, reason: "\(place): \(underlying)")
        case _ where Self.endsConnection(psql):
            return SessionError.server(
                address: address.description,
                reason: "the connection to the server dropped before the request was confirmed; the next request reconnects")
        case (.server, _):
            return SessionError.server(address: address.description, reason: "the server refused a request: \(message) (SQLSTATE \(state ?? "?"))")
        default:
            return SessionError.server(address: address.description, reason: String(reflecting: psql))
        }
    }
}
