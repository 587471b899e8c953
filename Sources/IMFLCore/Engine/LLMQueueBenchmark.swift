import Foundation
import IMFLNumerics

/// How fast the engine's LLM queue labels a round against an endpoint with a fixed latency,
/// serially and with concurrency: the whole path of `imfl label` and `imfl simulate` (engine,
/// annotator, HTTP client, one committed label per answer in the session database), with a local
/// `LatencyChatServer` standing in for a remote API. `imfl bench llm --fake-latency` prints it.
public enum LLMQueueBenchmark {
    public struct Measurement: Sendable {
        public var concurrency: Int
        public var items: Int
        public var seconds: Double
        public var peakInFlight: Int
        public var labelsPerSecond: Double { seconds > 0 ? Double(items) / seconds : 0 }
    }

    /// Labels `items` LLM items in one round (no expert items) with each concurrency in turn,
    /// each on a fresh session database in memory, against one fake endpoint per measurement.
    public static func run(items: Int, latency: Duration, concurrencies: [Int]) async throws -> [Measurement] {
        let labels = ["negative", "neutral", "positive"]
        var results: [Measurement] = []
        for concurrency in concurrencies {
            let server = try await LatencyChatServer.start(labels: labels, latency: latency)
            let client = OpenAIChatClient(
                endpoint: ChatEndpoint(baseURL: server.baseURL, model: "fake"),
                policy: ChatClientPolicy(requestTimeout: .seconds(60), maxConcurrentRequests: concurrency))
            let annotator = LLMAnnotator(
                client: client, prompt: PromptBuilder(task: "Classify the sentiment.", labels: labels),
                options: .init(k: 5, constraint: .none, topLogprobs: 0))
            // The session database in memory: the same store and commits as a session's file,
            // without the disk, whose speed is not what this measures.
            let store = try AppDatabase.inMemory()
            try store.importDataset(
                labels: labels,
                pool: (1 ... items).map { n in
                    Item(key: "\(n)", text: "sentence \(n) of the benchmark", split: .pool, gold: labels[n % 3], position: n)
                },
                test: (1 ... 60).map { n in
                    Item(key: "t\(n)", text: "test sentence \(n) of the benchmark", split: .test, gold: labels[n % 3], position: n)
                })
            let configuration = EngineConfiguration(
                labels: labels, schedule: try Schedule(budget: items, humanShare: 0, rounds: 1, kind: .single),
                strategy: RandomStrategy(), llmConcurrency: concurrency, seed: 1)
            let engine = RoundEngine(store: store, embedder: HashEmbedder(), annotator: annotator, configuration: configuration)
            let clock = ContinuousClock()
            var start = clock.now
            let run = Task { try await engine.run() }
            for await event in engine.events {
                if case .roundStarted = event { start = clock.now }
            }
            try await run.value
            let seconds = (clock.now - start).seconds
            results.append(Measurement(concurrency: concurrency, items: items, seconds: seconds, peakInFlight: server.peakInFlight))
            try? await client.shutdown()
            await server.stop()
        }
        return results
    }

    /// Vectors from a hash of the text: the benchmark measures the queue, not retrieval.
    struct HashEmbedder: Embedder {
        var modelID: String { "bench-hash" }
        var dimension: Int { 16 }
        func embed(_ texts: [String]) throws -> Matrix {
            Matrix(stacking: texts.map { text in
                var hash: UInt64 = 1469598103934665603
                for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 1099511628211 }
                var rng = SeededGenerator(seed: hash)
                let v = (0 ..< 16).map { _ in Float(rng.gaussian()) }
                let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                return v.map { $0 / max(norm, 1e-6) }
            })
        }
    }
}
