import Foundation
import IMFLNumerics
import Logging
import PostgresNIO

/// A shared session on PostgreSQL: the same tables, migrations and append-only log as a
/// session folder's SQLite database, so that several experts on several machines can work on
/// one session.
///
/// Each session is a schema of its own (`imfl_NAME`) in the database the URL names, and
/// several sessions can share one database. A schema per session, rather than a `session`
/// column in shared tables, keeps each session's ids its own (a `bigserial` per table, so
/// the log's id order is its append order and ids copy one for one from and to a folder),
/// lets every statement be the SQLite store's with no extra filter, gives each session its own
/// `migrations` table (one session can be upgraded while another is in use), and makes
/// removing a session one `DROP SCHEMA … CASCADE`.
///
/// Every call is one statement or one transaction on one connection (`PostgresLink`), and
/// is committed on the server when it returns.
public final class PostgresStore: SessionStore {
    public let address: PostgresAddress
    let link: PostgresLink
    /// Tasks listening for other processes' writes (`changes()`).
    let listeners = ListenerTasks()

    /// Meta keys under which a shared session keeps what a folder keeps in files: its
    /// settings (session.toml's text) and its guidelines.
    public static let configKey = "session.toml"
    public static let guidelinesKey = "guidelines"

    private init(address: PostgresAddress, link: PostgresLink) {
        self.address = address
        self.link = link
    }

    /// Opens an existing session and brings its schema up to date.
    /// - Throws: `SessionError` for an unreachable server, a refused password, a missing
    ///   database or session, and a session written by a newer imfl.
    /// - Parameter environment: where `PGPASSWORD`, `PGPASSFILE` and `HOME` are read.
    public static func open(
        _ address: PostgresAddress, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> PostgresStore {
        let link = PostgresLink(address: address, password: address.password(environment: environment))
        let store = PostgresStore(address: address, link: link)
        do {
            guard try await store.schemaExists() else {
                throw SessionError.noSession(address: address.description, existing: try await store.sessionNames())
            }
            try await store.migrate()
        } catch {
            await link.close()
            throw error
        }
        return store
    }

    /// Creates a session: its schema, its tables, and whatever `fill` writes, all in one
    /// transaction, so that a failed `imfl init` or `imfl copy` leaves no session behind.
    /// - Throws: `SessionError.sessionExists` when the name is taken, and connection errors.
    public static func create(
        _ address: PostgresAddress, fill: @escaping @Sendable (PostgresConnection, Logger) async throws -> Void
    ) async throws -> PostgresStore {
        let link = PostgresLink(address: address, password: address.password())
        let store = PostgresStore(address: address, link: link)
        do {
            try await link.transaction { db, logger in
                // Two creators of one name: the second waits here and then sees the schema.
                try await db.query("SELECT pg_advisory_xact_lock(hashtext(\(address.schema)))", logger: logger)
                let exists = try await db.query(
                    "SELECT 1 FROM pg_namespace WHERE nspname = \(address.schema)", logger: logger).collect()
                guard exists.isEmpty else { throw SessionError.sessionExists(address: address.description) }
                try await db.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \"\(address.schema)\""), logger: logger)
                try await Self.applyMigrations(db, logger, applied: [])
                try await fill(db, logger)
            }
        } catch {
            await link.close()
            throw error
        }
        return store
    }

    /// Takes the session's writer lock for this store's connection (one `imfl label` per
    /// session, as for a folder); released by `close()` or when the process ends.
    /// - Throws: `SessionError.locked` when another process holds it.
    public func takeWriterLock() async throws {
        try await link.takeWriterLock()
    }

    /// Ends the connection. Call it when done with the store.
    public func close() async {
        listeners.cancelAll()
        await link.close()
    }

    /// The sessions the database holds, by name.
    public func sessionNames() async throws -> [String] {
        try await link.withConnection { db, logger in
            var names = [String]()
            for try await name in try await db.query(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'imfl\\_%' ORDER BY nspname", logger: logger
            ).decode(String.self) {
                names.append(String(name.dropFirst("imfl_".count)))
            }
            return names
        }
    }

    /// Removes the session and everything in it.
    public func drop() async throws {
        let schema = address.schema
        try await link.withConnection { db, logger in
            try await db.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \"\(schema)\" CASCADE"), logger: logger)
        }
    }

    private func schemaExists() async throws -> Bool {
        let schema = address.schema
        return try await link.withConnection { db, logger in
            try await !db.query("SELECT 1 FROM pg_namespace WHERE nspname = \(schema)", logger: logger).collect().isEmpty
        }
    }

    /// Applies the migrations the session lacks, in one transaction under a lock, so that two
    /// processes opening an old session at once upgrade it once.
    private func migrate() async throws {
        let address = address
        try await link.transaction { db, logger in
            try await db.query("SELECT pg_advisory_xact_lock(hashtext(\(address.schema)))", logger: logger)
            try await db.query(PostgresQuery(unsafeSQL: PostgresSchema.migrationsTable), logger: logger)
            var applied = Set<String>()
            for try await name in try await db.query("SELECT identifier FROM migrations", logger: logger).decode(String.self) {
                applied.insert(name)
            }
            let known = Set(PostgresSchema.migrations.map(\.name))
            let unknown = applied.subtracting(known)
            guard unknown.isEmpty else {
                throw SessionError.newerSchema(address: address.description, unknown: unknown.sorted())
            }
            try await Self.applyMigrations(db, logger, applied: applied)
        }
    }

    private static func applyMigrations(_ db: PostgresConnection, _ logger: Logger, applied: Set<String>) async throws {
        try await db.query(PostgresQuery(unsafeSQL: PostgresSchema.migrationsTable), logger: logger)
        for migration in PostgresSchema.migrations where !applied.contains(migration.name) {
            for statement in migration.statements {
                try await db.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await db.query("INSERT INTO migrations (identifier) VALUES (\(migration.name))", logger: logger)
        }
    }

    /// The names of the migrations the session has, in the order imfl applies them (those
    /// it does not know last).
    public func appliedMigrations() async throws -> [String] {
        let names = try await link.withConnection { db, logger in
            var names = [String]()
            for try await name in try await db.query("SELECT identifier FROM migrations", logger: logger).decode(String.self) {
                names.append(name)
            }
            return names
        }
        let order = Dictionary(uniqueKeysWithValues: PostgresSchema.migrations.enumerated().map { ($1.name, $0) })
        return names.sorted { (order[$0] ?? .max, $0) < (order[$1] ?? .max, $1) }
    }
}

