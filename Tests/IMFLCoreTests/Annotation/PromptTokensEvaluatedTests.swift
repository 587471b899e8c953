import Foundation
import Testing
@testable import IMFLCore

/// What llama.cpp's server and OpenAI-style servers say about the prompt tokens they evaluated.
@Suite("Prompt tokens evaluated")
struct PromptTokensEvaluatedTests {
    static func body(_ extra: String) -> Data {
        Data((#"{"choices":[{"message":{"content":"positive"},"finish_reason":"stop"}],"# + extra + "}").utf8)
    }

    @Test("llama.cpp's timings.prompt_n is the evaluated count")
    func llamaCppTimings() throws {
        let completion = try ChatCompletion.decode(Self.body(
            #""usage":{"prompt_tokens":361,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":290}},"#
                + #""timings":{"cache_n":290,"prompt_n":71,"prompt_ms":612.5}"#))
        #expect(completion.promptTokens == 361)
        #expect(completion.promptTokensEvaluated == 71)
    }

    @Test("without timings, the prompt tokens less the cached ones")
    func openAICachedTokens() throws {
        let completion = try ChatCompletion.decode(Self.body(
            #""usage":{"prompt_tokens":1200,"completion_tokens":3,"prompt_tokens_details":{"cached_tokens":1024}}"#))
        #expect(completion.promptTokensEvaluated == 176)
    }

    @Test("a server that says nothing about its cache leaves it unknown")
    func unknown() throws {
        let completion = try ChatCompletion.decode(Self.body(#""usage":{"prompt_tokens":50,"completion_tokens":1}"#))
        #expect(completion.promptTokens == 50)
        #expect(completion.promptTokensEvaluated == nil)
    }

    @Test("the call log keeps the evaluated tokens and totals them against the calls that report them")
    func loggedAndTotalled() async throws {
        // Given three calls: two reporting what the server evaluated, one from an older server
        let db = try AppDatabase.inMemory()
        for (sent, evaluated) in [(360, 70), (350, 120)] as [(Int, Int?)] + [(400, nil)] {
            try await db.record(LLMCallRecord(
                itemID: nil, model: "m", promptHash: "h\(sent)", promptTokens: sent, promptTokensEvaluated: evaluated,
                completionTokens: 2, latencySeconds: 1, cost: 0, attempts: 1, cached: false, error: nil,
                startedAt: Date()))
        }
        // When totalled
        let totals = try db.llmCallTotals()
        // Then the evaluated tokens add up over the calls that report them, beside what those sent
        #expect(totals.promptTokens == 1110)
        #expect(totals.promptTokensEvaluated == 190)
        #expect(totals.promptTokensWithEvaluated == 710)
        // And the in-memory log agrees
        let memory = InMemoryCallLog()
        for (sent, evaluated) in [(360, 70), (350, 120)] as [(Int, Int?)] + [(400, nil)] {
            await memory.record(LLMCallRecord(
                itemID: nil, model: "m", promptHash: "h", promptTokens: sent, promptTokensEvaluated: evaluated,
                completionTokens: 2, latencySeconds: 1, cost: 0, attempts: 1, cached: false, error: nil,
                startedAt: Date()))
        }
        #expect(await memory.totals == totals)
    }

    @Test("a log without any report of evaluated tokens totals to unknown")
    func noneReported() throws {
        let db = try AppDatabase.inMemory()
        #expect(try db.llmCallTotals().promptTokensEvaluated == nil)
    }
}
