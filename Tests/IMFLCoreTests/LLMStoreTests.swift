import Foundation
import Testing
@testable import IMFLCore

/// The session database as the LLM annotator's answer cache and call log.
@Suite struct LLMStoreTests {
    @Test func answersAreCachedByKeyAndSurviveReopening() async throws {
        // Given an answer stored in a session file
        let dir = try TempDir()
        let path = dir.path("s.sqlite")
        let answer = CachedAnswer(label: "positive", confidence: 0.75, probabilities: ["positive": 0.75, "neutral": 0.25],
                                  model: "m", promptTokens: 120, completionTokens: 1, createdAt: Date(timeIntervalSince1970: 1_700_000_000))
        do {
            let db = try AppDatabase.open(path: path)
            try await db.storeAnswer(answer, forKey: "abc")
        }
        // When the session is opened again
        let db = try AppDatabase.open(path: path)
        // Then the same key gives the same answer, and another key gives none
        #expect(try await db.cachedAnswer(forKey: "abc") == answer)
        #expect(try await db.cachedAnswer(forKey: "other") == nil)
    }

    @Test func callsAreLoggedAndTotalled() async throws {
        let db = try AppDatabase.inMemory()
        try await db.record(LLMCallRecord(itemID: nil, model: "m", promptHash: "h1", promptTokens: 100, completionTokens: 2,
                                          latencySeconds: 0.5, cost: 0.01, attempts: 1, cached: false, error: nil, startedAt: Date()))
        try await db.record(LLMCallRecord(itemID: nil, model: "m", promptHash: "h2", promptTokens: nil, completionTokens: nil,
                                          latencySeconds: 3, cost: 0, attempts: 4, cached: false, error: "HTTP 500", startedAt: Date()))
        try await db.record(LLMCallRecord(itemID: nil, model: "m", promptHash: "h1", promptTokens: 100, completionTokens: 2,
                                          latencySeconds: 0, cost: 0, attempts: 0, cached: true, error: nil, startedAt: Date()))
        let totals = try db.llmCallTotals()
        #expect(totals.calls == 3)
        #expect(totals.failures == 1)
        #expect(totals.cacheHits == 1)
        #expect(totals.promptTokens == 200)
        #expect(totals.completionTokens == 4)
        #expect(abs(totals.cost - 0.01) < 1e-12)
    }
}