// MARK: - Database Access: Reads

extension PostgresStore {
    public func items(in split: Split) async throws -> [EngineItem] {
        try await link.withConnection { db, logger in
            var items = [EngineItem]()
            for try await (id, key, text, gold) in try await db.query(
                "SELECT id, key, text, gold FROM item WHERE split = \(split.rawValue) ORDER BY id", logger: logger
            ).decode((Int64, String, String, String?).self) {
                items.append(EngineItem(id: id, text: text, gold: gold, split: split, key: key))
            }
            return items
        }
    }

    public func labels() async throws -> [String] {
        try await link.withConnection { db, logger in
            var names = [String]()
            for try await name in try await db.query("SELECT name FROM label ORDER BY position", logger: logger).decode(String.self) {
                names.append(name)
            }
            return names
        }
    }

    public func meta(_ key: String) async throws -> String? {
        try await link.withConnection { db, logger in
            for try await value in try await db.query("SELECT value FROM meta WHERE key = \(key)", logger: logger).decode(String.self) {
                return value
            }
            return nil
        }
    }

    public func itemIDsWithVectors(modelID: String) async throws -> Set<Int64> {
        try await link.withConnection { db, logger in
            var ids = Set<Int64>()
            for try await id in try await db.query(
                "SELECT \(unescaped: "\"itemId\"") FROM embedding WHERE model = \(modelID)", logger: logger
            ).decode(Int64.self) { ids.insert(id) }
            return ids
        }
    }

    public func vectors(for ids: [Int64], modelID: String) async throws -> Matrix {
        let blobs = try await link.withConnection { db, logger in
            var byItem = [Int64: Data](minimumCapacity: ids.count)
            for try await (id, blob) in try await db.query(
                "SELECT \(unescaped: "\"itemId\""), vector FROM embedding WHERE model = \(modelID) AND \(unescaped: "\"itemId\"") = ANY(\(ids))",
                logger: logger
            ).decode((Int64, Data).self) { byItem[id] = blob }
            return byItem
        }
        var rows = [Data]()
        rows.reserveCapacity(ids.count)
        for id in ids {
            guard let blob = blobs[id] else { throw EngineError.missingVector(itemID: id) }
            rows.append(blob)
        }
        let dimension = (rows.first?.count ?? 0) / MemoryLayout<Float>.size
        do {
            return try VectorBlob.decode(rows, dimension: dimension)
        } catch let error as VectorBlobError {
            throw SessionError.schema("embedding of item \(ids[error.index]) under \(modelID): \(error.byteCount) bytes, expected \(dimension * 4)")
        }
    }

    public func annotationLog() async throws -> [Annotation] {
        try await link.withConnection { db, logger in
            var log = [Annotation]()
            let rows = try await db.query(PostgresQuery(unsafeSQL: "SELECT \(Self.annotationColumns) FROM annotation ORDER BY id"), logger: logger)
            for try await row in rows { log.append(try Self.annotation(row)) }
            return log
        }
    }

    public func annotations(after id: Int64) async throws -> [Annotation] {
        try await link.withConnection { db, logger in
            var log = [Annotation]()
            let rows = try await db.query(PostgresQuery(
                unsafeSQL: "SELECT \(Self.annotationColumns) FROM annotation WHERE id > $1 ORDER BY id",
                binds: { var b = PostgresBindings(); b.append(id); return b }()), logger: logger)
            for try await row in rows { log.append(try Self.annotation(row)) }
            return log
        }
    }

    public func rounds() async throws -> [RoundRecord] {
        try await link.withConnection { db, logger in
            var rounds = [RoundRecord]()
            for try await (number, status, human, llm, trained) in try await db.query(
                "SELECT number, status, human, llm, \(unescaped: "\"trainedThrough\"") FROM round ORDER BY number", logger: logger
            ).decode((Int, String, Int, Int, Int64?).self) {
                rounds.append(RoundRecord(round: number, status: RoundStatus(rawValue: status) ?? .labeling,
                                          human: human, llm: llm, trainedThrough: trained))
            }
            return rounds
        }
    }

    public func queue(round: Int) async throws -> [QueueEntry] {
        try await link.withConnection { db, logger in
            var entries = [QueueEntry]()
            for try await (item, fidelity, rank) in try await db.query(
                "SELECT \(unescaped: "\"itemId\""), fidelity, rank FROM \(unescaped: "\"queueEntry\"") WHERE round = \(round) ORDER BY rank",
                logger: logger
            ).decode((Int64, String, Int).self) {
                entries.append(QueueEntry(round: round, itemID: item, fidelity: Fidelity(rawValue: fidelity) ?? .human, rank: rank))
            }
            return entries
        }
    }

    public func metrics() async throws -> [RoundMetrics] {
        let texts = try await link.withConnection { db, logger in
            var texts = [String]()
            for try await json in try await db.query(
                "SELECT json FROM \(unescaped: "\"roundMetrics\"") ORDER BY round", logger: logger
            ).decode(String.self) { texts.append(json) }
            return texts
        }
        return try texts.map { try JSONDecoder().decode(RoundMetrics.self, from: Data($0.utf8)) }
    }

    public func llmCallTotals() async throws -> LLMCallTotals {
        try await link.withConnection { db, logger in
            let rows = try await db.query(PostgresQuery(unsafeSQL: """
                SELECT COUNT(*) AS calls, COUNT(error) AS failures, COALESCE(SUM(cached::int), 0) AS hits,
                    COALESCE(SUM("promptTokens"), 0) AS prompt, SUM("promptTokensEvaluated") AS evaluated,
                    COALESCE(SUM(CASE WHEN "promptTokensEvaluated" IS NOT NULL THEN "promptTokens" END), 0) AS "promptWithEvaluated",
                    COALESCE(SUM("completionTokens"), 0) AS completion,
                    COALESCE(SUM(cost), 0) AS cost, COALESCE(SUM("latencySeconds"), 0) AS latency
                FROM "llmCall"
                """), logger: logger)
            var totals = LLMCallTotals()
            for try await (calls, failures, hits, prompt, evaluated, withEvaluated, completion, cost, latency) in rows.decode(
                (Int64, Int64, Int64, Int64, Int64?, Int64, Int64, Double, Double).self
            ) {
                totals.calls = Int(calls)
                totals.failures = Int(failures)
                totals.cacheHits = Int(hits)
                totals.promptTokens = Int(prompt)
                totals.promptTokensEvaluated = evaluated.map(Int.init)
                totals.promptTokensWithEvaluated = Int(withEvaluated)
                totals.completionTokens = Int(completion)
                totals.cost = cost
                totals.latencySeconds = latency
            }
            return totals
        }
    }

    static let annotationColumns = """
        id, "itemId", kind, label, source, annotator, round, confidence, note, supersedes, "createdAt", examples, "promptHash", batch
        """

    static func annotation(_ row: PostgresRow) throws -> Annotation {
        let (id, item, kind, label, source, annotator, round, confidence, note, supersedes, created, examples, hash, batch) =
            try row.decode((Int64, Int64, String, String?, String?, String, Int?, Double?, String?, Int64?, Date, String?, String?, Int64?).self)
        guard let kind = Annotation.Kind(rawValue: kind) else {
            throw SessionError.schema("annotation \(id) has kind \"\(kind)\", which this imfl does not know")
        }
        return Annotation(
            id: id, itemID: item, kind: kind, label: label, source: source.flatMap(LabelSource.init(rawValue:)),
            annotator: annotator, round: round, confidence: confidence, note: note, supersedes: supersedes,
            createdAt: created, examples: examples.map { $0.split(separator: ",").compactMap { Int64($0) } },
            promptHash: hash, batch: batch)
    }
}

