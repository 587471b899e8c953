import Foundation
import GRDB

// MARK: - LLM answer cache and call log

/// The session database keeps the LLM's answers, so that a rerun or a simulation never pays
/// twice for the same prompt, and logs every call with its tokens, latency and cost.
extension AppDatabase: AnswerCache, LLMCallLog {
    public func cachedAnswer(forKey key: String) async throws -> CachedAnswer? {
        let json = try await reader.read { db in
            try String.fetchOne(db, sql: "SELECT response FROM llmCache WHERE key = ?", arguments: [key])
        }
        guard let json else { return nil }
        return try? CachedAnswer.decoder.decode(CachedAnswer.self, from: Data(json.utf8))
    }

    public func storeAnswer(_ answer: CachedAnswer, forKey key: String) async throws {
        let json = String(decoding: try CachedAnswer.encoder.encode(answer), as: UTF8.self)
        try await writer.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO llmCache (key, response, createdAt) VALUES (?, ?, ?)",
                arguments: [key, json, answer.createdAt])
        }
    }

    public func record(_ record: LLMCallRecord) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO llmCall (itemId, model, promptHash, promptTokens, promptTokensEvaluated,
                                         completionTokens, latencySeconds, cost, attempts, cached, error, startedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.itemID, record.model, record.promptHash, record.promptTokens,
                    record.promptTokensEvaluated, record.completionTokens, record.latencySeconds, record.cost, record.attempts,
                    record.cached, record.error, record.startedAt,
                ])
        }
    }

    /// Totals over the call log.
    public func llmCallTotals() throws -> LLMCallTotals {
        try reader.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT \(Self.totalsColumns) FROM llmCall")!
            return Self.totals(row)
        }
    }

    /// Totals over the calls for the items of each round's queues, by round number.
    public func llmCallTotalsByRound() throws -> [Int: LLMCallTotals] {
        try reader.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT queueEntry.round AS round, \(Self.totalsColumns)
                FROM llmCall JOIN queueEntry ON queueEntry.itemId = llmCall.itemId
                GROUP BY queueEntry.round
                """)
            return Dictionary(uniqueKeysWithValues: rows.map { (($0["round"] as Int), Self.totals($0)) })
        }
    }

    private static let totalsColumns = """
        COUNT(*) AS calls, COUNT(error) AS failures, COALESCE(SUM(cached), 0) AS hits,
        COALESCE(SUM(promptTokens), 0) AS prompt, SUM(promptTokensEvaluated) AS evaluated,
        COALESCE(SUM(CASE WHEN promptTokensEvaluated IS NOT NULL THEN promptTokens END), 0) AS promptWithEvaluated,
        COALESCE(SUM(completionTokens), 0) AS completion,
        COALESCE(SUM(cost), 0) AS cost, COALESCE(SUM(latencySeconds), 0) AS latency
        """

    private static func totals(_ row: Row) -> LLMCallTotals {
        var totals = LLMCallTotals()
        totals.calls = row["calls"]
        totals.failures = row["failures"]
        totals.cacheHits = row["hits"]
        totals.promptTokens = row["prompt"]
        totals.promptTokensEvaluated = row["evaluated"]
        totals.promptTokensWithEvaluated = row["promptWithEvaluated"]
        totals.completionTokens = row["completion"]
        totals.cost = row["cost"]
        totals.latencySeconds = row["latency"]
        return totals
    }
}
