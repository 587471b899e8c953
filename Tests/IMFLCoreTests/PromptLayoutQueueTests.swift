import Foundation
import Testing
@testable import IMFLCore
import IMFLTestSupport

/// The engine's LLM queue under each prompt layout: what each item's prompt carries and the
/// order of the calls (issue #11).
@Suite("Prompt layout in the LLM queue")
struct PromptLayoutQueueTests {
    /// One round of 10 expert and 30 LLM items, the LLM answering one call at a time with the
    /// gold label; returns the LLM's requests in call order and what the session decided.
    static func session(_ layout: PromptLayout) async throws -> (requests: [AnnotationRequest], outcome: LLMQueueTests.Outcome) {
        let store = InMemoryEngineStore(items: EngineTests.sessionItems())
        let llm = GatedAnnotator(gold: EngineTests.gold)
        var configuration = try LLMQueueTests.configuration(pipeline: .sequential, rounds: 1)
        configuration.promptLayout = layout
        try await LLMQueueTests.expert(LLMQueueTests.engine(store, llm, configuration))
        return (await llm.requests, try await LLMQueueTests.Outcome(store))
    }

    /// Examples each request shares, from its first, with the request before it.
    static func sharedPrefixes(_ requests: [AnnotationRequest]) -> Int {
        zip(requests, requests.dropFirst()).map { PromptPlan<String>.commonPrefix($0.examples.map(\.text), $1.examples.map(\.text)) }
            .reduce(0, +)
    }

    @Test("shared-prefix asks every item with the same examples as similarity, reordered so that calls share more")
    func sharedPrefixReordersOnly() async throws {
        // Given the same session under today's layout and under shared-prefix
        let today = try await Self.session(.similarity)
        let shared = try await Self.session(.sharedPrefix)
        // Then every LLM item was asked once, with the same set of examples in both
        let todayExamples = Dictionary(uniqueKeysWithValues: today.requests.map { ($0.itemID, Set($0.examples.map(\.text))) })
        #expect(today.requests.count == 30 && shared.requests.count == 30)
        #expect(Set(shared.requests.map(\.itemID)) == Set(todayExamples.keys))
        for request in shared.requests {
            #expect(Set(request.examples.map(\.text)) == todayExamples[request.itemID], "item \(request.itemID)'s examples changed")
        }
        // And consecutive calls share more of their examples' prefix than in rank order
        #expect(Self.sharedPrefixes(shared.requests) > Self.sharedPrefixes(today.requests))
        // And the session decided the same
        #expect(shared.outcome == today.outcome)
    }

    @Test("group-examples asks every item with k distinct examples, its most similar one among them")
    func groupExamplesKeepTheNearest() async throws {
        let today = try await Self.session(.similarity)
        let grouped = try await Self.session(.groupExamples)
        let nearest = Dictionary(uniqueKeysWithValues: today.requests.map { ($0.itemID, $0.examples.last?.text) })
        #expect(grouped.requests.count == 30)
        for request in grouped.requests {
            let texts = request.examples.map(\.text)
            #expect(texts.count == 5 && Set(texts).count == 5)
            #expect(texts.contains(nearest[request.itemID]!!), "item \(request.itemID) lost its most similar example")
        }
        #expect(Self.sharedPrefixes(grouped.requests) > Self.sharedPrefixes(today.requests))
    }

    @Test("group-context asks every item with its group's 5 examples and at most its own nearest besides")
    func groupContextKeepsTheNearest() async throws {
        let today = try await Self.session(.similarity)
        let grouped = try await Self.session(.groupContext)
        let nearest = Dictionary(uniqueKeysWithValues: today.requests.map { ($0.itemID, $0.examples.last?.text) })
        #expect(grouped.requests.count == 30)
        for request in grouped.requests {
            let texts = request.examples.map(\.text)
            #expect((5 ... 6).contains(texts.count) && Set(texts).count == texts.count)
            #expect(texts.contains(nearest[request.itemID]!!), "item \(request.itemID) lost its most similar example")
        }
        // And a group's calls go out back to back, sharing the group's five examples
        #expect(Self.sharedPrefixes(grouped.requests) > Self.sharedPrefixes(today.requests))
        #expect(Self.sharedPrefixes(grouped.requests) >= Self.sharedPrefixes(try await Self.session(.groupExamples).requests))
    }
}