// MARK: - Database Access: Writes

extension PostgresStore {
    /// Appends under the log's lock, so that appends from several processes commit in the
    /// order of their ids: an engine that has read the log up to id N and later reads what
    /// comes after N never misses an event committed late with a smaller id. The other
    /// processes hear of it (`changes()`) when it commits.
    public func append(contentsOf events: [Annotation]) async throws -> [Annotation] {
        let schema = address.schema
        if events.count == 1, let event = events.first, event.id == nil {
            // One event (a label, a skip, an answer): the lock, the insert and the notice in
            // one statement, which is its own transaction: one round trip instead of five.
            var stored = event
            stored.id = try await link.withConnection { db, logger in try await Self.insertAlone(event, schema: schema, db, logger) }
            return [stored]
        }
        return try await link.transaction { db, logger in
            try await db.query("SELECT pg_advisory_xact_lock(hashtext(\("imfl.log." + schema)))", logger: logger)
            var stored = [Annotation]()
            for event in events {
                var row = event
                row.id = try await Self.insert(event, db, logger)
                stored.append(row)
            }
            try await Self.notify(.log, schema: schema, db, logger)
            return stored
        }
    }

    /// Tells the session's listeners, when the transaction commits, what changed.
    static func notify(_ change: StoreChange, schema: String, _ db: PostgresConnection, _ logger: Logger) async throws {
        let payload = change == .rounds ? "rounds" : "log"
        try await db.query("SELECT pg_notify(\(schema), \(payload))", logger: logger)
    }

