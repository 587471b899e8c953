import Foundation
import Testing
@testable import IMFLCore
import IMFLTestSupport

/// The client and annotator against a misbehaving server: every fault ends in a retry, a
/// requeue (a thrown ``LLMError``) or a clear error, quickly, never in a hang or a crash.
@Suite("OpenAIChatClient faults")
struct ClientFaultTests {
    static let labels = ["positive", "negative", "neutral"]

    /// A client policy for tests, with tiny backoffs so that the suite runs in seconds. The
    /// request timeout is long unless a test is about timeouts (and then its server never
    /// answers in time, whatever the machine's load): on a busy 2-core machine a healthy
    /// answer can take seconds to be read.
    static func policy(attempts: Int = 3, timeout: Duration = .seconds(30), breakerThreshold: Int = 50) -> ChatClientPolicy {
        ChatClientPolicy(
            connectTimeout: .seconds(5), requestTimeout: timeout, maxConcurrentRequests: 2,
            retry: RetryPolicy(maxAttempts: attempts, baseDelay: .milliseconds(10), maxDelay: .milliseconds(40)),
            breaker: CircuitBreakerPolicy(failureThreshold: breakerThreshold, cooldown: .milliseconds(300)))
    }

    static func annotator(
        _ server: FaultServer, policy: ChatClientPolicy = policy(), log: InMemoryCallLog? = nil,
        cache: InMemoryAnswerCache? = nil
    ) -> LLMAnnotator {
        let client = OpenAIChatClient(endpoint: ChatEndpoint(baseURL: server.baseURL, model: "test"), policy: policy)
        return LLMAnnotator(
            client: client, prompt: PromptBuilder(task: "Classify the sentiment.", labels: labels),
            options: .init(constraint: .grammar), cache: cache, log: log)
    }

    static let item = AnnotationRequest(itemID: 7, text: "Profit rose 20%.", examples: [])

    @Test("a 500 is retried and the next success is returned")
    func serverErrorThenSuccess() async throws {
        // Given a server that fails once with 500, then answers
        let server = try await FaultServer.start([.status(500, body: "boom"), .answer("positive")])
        let log = InMemoryCallLog()
        let annotator = Self.annotator(server, log: log)
        // When an item is labeled
        let answer = try await annotator.annotate(Self.item)
        // Then the label comes from the second attempt, and the call log says it took two
        #expect(answer.label == "positive")
        #expect(server.requestCount == 2)
        #expect(await log.records.map(\.attempts) == [2])
        try await annotator.client.shutdown()
        await server.stop()
    }

    @Test("persistent 500s end in a clear HTTP error after the last attempt")
    func persistentServerError() async throws {
        let server = try await FaultServer.start([.status(503, body: #"{"error":{"message":"overloaded"}}"#)])
        let log = InMemoryCallLog()
        let annotator = Self.annotator(server, log: log)
        await #expect(throws: LLMError.httpStatus(endpoint: server.baseURL, status: 503, message: "overloaded")) {
            try await annotator.annotate(Self.item)
        }
        #expect(server.requestCount == 3)
        let records = await log.records
        #expect(records.count == 1)
        #expect(records.first?.error?.contains("HTTP 503") == true)
        try await annotator.client.shutdown()
        await server.stop()
    }

    @Test("429 with Retry-After waits the requested time, then succeeds")
    func rateLimitedHonoursRetryAfter() async throws {
        let server = try await FaultServer.start([
            .status(429, body: "slow down", headers: [("Retry-After", "1")]), .answer("negative"),
        ])
        let annotator = Self.annotator(server)
        let clock = ContinuousClock()
        let start = clock.now
        let answer = try await annotator.annotate(Self.item)
        let elapsed = clock.now - start
        #expect(answer.label == "negative")
        // The backoff alone would be 10 ms; the server asked for a second.
        #expect(elapsed >= .milliseconds(950))
        try await annotator.client.shutdown()
        await server.stop()
    }

    @Test("connection refused is retried, then reported as a connection failure")
    func connectionRefused() async throws {
        let port = try await FaultServer.closedPort()
        let client = OpenAIChatClient(
            endpoint: ChatEndpoint(baseURL: "http://127.0.0.1:\(port)/v1", model: "test"), policy: Self.policy())
        let annotator = LLMAnnotator(client: client, prompt: PromptBuilder(task: "t", labels: Self.labels))
        do {
            _ = try await annotator.annotate(Self.item)
            Issue.record("expected a connection failure")
        } catch let error as LLMError {
            guard case .connectionFailed(let endpoint, _) = error else {
                Issue.record("expected connectionFailed, got \(error)")
                return
            }
            #expect(endpoint == "http://127.0.0.1:\(port)/v1")
        }
        try await client.shutdown()
    }

    @Test("a server that never answers times out on every attempt")
    func stalledServerTimesOut() async throws {
        let server = try await FaultServer.start([.stall])
        let annotator = Self.annotator(server, policy: Self.policy(attempts: 2, timeout: .milliseconds(300)))
        // The server never answers, so only the client's timeout can end the call; the error
        // says it did. Wall-clock bounds are left to the suite's time limit: on a loaded 2-core
        // machine they measure the scheduler, not the client.
        await #expect(throws: LLMError.timedOut(endpoint: server.baseURL, after: .milliseconds(300))) {
            try await annotator.annotate(Self.item)
        }
        #expect(server.requestCount == 2)
        try await annotator.client.shutdown()
        await server.stop()
    }

    @Test("a slow trickle of bytes hits the request timeout instead of hanging")
    func slowTrickleTimesOut() async throws {
        let server = try await FaultServer.start([.trickle(interval: .milliseconds(50))])
        let annotator = Self.annotator(server, policy: Self.policy(attempts: 2, timeout: .milliseconds(400)))
        // The body would arrive whole after several seconds and parse as "positive"; a timeout
        // error instead shows the request timeout covers the body, not just the first byte.
        await #expect(throws: LLMError.timedOut(endpoint: server.baseURL, after: .milliseconds(400))) {
            try await annotator.annotate(Self.item)
        }
        #expect(server.requestCount == 2)
        try await annotator.client.shutdown()
        await server.stop()
    }

