import Foundation
import GRDB
import IMFLNumerics

// MARK: - The session store

/// A session folder's database is its `SessionStore`. Its methods answer synchronously: a
/// SQLite transaction on a local file is short, and a synchronous method satisfies the
/// protocol's `async` requirements, so callers that hold an `AppDatabase` (import, embedding,
/// simulation) keep their plain calls.
extension AppDatabase: SessionStore {}

// MARK: - The round engine's store

/// The session database is the round engine's store: items and vectors, the annotation log
/// (`append(contentsOf:)`, `annotationLog()`),
/// rounds with their queues, and each finished round's metrics. Each method is one
/// transaction, durable on return.
extension AppDatabase: EngineStore {
    public func items(in split: Split) throws -> [EngineItem] {
        try reader.read { db in
            try Row.fetchAll(db, sql: "SELECT id, key, text, gold FROM item WHERE split = ? ORDER BY id", arguments: [split.rawValue])
                .map { EngineItem(id: $0["id"], text: $0["text"], gold: $0["gold"], split: split, key: $0["key"]) }
        }
    }

    public func itemIDsWithVectors(modelID: String) throws -> Set<Int64> {
        try reader.read { db in
            Set(try Int64.fetchAll(db, sql: "SELECT itemId FROM embedding WHERE model = ?", arguments: [modelID]))
        }
    }

    public func vectors(for ids: [Int64], modelID: String) throws -> Matrix {
        let (found, vectors) = try embeddings(model: modelID, itemIds: ids)
        guard found.count == ids.count else {
            let present = Set(found)
            throw EngineError.missingVector(itemID: ids.first { !present.contains($0) }!)
        }
        return vectors
    }

    public func saveVectors(_ vectors: Matrix, for ids: [Int64], modelID: String) throws {
        try saveEmbeddings(model: modelID, itemIds: ids, vectors: vectors)
    }

    public func beginRound(_ round: RoundRecord, queue: [QueueEntry]) throws {
        try writer.write { db in
            try Self.save(round, db)
            for entry in queue {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO queueEntry (round, itemId, fidelity, rank) VALUES (?, ?, ?, ?)",
                    arguments: [entry.round, entry.itemID, entry.fidelity.rawValue, entry.rank])
            }
        }
    }

    public func updateRound(_ round: RoundRecord) throws {
        try writer.write { db in try Self.save(round, db) }
    }

    public func finishRound(_ round: RoundRecord, metrics: RoundMetrics) throws {
        let json = String(decoding: try JSONEncoder().encode(metrics), as: UTF8.self)
        try writer.write { db in
            try Self.save(round, db)
            try db.execute(
                sql: "INSERT OR REPLACE INTO roundMetrics (round, macroF1, json) VALUES (?, ?, ?)",
                arguments: [metrics.round, metrics.evaluation.macroF1, json])
        }
    }

    public func rounds() throws -> [RoundRecord] {
        try reader.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM round ORDER BY number").map { row in
                RoundRecord(
                    round: row["number"], status: RoundStatus(rawValue: row["status"]) ?? .labeling,
                    human: row["human"], llm: row["llm"], trainedThrough: row["trainedThrough"])
            }
        }
    }

    public func queue(round: Int) throws -> [QueueEntry] {
        try reader.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM queueEntry WHERE round = ? ORDER BY rank", arguments: [round]).map { row in
                QueueEntry(round: row["round"], itemID: row["itemId"],
                           fidelity: Fidelity(rawValue: row["fidelity"]) ?? .human, rank: row["rank"])
            }
        }
    }

    public func metrics() throws -> [RoundMetrics] {
        try reader.read { db in
            try String.fetchAll(db, sql: "SELECT json FROM roundMetrics ORDER BY round").map {
                try JSONDecoder().decode(RoundMetrics.self, from: Data($0.utf8))
            }
        }
    }

    private static func save(_ round: RoundRecord, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO round (number, status, human, llm, trainedThrough, updatedAt) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(number) DO UPDATE SET status = excluded.status, human = excluded.human,
                    llm = excluded.llm, trainedThrough = excluded.trainedThrough, updatedAt = excluded.updatedAt
                """,
            arguments: [round.round, round.status.rawValue, round.human, round.llm, round.trainedThrough, Date()])
    }
}
