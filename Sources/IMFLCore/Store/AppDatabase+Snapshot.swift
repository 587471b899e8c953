import Foundation
import GRDB

// MARK: - Every row, for imfl copy

extension AppDatabase {
    /// Every row of the session, read in one transaction (a consistent copy even while the
    /// session is being labeled).
    public func snapshot() throws -> SessionSnapshot {
        try reader.read { db in
            var snapshot = SessionSnapshot()
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM meta") { snapshot.meta[row["key"]] = row["value"] }
            snapshot.labels = try String.fetchAll(db, sql: "SELECT name FROM label ORDER BY position")
            snapshot.items = try Item.order(Item.Columns.id).fetchAll(db)
            snapshot.annotations = try Annotation.order(Annotation.Columns.id).fetchAll(db)
            snapshot.rounds = try Row.fetchAll(db, sql: "SELECT * FROM round ORDER BY number").map { row in
                SessionSnapshot.Round(
                    record: RoundRecord(round: row["number"], status: RoundStatus(rawValue: row["status"]) ?? .labeling,
                                        human: row["human"], llm: row["llm"], trainedThrough: row["trainedThrough"]),
                    updatedAt: row["updatedAt"])
            }
            snapshot.queues = try Row.fetchAll(db, sql: "SELECT * FROM queueEntry ORDER BY round, rank").map { row in
                QueueEntry(round: row["round"], itemID: row["itemId"], fidelity: Fidelity(rawValue: row["fidelity"]) ?? .human, rank: row["rank"])
            }
            snapshot.metrics = try Row.fetchAll(db, sql: "SELECT * FROM roundMetrics ORDER BY round").map { row in
                SessionSnapshot.Metrics(round: row["round"], macroF1: row["macroF1"], json: row["json"])
            }
            snapshot.embeddings = try Row.fetchAll(db, sql: "SELECT * FROM embedding ORDER BY itemId, model").map { row in
                SessionSnapshot.Embedding(itemID: row["itemId"], model: row["model"], vector: row["vector"])
            }
            snapshot.llmCalls = try Row.fetchAll(db, sql: "SELECT * FROM llmCall ORDER BY id").map { row in
                SessionSnapshot.LLMCall(id: row["id"], record: LLMCallRecord(
                    itemID: row["itemId"], model: row["model"], promptHash: row["promptHash"], promptTokens: row["promptTokens"],
                    promptTokensEvaluated: row["promptTokensEvaluated"], completionTokens: row["completionTokens"],
                    latencySeconds: row["latencySeconds"], cost: row["cost"], attempts: row["attempts"],
                    cached: row["cached"], error: row["error"], startedAt: row["startedAt"]))
            }
            snapshot.llmCache = try Row.fetchAll(db, sql: "SELECT * FROM llmCache ORDER BY key").map { row in
                SessionSnapshot.CacheEntry(key: row["key"], response: row["response"], createdAt: row["createdAt"])
            }
            return snapshot
        }
    }

    /// Writes a snapshot into this (new, empty) database in one transaction, ids and all.
    /// Dates are written as SQLite text to the nearest millisecond (`SQLiteDate`).
    public func restore(_ snapshot: SessionSnapshot) throws {
        try writer.write { db in
            for (key, value) in snapshot.meta.sorted(by: { $0.key < $1.key }) {
                try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
            }
            for (position, name) in snapshot.labels.enumerated() {
                try db.execute(sql: "INSERT INTO label (name, position) VALUES (?, ?)", arguments: [name, position])
            }
            let item = try db.makeStatement(sql: "INSERT INTO item (id, key, text, split, gold, position) VALUES (?, ?, ?, ?, ?, ?)")
            for i in snapshot.items {
                try item.execute(arguments: [i.id, i.key, i.text, i.split.rawValue, i.gold, i.position])
            }
            let event = try db.makeStatement(sql: """
                INSERT INTO annotation (id, itemId, kind, label, source, annotator, round, confidence, note, supersedes,
                                        createdAt, examples, promptHash, batch)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for a in snapshot.annotations {
                try event.execute(arguments: [
                    a.id, a.itemID, a.kind.rawValue, a.label, a.source?.rawValue, a.annotator, a.round, a.confidence,
                    a.note, a.supersedes, SQLiteDate.text(a.createdAt), a.examples.map { $0.map(String.init).joined(separator: ",") },
                    a.promptHash, a.batch,
                ])
            }
            for r in snapshot.rounds {
                try db.execute(
                    sql: "INSERT INTO round (number, status, human, llm, trainedThrough, updatedAt) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [r.record.round, r.record.status.rawValue, r.record.human, r.record.llm,
                                r.record.trainedThrough, SQLiteDate.text(r.updatedAt)])
            }
            let entry = try db.makeStatement(sql: "INSERT INTO queueEntry (round, itemId, fidelity, rank) VALUES (?, ?, ?, ?)")
            for q in snapshot.queues {
                try entry.execute(arguments: [q.round, q.itemID, q.fidelity.rawValue, q.rank])
            }
            for m in snapshot.metrics {
                try db.execute(sql: "INSERT INTO roundMetrics (round, macroF1, json) VALUES (?, ?, ?)",
                               arguments: [m.round, m.macroF1, m.json])
            }
            let vector = try db.makeStatement(sql: "INSERT INTO embedding (itemId, model, vector) VALUES (?, ?, ?)")
            for e in snapshot.embeddings {
                try vector.execute(arguments: [e.itemID, e.model, e.vector])
            }
            let call = try db.makeStatement(sql: """
                INSERT INTO llmCall (id, itemId, model, promptHash, promptTokens, promptTokensEvaluated, completionTokens,
                                     latencySeconds, cost, attempts, cached, error, startedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for c in snapshot.llmCalls {
                let r = c.record
                try call.execute(arguments: [
                    c.id, r.itemID, r.model, r.promptHash, r.promptTokens, r.promptTokensEvaluated, r.completionTokens,
                    r.latencySeconds, r.cost, r.attempts, r.cached, r.error, SQLiteDate.text(r.startedAt),
                ])
            }
            for e in snapshot.llmCache {
                try db.execute(sql: "INSERT INTO llmCache (key, response, createdAt) VALUES (?, ?, ?)",
                               arguments: [e.key, e.response, SQLiteDate.text(e.createdAt)])
            }
        }
    }
}
