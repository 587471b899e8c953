import Foundation
import Testing
@testable import IMFLCore
import IMFLTestSupport

@Suite("LLMAnnotator")
struct LLMAnnotatorTests {
    static let labels = ["positive", "negative", "neutral"]

    @Test("a label with log-probabilities gets per-label probabilities, and the call is logged with its cost")
    func labelWithConfidence() async throws {
        // Given a server that answers "positive" with a first-token distribution
        let server = try await FaultServer.start([
            .answer("positive", logprobs: [("positive", [("positive", log(0.6)), ("Positive", log(0.1)),
                                                         ("negative", log(0.2)), ("The", log(0.1))])]),
        ])
        let log = InMemoryCallLog()
        let client = OpenAIChatClient(
            endpoint: ChatEndpoint(baseURL: server.baseURL, model: "m"), policy: ClientFaultTests.policy())
        let annotator = LLMAnnotator(
            client: client, prompt: PromptBuilder(task: "Classify.", labels: Self.labels),
            options: .init(promptPricePer1K: 1.0, completionPricePer1K: 2.0), log: log)
        // When an item is labeled
        let answer = try await annotator.annotate(AnnotationRequest(itemID: 3, text: "Up 5%", examples: []))
        // Then case variants are summed and "The" is dropped before renormalising
        #expect(answer.label == "positive")
        let confidence = try #require(answer.confidence)
        #expect(abs(confidence - 0.7 / 0.9) < 1e-9)
        #expect(abs((answer.probabilities["negative"] ?? 0) - 0.2 / 0.9) < 1e-9)
        #expect(answer.probabilities["neutral"] == 0)
        // And the call log has the tokens and the cost (40 prompt, 2 completion tokens)
        let record = try #require(await log.records.first)
        #expect(record.itemID == 3 && record.promptTokens == 40 && record.completionTokens == 2)
        #expect(abs(record.cost - (0.040 + 0.004)) < 1e-12)
        #expect(record.error == nil && !record.cached && record.attempts == 1)
        // And the request asked for log-probabilities and sent the label grammar
        let body = try #require(server.receivedBodies.first)
        #expect(body.contains(#""top_logprobs":10"#))
        #expect(body.contains(#"root ::= \"positive\" | \"negative\" | \"neutral\""#))
        try await client.shutdown()
        await server.stop()
    }

    @Test("without log-probabilities the confidence is unknown")
    func noLogprobs() async throws {
        let server = try await FaultServer.start([.answer(" Neutral.")])
        let client = OpenAIChatClient(
            endpoint: ChatEndpoint(baseURL: server.baseURL, model: "m"), policy: ClientFaultTests.policy())
        let annotator = LLMAnnotator(
            client: client, prompt: PromptBuilder(task: "t", labels: Self.labels), options: .init(constraint: .none))
        let answer = try await annotator.annotate(AnnotationRequest(itemID: 1, text: "x", examples: []))
        #expect(answer.label == "neutral")
        #expect(answer.confidence == nil)
        #expect(answer.probabilities.isEmpty)
        try await client.shutdown()
        await server.stop()
    }

    @Test("a repeated request is answered from the cache without a second call")
    func cacheHit() async throws {
        let server = try await FaultServer.start([.answer("negative")])
        let cache = InMemoryAnswerCache()
        let log = InMemoryCallLog()
        let client = OpenAIChatClient(
            endpoint: ChatEndpoint(baseURL: server.baseURL, model: "m"), policy: ClientFaultTests.policy())
        let annotator = LLMAnnotator(
            client: client, prompt: PromptBuilder(task: "t", labels: Self.labels), cache: cache, log: log)
        let request = AnnotationRequest(
            itemID: 1, text: "Losses widened.", examples: [FewShotExample(text: "Sales fell.", label: "negative")])
        let first = try await annotator.annotate(request)
        let second = try await annotator.annotate(request)
        #expect(first == second)
        #expect(server.requestCount == 1)
        let records = await log.records
        #expect(records.map(\.cached) == [false, true])
        #expect(records[0].promptHash == records[1].promptHash)
        // A different item is a different key
        _ = try await annotator.annotate(AnnotationRequest(itemID: 2, text: "Other.", examples: []))
        #expect(server.requestCount == 2)
        try await client.shutdown()
        await server.stop()
    }

    @Test("json_schema mode sends a response_format and reads the label from the JSON answer")
    func jsonSchemaMode() async throws {
        let server = try await FaultServer.start([
            .answer(#"{"label": "Negative"}"#, logprobs: [
                (#"{""#, [(#"{""#, 0)]), ("label", [("label", 0)]), (#"":"#, [(#"":"#, 0)]),
                (#" ""#, [(#" ""#, 0)]),
                ("Neg", [("Neg", log(0.5)), ("neg", log(0.3)), ("pos", log(0.2))]),
                ("ative", [("ative", 0)]), (#""}"#, [(#""}"#, 0)]),
            ]),
        ])
        let client = OpenAIChatClient(
            endpoint: ChatEndpoint(baseURL: server.baseURL, model: "m"), policy: ClientFaultTests.policy())
        let annotator = LLMAnnotator(
            client: client, prompt: PromptBuilder(task: "t", labels: Self.labels), options: .init(constraint: .jsonSchema))
        let answer = try await annotator.annotate(AnnotationRequest(itemID: 1, text: "x", examples: []))
        #expect(answer.label == "negative")
        #expect(abs((answer.confidence ?? 0) - 0.8) < 1e-9)
        let body = try #require(server.receivedBodies.first)
        #expect(body.contains(#""response_format":{"json_schema":"#))
        #expect(body.contains(#""enum":["positive","negative","neutral"]"#))
        #expect(!body.contains("grammar"))
        try await client.shutdown()
        await server.stop()
    }

    @Test("k cuts the examples to the most similar ones, zero-shot drops them")
    func kAndZeroShot() async throws {
        let server = try await FaultServer.start([.answer("positive")])
        let client = OpenAIChatClient(endpoint: ChatEndpoint(baseURL: server.baseURL, model: "m"))
        let examples = (1...6).map { FewShotExample(text: "example \($0)", label: "neutral") }
        let request = AnnotationRequest(itemID: 1, text: "item", examples: examples)
        let prompt = PromptBuilder(task: "t", labels: Self.labels)
        let three = LLMAnnotator(client: client, prompt: prompt, options: .init(k: 3)).chatRequest(for: request)
        let expectedCount = 8  // instruction, three example pairs, the item
        #expect(three.messages.count == expectedCount)
        #expect(three.messages[1].content.contains("example 4"))
        #expect(three.messages[5].content.contains("example 6"))
        let zero = LLMAnnotator(client: client, prompt: prompt, options: .init(zeroShot: true)).chatRequest(for: request)
        #expect(zero.messages.count == 2)
        try await client.shutdown()
        await server.stop()
    }
}