    /// Inserts one event under the log's lock and notifies the listeners, in one statement.
    static func insertAlone(_ event: Annotation, schema: String, _ db: PostgresConnection, _ logger: Logger) async throws -> Int64 {
        var binds = bindings(event)
        binds.append("imfl.log." + schema)
        binds.append(schema)
        let sql = """
            WITH locked AS (SELECT pg_advisory_xact_lock(hashtext($14))),
            inserted AS (
                INSERT INTO annotation (\(annotationInsertColumns.joined(separator: ", ")))
                SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 FROM locked
                RETURNING id),
            told AS (SELECT pg_notify($15, 'log') FROM inserted)
            SELECT inserted.id FROM inserted, told
            """
        for try await id in try await db.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).decode(Int64.self) {
            return id
        }
        throw SessionError.schema("the server stored an annotation without returning its id")
    }

    static let annotationInsertColumns = [
        "\"itemId\"", "kind", "label", "source", "annotator", "round", "confidence", "note", "supersedes", "\"createdAt\"",
        "examples", "\"promptHash\"", "batch",
    ]

    /// An event's values in `annotationInsertColumns` order.
    static func bindings(_ event: Annotation) -> PostgresBindings {
        let examples = event.examples.map { $0.map(String.init).joined(separator: ",") }
        var binds = PostgresBindings()
        binds.append(event.itemID)
        binds.append(event.kind.rawValue)
        binds.append(event.label)
        binds.append(event.source?.rawValue)
        binds.append(event.annotator)
        binds.append(event.round)
        binds.append(event.confidence)
        binds.append(event.note)
        binds.append(event.supersedes)
        binds.append(event.createdAt)
        binds.append(examples)
        binds.append(event.promptHash)
        binds.append(event.batch)
        return binds
    }

    /// Inserts one event; with its own id when it has one (a copied session), else the next.
    static func insert(_ event: Annotation, _ db: PostgresConnection, _ logger: Logger) async throws -> Int64 {
        var binds = bindings(event)
        if let id = event.id { binds.append(id) }
        let sql = insertSQL("annotation", annotationInsertColumns, keepingID: event.id != nil) + " RETURNING id"
        for try await id in try await db.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).decode(Int64.self) {
            return id
        }
        throw SessionError.schema("the server stored an annotation without returning its id")
    }

    public func saveVectors(_ vectors: Matrix, for ids: [Int64], modelID: String) async throws {
        precondition(ids.count == vectors.rows, "one vector per item")
        let blobs = VectorBlob.encodeRows(vectors)
        try await link.transaction { db, logger in
            try await Self.insertEmbeddings(zip(ids, blobs).map { ($0, modelID, $1) }, db, logger)
        }
    }

    /// Writes vectors in statements of many rows each (one round trip per 500 vectors).
    static func insertEmbeddings(_ rows: [(Int64, String, Data)], _ db: PostgresConnection, _ logger: Logger) async throws {
        for start in stride(from: 0, to: rows.count, by: 500) {
            let chunk = rows[start ..< min(start + 500, rows.count)]
            var binds = PostgresBindings(capacity: chunk.count * 3)
            var values = [String]()
            for (n, (id, model, blob)) in chunk.enumerated() {
                binds.append(id)
                binds.append(model)
                try binds.append(blob)
                values.append("($\(3 * n + 1), $\(3 * n + 2), $\(3 * n + 3))")
            }
            try await db.query(PostgresQuery(unsafeSQL: """
                INSERT INTO embedding ("itemId", model, vector) VALUES \(values.joined(separator: ", "))
                ON CONFLICT ("itemId", model) DO UPDATE SET vector = excluded.vector
                """, binds: binds), logger: logger)
        }
    }

    public func beginRound(_ round: RoundRecord, queue: [QueueEntry]) async throws {
        let schema = address.schema
        try await link.transaction { db, logger in
            try await Self.save(round, updatedAt: Date(), db, logger)
            try await Self.notify(.rounds, schema: schema, db, logger)
            for start in stride(from: 0, to: queue.count, by: 1000) {
                let chunk = queue[start ..< min(start + 1000, queue.count)]
                var binds = PostgresBindings(capacity: chunk.count * 4)
                var values = [String]()
                for (n, entry) in chunk.enumerated() {
                    binds.append(entry.round)
                    binds.append(entry.itemID)
                    binds.append(entry.fidelity.rawValue)
                    binds.append(entry.rank)
                    values.append("($\(4 * n + 1), $\(4 * n + 2), $\(4 * n + 3), $\(4 * n + 4))")
                }
                try await db.query(PostgresQuery(unsafeSQL: """
                    INSERT INTO "queueEntry" (round, "itemId", fidelity, rank) VALUES \(values.joined(separator: ", "))
                    ON CONFLICT (round, "itemId") DO UPDATE SET fidelity = excluded.fidelity, rank = excluded.rank
                    """, binds: binds), logger: logger)
            }
            // The expert items' claim rows, so that claiming one is a single statement.
            try await Self.insertClaimRows(queue.filter { $0.fidelity == .human }.map(\.itemID), db, logger)
        }
    }

    public func updateRound(_ round: RoundRecord) async throws {
        let schema = address.schema
        try await link.transaction { db, logger in
            try await Self.save(round, updatedAt: Date(), db, logger)
            try await Self.notify(.rounds, schema: schema, db, logger)
        }
    }

    public func finishRound(_ round: RoundRecord, metrics: RoundMetrics) async throws {
        let json = String(decoding: try JSONEncoder().encode(metrics), as: UTF8.self)
        let schema = address.schema
        try await link.transaction { db, logger in
            try await Self.save(round, updatedAt: Date(), db, logger)
            try await Self.notify(.rounds, schema: schema, db, logger)
            try await Self.saveMetrics(round: metrics.round, macroF1: metrics.evaluation.macroF1, json: json, db, logger)
        }
    }

    static func save(_ round: RoundRecord, updatedAt: Date, _ db: PostgresConnection, _ logger: Logger) async throws {
        try await db.query("""
            INSERT INTO round (number, status, human, llm, \(unescaped: "\"trainedThrough\""), \(unescaped: "\"updatedAt\""))
            VALUES (\(round.round), \(round.status.rawValue), \(round.human), \(round.llm), \(round.trainedThrough), \(updatedAt))
            ON CONFLICT (number) DO UPDATE SET status = excluded.status, human = excluded.human, llm = excluded.llm,
                \(unescaped: "\"trainedThrough\" = excluded.\"trainedThrough\", \"updatedAt\" = excluded.\"updatedAt\"")
            """, logger: logger)
    }

    static func saveMetrics(round: Int, macroF1: Double, json: String, _ db: PostgresConnection, _ logger: Logger) async throws {
        try await db.query("""
            INSERT INTO \(unescaped: "\"roundMetrics\"") (round, \(unescaped: "\"macroF1\""), json) VALUES (\(round), \(macroF1), \(json))
            ON CONFLICT (round) DO UPDATE SET \(unescaped: "\"macroF1\" = excluded.\"macroF1\""), json = excluded.json
            """, logger: logger)
    }
}