    @Test("malformed JSON is a clear error and is not retried")
    func malformedJSON() async throws {
        let server = try await FaultServer.start([.malformed])
        let annotator = Self.annotator(server)
        do {
            _ = try await annotator.annotate(Self.item)
            Issue.record("expected a malformed-response error")
        } catch let error as LLMError {
            guard case .malformedResponse = error else {
                Issue.record("expected malformedResponse, got \(error)")
                return
            }
            #expect(error.description.contains("malformed response"))
        }
        #expect(server.requestCount == 1)
        try await annotator.client.shutdown()
        await server.stop()
    }

    @Test("an answer outside the label set is an error and is logged as one")
    func answerOutsideLabelSet() async throws {
        let server = try await FaultServer.start([.answer("Definitely bullish!")])
        let log = InMemoryCallLog()
        let cache = InMemoryAnswerCache()
        let annotator = Self.annotator(server, log: log, cache: cache)
        await #expect(throws: LLMError.answerOutsideLabelSet(answer: "Definitely bullish!", labels: Self.labels)) {
            try await annotator.annotate(Self.item)
        }
        let totals = await log.totals
        #expect(totals.calls == 1 && totals.failures == 1)
        #expect(await cache.count == 0, "an invalid answer must not be cached")
        try await annotator.client.shutdown()
        await server.stop()
    }

    @Test("repeated failures open the circuit breaker, which pauses calls, says why, and recovers")
    func circuitBreakerPausesAndRecovers() async throws {
        // Given a failing server and a breaker that opens after 3 failed attempts
        let server = try await FaultServer.start([.status(500)])
        let annotator = Self.annotator(server, policy: Self.policy(attempts: 2, breakerThreshold: 3))
        // When calls keep failing
        await #expect(throws: LLMError.self) { try await annotator.annotate(Self.item) }  // 2 failures
        do {
            _ = try await annotator.annotate(Self.item)  // third failure opens the breaker
            Issue.record("expected a pause")
        } catch let error as LLMError {
            guard case .paused(let reason, let until) = error else {
                Issue.record("expected paused, got \(error)")
                return
            }
            #expect(reason.contains("HTTP 500"))
            #expect(until > Date())
        }
        // Then further calls fail at once without reaching the server
        let before = server.requestCount
        await #expect(throws: LLMError.self) { try await annotator.annotate(Self.item) }
        #expect(server.requestCount == before)
        // And after the pause a healthy server is used again
        server.setScript([.answer("neutral")])
        try await Task.sleep(for: .milliseconds(350))
        #expect(try await annotator.annotate(Self.item).label == "neutral")
        try await annotator.client.shutdown()
        await server.stop()
    }

    @Test("cancelling the task ends a stalled call promptly")
    func cancellation() async throws {
        let server = try await FaultServer.start([.stall])
        let annotator = Self.annotator(server, policy: Self.policy(timeout: .seconds(30)))
        let task = Task { try await annotator.annotate(Self.item) }
        try await Task.sleep(for: .milliseconds(150))
        task.cancel()
        // The request timeout is 30 s, so a cancellation error (not a timeout) shows that the
        // call ended because the task was cancelled.
        await #expect(throws: CancellationError.self) { try await task.value }
        try await annotator.client.shutdown()
        await server.stop()
    }

    @Test("no more requests are in flight than the concurrency limit")
    func boundedConcurrency() async throws {
        let server = try await FaultServer.start([.answer("positive", delay: .milliseconds(100))])
        let annotator = Self.annotator(server)  // limit 2
        try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<6 {
                group.addTask {
                    try await annotator.annotate(AnnotationRequest(itemID: Int64(i), text: "item \(i)", examples: [])).label
                }
            }
            for try await label in group { #expect(label == "positive") }
        }
        #expect(server.requestCount == 6)
        #expect(server.maxConcurrent <= 2)
        #expect(server.maxConcurrent >= 1)
        try await annotator.client.shutdown()
        await server.stop()
    }

    @Test("the API key is sent as a bearer token and never appears in errors")
    func apiKeyStaysSecret() async throws {
        let secret = "sk-test-0123456789abcdef"
        let server = try await FaultServer.start([
            .status(401, body: #"{"error":{"message":"Incorrect API key provided: sk-test-0123456789abcdef"}}"#),
        ])
        let client = OpenAIChatClient(
            endpoint: ChatEndpoint(baseURL: server.baseURL, model: "m", apiKeyVariable: "IMFL_TEST_KEY"),
            policy: Self.policy(), environment: { $0 == "IMFL_TEST_KEY" ? secret : nil })
        let log = InMemoryCallLog()
        let annotator = LLMAnnotator(client: client, prompt: PromptBuilder(task: "t", labels: Self.labels), log: log)
        do {
            _ = try await annotator.annotate(Self.item)
            Issue.record("expected 401")
        } catch {
            #expect(!"\(error)".contains(secret))
            #expect("\(error)".contains("IMFL_TEST_KEY"))
        }
        #expect(server.header("Authorization") == "Bearer \(secret)")
        #expect(await log.records.allSatisfy { !($0.error ?? "").contains(secret) })
        #expect(!server.receivedBodies.joined().contains(secret))
        try await client.shutdown()
        await server.stop()
    }

    /// Regression for issue 14: an answer echoing the key was stored in the call log's error
    /// (it is not a label) and shown on screen.
    @Test("an answer that echoes the API key has it redacted before it is logged")
    func echoedKeyIsRedacted() async throws {
        let secret = "sk-test-echo-0123456789"
        let server = try await FaultServer.start(Array(repeating: .answer("my key is \(secret)"), count: 3))
        let client = OpenAIChatClient(
            endpoint: ChatEndpoint(baseURL: server.baseURL, model: "m", apiKeyVariable: "IMFL_TEST_KEY"),
            policy: Self.policy(), environment: { $0 == "IMFL_TEST_KEY" ? secret : nil })
        let log = InMemoryCallLog()
        let annotator = LLMAnnotator(
            client: client, prompt: PromptBuilder(task: "t", labels: Self.labels), options: .init(constraint: .none), log: log)
        do {
            let answer = try await annotator.annotate(Self.item)
            #expect(!"\(answer)".contains(secret))
        } catch {
            #expect(!"\(error)".contains(secret))
        }
        let records = await log.records
        #expect(!records.isEmpty)
        #expect(records.allSatisfy { !"\($0)".contains(secret) })
        #expect(records.contains { ($0.error ?? "").contains("[redacted]") })
        try await client.shutdown()
        await server.stop()
    }

    @Test("a missing API key variable is named in the error and nothing is sent")
    func missingAPIKey() async throws {
        let server = try await FaultServer.start([.answer("positive")])
        let client = OpenAIChatClient(
            endpoint: ChatEndpoint(baseURL: server.baseURL, model: "m", apiKeyVariable: "IMFL_NO_SUCH_KEY"),
            policy: Self.policy(), environment: { _ in nil })
        await #expect(throws: LLMError.missingAPIKey(variable: "IMFL_NO_SUCH_KEY")) {
            try await client.complete(ChatRequest(model: "m", messages: []))
        }
        #expect(server.requestCount == 0)
        try await client.shutdown()
        await server.stop()
    }
}
