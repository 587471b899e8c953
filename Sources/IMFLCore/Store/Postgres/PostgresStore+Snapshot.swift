import Foundation
import Logging
import PostgresNIO

// MARK: - Every row, for imfl copy

extension PostgresStore {
    /// Every row of the session, read in one repeatable-read transaction, so that the copy is
    /// consistent while other experts go on labeling.
    public func snapshot() async throws -> SessionSnapshot {
        try await link.withConnection { db, logger in
            try await db.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                let snapshot = try await Self.readSnapshot(db, logger)
                try await db.query("COMMIT", logger: logger)
                return snapshot
            } catch {
                if !db.isClosed { _ = try? await db.query("ROLLBACK", logger: logger) }
                throw error
            }
        }
    }

    private static func readSnapshot(_ db: PostgresConnection, _ logger: Logger) async throws -> SessionSnapshot {
        func rows(_ sql: String) async throws -> PostgresRowSequence {
            try await db.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        }
        var s = SessionSnapshot()
        for try await (key, value) in try await rows("SELECT key, value FROM meta").decode((String, String).self) {
            s.meta[key] = value
        }
        for try await name in try await rows("SELECT name FROM label ORDER BY position").decode(String.self) {
            s.labels.append(name)
        }
        for try await (id, key, text, split, gold, position) in try await rows(
            "SELECT id, key, text, split, gold, position FROM item ORDER BY id"
        ).decode((Int64, String, String, String, String?, Int).self) {
            s.items.append(Item(id: id, key: key, text: text, split: Split(rawValue: split) ?? .pool, gold: gold, position: position))
        }
        for try await row in try await rows("SELECT \(annotationColumns) FROM annotation ORDER BY id") {
            s.annotations.append(try annotation(row))
        }
        for try await (number, status, human, llm, trained, updated) in try await rows(
            "SELECT number, status, human, llm, \"trainedThrough\", \"updatedAt\" FROM round ORDER BY number"
        ).decode((Int, String, Int, Int, Int64?, Date).self) {
            s.rounds.append(SessionSnapshot.Round(
                record: RoundRecord(round: number, status: RoundStatus(rawValue: status) ?? .labeling, human: human, llm: llm,
                                    trainedThrough: trained),
                updatedAt: updated))
        }
        for try await (round, item, fidelity, rank) in try await rows(
            "SELECT round, \"itemId\", fidelity, rank FROM \"queueEntry\" ORDER BY round, rank"
        ).decode((Int, Int64, String, Int).self) {
            s.queues.append(QueueEntry(round: round, itemID: item, fidelity: Fidelity(rawValue: fidelity) ?? .human, rank: rank))
        }
        for try await (round, f1, json) in try await rows(
            "SELECT round, \"macroF1\", json FROM \"roundMetrics\" ORDER BY round"
        ).decode((Int, Double, String).self) {
            s.metrics.append(SessionSnapshot.Metrics(round: round, macroF1: f1, json: json))
        }
        for try await (item, model, vector) in try await rows(
            "SELECT \"itemId\", model, vector FROM embedding ORDER BY \"itemId\", model"
        ).decode((Int64, String, Data).self) {
            s.embeddings.append(SessionSnapshot.Embedding(itemID: item, model: model, vector: vector))
        }
        for try await row in try await rows("""
            SELECT id, "itemId", model, "promptHash", "promptTokens", "promptTokensEvaluated", "completionTokens",
                   "latencySeconds", cost, attempts, cached, error, "startedAt" FROM "llmCall" ORDER BY id
            """) {
            let (id, item, model, hash, prompt, evaluated, completion, latency, cost, attempts, cached, error, started) =
                try row.decode((Int64, Int64?, String, String, Int?, Int?, Int?, Double, Double, Int, Bool, String?, Date).self)
            s.llmCalls.append(SessionSnapshot.LLMCall(id: id, record: LLMCallRecord(
                itemID: item, model: model, promptHash: hash, promptTokens: prompt, promptTokensEvaluated: evaluated,
                completionTokens: completion, latencySeconds: latency, cost: cost, attempts: attempts, cached: cached,
                error: error, startedAt: started)))
        }
        for try await (key, response, created) in try await rows(
            "SELECT key, response, \"createdAt\" FROM \"llmCache\" ORDER BY key"
        ).decode((String, String, Date).self) {
            s.llmCache.append(SessionSnapshot.CacheEntry(key: key, response: response, createdAt: created))
        }
        return s
    }

    /// Writes a snapshot into a new session's empty tables (inside `create`'s transaction),
    /// ids and all, then moves each id sequence past the copied ids so that the next append
    /// continues the log.
    static func restore(_ s: SessionSnapshot, _ db: PostgresConnection, _ logger: Logger) async throws {
        for (key, value) in s.meta.sorted(by: { $0.key < $1.key }) {
            try await db.query("INSERT INTO meta (key, value) VALUES (\(key), \(value))", logger: logger)
        }
        for (position, name) in s.labels.enumerated() {
            try await db.query("INSERT INTO label (name, position) VALUES (\(name), \(position))", logger: logger)
        }
        try await insertItems(s.items, db, logger)
        for event in s.annotations {
            _ = try await insert(event, db, logger)
        }
        for round in s.rounds {
            try await save(round.record, updatedAt: round.updatedAt, db, logger)
        }
        for entry in s.queues {
            try await db.query("""
                INSERT INTO \(unescaped: "\"queueEntry\"") (round, \(unescaped: "\"itemId\""), fidelity, rank)
                VALUES (\(entry.round), \(entry.itemID), \(entry.fidelity.rawValue), \(entry.rank))
                """, logger: logger)
        }
        for m in s.metrics {
            try await saveMetrics(round: m.round, macroF1: m.macroF1, json: m.json, db, logger)
        }
        try await insertEmbeddings(s.embeddings.map { ($0.itemID, $0.model, $0.vector) }, db, logger)
        for call in s.llmCalls {
            try await insert(call.record, id: call.id, db, logger)
        }
        for entry in s.llmCache {
            try await saveCacheEntry(key: entry.key, response: entry.response, createdAt: entry.createdAt, db, logger)
        }
        for table in ["item", "annotation", "llmCall"] {
            try await db.query(PostgresQuery(unsafeSQL: """
                SELECT setval(pg_get_serial_sequence('"\(table)"', 'id'), COALESCE((SELECT MAX(id) FROM "\(table)"), 0) + 1, false)
                """), logger: logger)
        }
    }

    /// Writes items in statements of many rows each; with their ids when they have them.
    static func insertItems(_ items: [Item], _ db: PostgresConnection, _ logger: Logger) async throws {
        for start in stride(from: 0, to: items.count, by: 1000) {
            let chunk = items[start ..< min(start + 1000, items.count)]
            var binds = PostgresBindings(capacity: chunk.count * 6)
            var values = [String]()
            let withIDs = chunk.allSatisfy { $0.id != nil }
            let width = withIDs ? 6 : 5
            for (n, item) in chunk.enumerated() {
                if withIDs { binds.append(item.id!) }
                binds.append(item.key)
                binds.append(item.text)
                binds.append(item.split.rawValue)
                binds.append(item.gold)
                binds.append(item.position)
                values.append("(" + (1 ... width).map { "$\(width * n + $0)" }.joined(separator: ", ") + ")")
            }
            let columns = (withIDs ? "id, " : "") + "key, text, split, gold, position"
            try await db.query(PostgresQuery(
                unsafeSQL: "INSERT INTO item (\(columns)) VALUES \(values.joined(separator: ", "))", binds: binds), logger: logger)
        }
    }

    /// Imports a dataset into a new session (inside `create`'s transaction): the label set,
    /// the items in file order (pool first, so ids follow the SQLite store's), and metadata.
    static func importDataset(
        labels: [String], pool: [Item], test: [Item], meta: [String: String], _ db: PostgresConnection, _ logger: Logger
    ) async throws {
        for (position, name) in labels.enumerated() {
            try await db.query("INSERT INTO label (name, position) VALUES (\(name), \(position))", logger: logger)
        }
        try await insertItems((pool + test).map { var i = $0; i.id = nil; return i }, db, logger)
        for (key, value) in meta.sorted(by: { $0.key < $1.key }) {
            try await db.query("""
                INSERT INTO meta (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, logger: logger)
        }
    }
}