// MARK: - LLM answer cache and call log

extension PostgresStore {
    public func cachedAnswer(forKey key: String) async throws -> CachedAnswer? {
        let json = try await link.withConnection { db, logger in
            for try await response in try await db.query(
                "SELECT response FROM \(unescaped: "\"llmCache\"") WHERE key = \(key)", logger: logger
            ).decode(String.self) { return Optional(response) }
            return nil
        }
        guard let json else { return nil }
        return try? CachedAnswer.decoder.decode(CachedAnswer.self, from: Data(json.utf8))
    }

    public func storeAnswer(_ answer: CachedAnswer, forKey key: String) async throws {
        let json = String(decoding: try CachedAnswer.encoder.encode(answer), as: UTF8.self)
        try await link.withConnection { db, logger in
            try await Self.saveCacheEntry(key: key, response: json, createdAt: answer.createdAt, db, logger)
        }
    }

    static func saveCacheEntry(key: String, response: String, createdAt: Date, _ db: PostgresConnection, _ logger: Logger) async throws {
        try await db.query("""
            INSERT INTO \(unescaped: "\"llmCache\"") (key, response, \(unescaped: "\"createdAt\"")) VALUES (\(key), \(response), \(createdAt))
            ON CONFLICT (key) DO UPDATE SET response = excluded.response, \(unescaped: "\"createdAt\" = excluded.\"createdAt\"")
            """, logger: logger)
    }

    public func record(_ record: LLMCallRecord) async throws {
        try await link.withConnection { db, logger in try await Self.insert(record, id: nil, db, logger) }
    }

    /// Inserts one call; with its own id when it has one (a copied session), else the next.
    static func insert(_ record: LLMCallRecord, id: Int64?, _ db: PostgresConnection, _ logger: Logger) async throws {
        var binds = PostgresBindings()
        binds.append(record.itemID)
        binds.append(record.model)
        binds.append(record.promptHash)
        binds.append(record.promptTokens)
        binds.append(record.promptTokensEvaluated)
        binds.append(record.completionTokens)
        binds.append(record.latencySeconds)
        binds.append(record.cost)
        binds.append(record.attempts)
        binds.append(record.cached)
        binds.append(record.error)
        binds.append(record.startedAt)
        if let id { binds.append(id) }
        let sql = insertSQL("\"llmCall\"", [
            "\"itemId\"", "model", "\"promptHash\"", "\"promptTokens\"", "\"promptTokensEvaluated\"", "\"completionTokens\"",
            "\"latencySeconds\"", "cost", "attempts", "cached", "error", "\"startedAt\"",
        ], keepingID: id != nil)
        try await db.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
    }

    /// `INSERT INTO table (columns) VALUES ($1, …)`, binding the values in the columns' order;
    /// a row that keeps its own id (a copied session) binds it last, in an `id` column.
    static func insertSQL(_ table: String, _ columns: [String], keepingID: Bool) -> String {
        let all = columns + (keepingID ? ["id"] : [])
        return "INSERT INTO \(table) (\(all.joined(separator: ", "))) VALUES (\(all.indices.map { "$\($0 + 1)" }.joined(separator: ", ")))"
    }
}
