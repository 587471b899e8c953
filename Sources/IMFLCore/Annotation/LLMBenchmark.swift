import AsyncHTTPClient
import Foundation
import NIOCore

/// Measurements of the LLM annotator against a running server, called by `imfl bench llm`.
public enum LLMBenchmark {
    /// Labels per second of imfl's annotator and of a bare HTTP loop sending the same bodies.
    public struct Throughput: Sendable {
        /// Seconds per call, per item and round.
        public var imflSeconds: [Double] = []
        public var bareSeconds: [Double] = []

        public var imflLabelsPerSecond: Double { Double(imflSeconds.count) / max(imflSeconds.reduce(0, +), 1e-9) }
        public var bareLabelsPerSecond: Double { Double(bareSeconds.count) / max(bareSeconds.reduce(0, +), 1e-9) }
        /// imfl ÷ bare labels/s; the target is ≥ 0.9.
        public var ratio: Double { bareLabelsPerSecond > 0 ? imflLabelsPerSecond / bareLabelsPerSecond : 0 }
        /// Median over items of (bare seconds ÷ imfl seconds) for the same prompt.
        public var medianPairedRatio: Double { median(zip(bareSeconds, imflSeconds).map { $0 / max($1, 1e-9) }) }
    }

    /// Sends each request once through a bare HTTP loop and once through the annotator, back to
    /// back, alternating which goes first, for `rounds` rounds. Pairing the two calls of the same
    /// prompt makes both see the same machine load (the server shares its cores with everything
    /// else); alternating the order cancels the server's prompt cache favouring the second call.
    /// The annotator runs without an answer cache, so every label is a real call; the bare loop
    /// posts the annotator's own request bodies and reads the answer text, nothing more.
    public static func throughput(
        annotator: LLMAnnotator, requests: [AnnotationRequest], rounds: Int,
        progress: @Sendable (String) -> Void = { _ in }
    ) async throws -> Throughput {
        let url = try annotator.client.endpoint.chatCompletionsURL()
        let bodies = requests.map { annotator.chatRequest(for: $0).body() }
        var result = Throughput()
        for round in 1...max(1, rounds) {
            for index in requests.indices {
                let bareFirst = (index + round) % 2 == 0
                if bareFirst { result.bareSeconds.append(try await timed { try await bareCall(url: url, body: bodies[index]) }) }
                result.imflSeconds.append(try await timed { _ = try await annotator.annotate(requests[index]) })
                if !bareFirst { result.bareSeconds.append(try await timed { try await bareCall(url: url, body: bodies[index]) }) }
            }
            progress(String(
                format: "round %d: bare %.3f labels/s, imfl %.3f labels/s so far", round,
                result.bareLabelsPerSecond, result.imflLabelsPerSecond))
        }
        return result
    }

    /// An item with its gold label.
    public struct LabeledRequest: Sendable {
        public var request: AnnotationRequest
        public var gold: String
        public init(request: AnnotationRequest, gold: String) {
            self.request = request
            self.gold = gold
        }
    }

    public struct Accuracy: Sendable {
        public var correct: Int
        public var answered: Int
        public var failed: Int
        public var seconds: Double
        /// Correct over all items (a failed call counts as wrong).
        public var accuracy: Double { answered + failed > 0 ? Double(correct) / Double(answered + failed) : 0 }
        public var secondsPerItem: Double { answered + failed > 0 ? seconds / Double(answered + failed) : 0 }
    }

    /// Label accuracy of `annotator` against the gold labels, one item at a time.
    public static func accuracy(
        annotator: LLMAnnotator, items: [LabeledRequest], progress: @Sendable (Int, Int) -> Void = { _, _ in }
    ) async throws -> Accuracy {
        var result = Accuracy(correct: 0, answered: 0, failed: 0, seconds: 0)
        let clock = ContinuousClock()
        let start = clock.now
        for (index, item) in items.enumerated() {
            try Task.checkCancellation()
            do {
                let answer = try await annotator.annotate(item.request)
                result.answered += 1
                if answer.label.lowercased() == item.gold.lowercased() { result.correct += 1 }
            } catch let error as LLMError {
                _ = error
                result.failed += 1
            }
            progress(index + 1, items.count)
        }
        result.seconds = (clock.now - start).seconds
        return result
    }

    // MARK: - Helpers

    private static func bareCall(url: String, body: Data) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(600))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        guard response.status.code == 200,
              let object = try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any],
              let choices = object["choices"] as? [[String: Any]],
              (choices.first?["message"] as? [String: Any])?["content"] is String
        else { throw LLMError.malformedResponse(endpoint: url, reason: "bare loop: unexpected response") }
    }

    private static func timed(_ body: () async throws -> Void) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try await body()
        return max((clock.now - start).seconds, 1e-9)
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
