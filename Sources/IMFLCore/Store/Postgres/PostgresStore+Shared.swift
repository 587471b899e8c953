import Foundation
import Logging
import PostgresNIO

// MARK: - Many engines, one session

/// The engine lock is the session's writer lock (one engine per session, as the flock of a
/// folder gives one `imfl label`); claims are rows of `claim`, taken with `FOR UPDATE SKIP
/// LOCKED` so that two experts asking at the same moment get different items without waiting
/// for each other; changes arrive through `LISTEN`/`NOTIFY` on a channel named after the
/// session's schema.
extension PostgresStore: SharedEngineStore {
    public func tryLeadEngine(holder: String) async throws -> Bool {
        guard try await link.tryWriterLockNow() else { return false }
        try await link.withConnection { db, logger in
            try await db.query("""
                INSERT INTO meta (key, value) VALUES (\(Self.engineHolderKey), \(holder))
                ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, logger: logger)
        }
        return true
    }

    public func engineHolder() async throws -> String? {
        try await meta(Self.engineHolderKey)
    }

    /// The meta key under which the leading engine says who it is.
    static let engineHolderKey = "engine"

    /// One statement when the candidates have rows (a round's expert items get theirs when it
    /// begins); otherwise their rows are made first, in the same transaction.
    public func claim(firstOf candidates: [Int64], holder: String, lease: Double) async throws -> Int64? {
        guard !candidates.isEmpty else { return nil }
        let claimed = try await link.withConnection { db, logger in
            try await Self.claim(candidates, holder: holder, lease: lease, db, logger)
        }
        if claimed != nil { return claimed }
        return try await link.transaction { db, logger in
            // Rows for the candidates that have never been claimed, so that the claim below
            // can lock them; an existing row is left as it is.
            try await Self.insertClaimRows(candidates, db, logger)
            return try await Self.claim(candidates, holder: holder, lease: lease, db, logger)
        }
    }

    static func insertClaimRows(_ items: [Int64], _ db: PostgresConnection, _ logger: Logger) async throws {
        try await db.query("""
            INSERT INTO claim (\(unescaped: "\"itemId\"")) SELECT unnest(\(items)::bigint[]) ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    /// Takes the first free candidate's row, skipping rows another claim has locked this very
    /// moment (`SKIP LOCKED`), so that experts asking at once never wait for each other.
    private static func claim(
        _ candidates: [Int64], holder: String, lease: Double, _ db: PostgresConnection, _ logger: Logger
    ) async throws -> Int64? {
            let rows = try await db.query("""
                UPDATE claim SET holder = \(holder), \(unescaped: "\"expiresAt\"") = now() + make_interval(secs => \(lease))
                WHERE \(unescaped: "\"itemId\"") = (
                    SELECT \(unescaped: "\"itemId\"") FROM claim
                    WHERE \(unescaped: "\"itemId\"") = ANY(\(candidates))
                      AND (holder IS NULL OR holder = \(holder) OR \(unescaped: "\"expiresAt\"") < now())
                    ORDER BY array_position(\(candidates)::bigint[], \(unescaped: "\"itemId\"")) LIMIT 1
                    FOR UPDATE SKIP LOCKED)
                RETURNING \(unescaped: "\"itemId\"")
                """, logger: logger)
            for try await id in rows.decode(Int64.self) { return Optional(id) }
            return nil
    }

    public func releaseClaim(itemID: Int64, holder: String) async throws {
        try await link.withConnection { db, logger in
            try await db.query("""
                UPDATE claim SET holder = NULL, \(unescaped: "\"expiresAt\"") = NULL
                WHERE \(unescaped: "\"itemId\"") = \(itemID) AND holder = \(holder)
                """, logger: logger)
        }
    }

    public func renewClaim(itemID: Int64, holder: String, lease: Double) async throws {
        try await link.withConnection { db, logger in
            try await db.query("""
                UPDATE claim SET \(unescaped: "\"expiresAt\"") = now() + make_interval(secs => \(lease))
                WHERE \(unescaped: "\"itemId\"") = \(itemID) AND holder = \(holder)
                """, logger: logger)
        }
    }

    public func claimedByOthers(_ itemIDs: [Int64], holder: String) async throws -> Int {
        guard !itemIDs.isEmpty else { return 0 }
        return try await link.withConnection { db, logger in
            for try await count in try await db.query("""
                SELECT COUNT(*) FROM claim WHERE \(unescaped: "\"itemId\"") = ANY(\(itemIDs))
                  AND holder IS NOT NULL AND holder <> \(holder) AND \(unescaped: "\"expiresAt\"") >= now()
                """, logger: logger).decode(Int64.self) { return Int(count) }
            return 0
        }
    }

    /// Listens on a connection of its own (a request never waits behind the listener, nor
    /// the listener behind a request). It says `.resync` once it listens, and again each
    /// time it listens after its connection dropped (it connects again after a second),
    /// since what was written before was not heard.
    public func changes() -> AsyncStream<StoreChange> {
        let (stream, sink) = AsyncStream.makeStream(of: StoreChange.self, bufferingPolicy: .bufferingNewest(16))
        let listener = link.sibling()
        let channel = address.schema
        let task = Task {
            while !Task.isCancelled {
                do {
                    try await listener.withConnection { db, logger in
                        try await db.listen(on: channel) { notifications in
                            // What was written before the listener started was not heard.
                            sink.yield(.resync)
                            for try await note in notifications {
                                sink.yield(note.payload == "rounds" ? .rounds : .log)
                            }
                        }
                    }
                } catch {
                    if Task.isCancelled { break }
                }
                try? await Task.sleep(for: .seconds(1))
            }
            await listener.close()
            sink.finish()
        }
        sink.onTermination = { _ in task.cancel() }
        listeners.add(task)
        return stream
    }
}

/// The listening tasks a store started, ended when it closes.
final class ListenerTasks: @unchecked Sendable {
    private let lock = NSLock()
    private var tasks: [Task<Void, Never>] = []

    func add(_ task: Task<Void, Never>) {
        lock.withLock { tasks.append(task) }
    }

    func cancelAll() {
        let all = lock.withLock { () -> [Task<Void, Never>] in
            defer { tasks = [] }
            return tasks
        }
        for task in all { task.cancel() }
    }
}
