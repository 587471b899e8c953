import Foundation
import IMFLNumerics

/// Labels per second, prompt tokens the server evaluates and label accuracy of prompt
/// layouts on the same items, against imfl's local llama.cpp server. `imfl bench llm --local`
/// prints it.
///
/// Each arm (a layout and a slot count) gets a server of its own, started fresh, so that no
/// arm profits from the KV or prompt cache another one filled; the annotator runs without an
/// answer cache, so every label is a real call. The arms take turns, a block of items each,
/// so that a change in the machine's load while the benchmark runs falls on all of them alike;
/// each arm's server keeps its cache from one of its blocks to the next.
public enum PromptLayoutBenchmark {
    /// A prompt layout served by a llama.cpp server with `slots` slots.
    public struct Arm: Sendable, Hashable, CustomStringConvertible {
        public var layout: PromptLayout
        public var slots: Int

        public init(layout: PromptLayout, slots: Int) {
            self.layout = layout
            self.slots = slots
        }

        /// Parses `LAYOUT@SLOTS`, e.g. `shared-prefix@1`; without `@`, `defaultSlots`.
        public init?(_ text: String, defaultSlots: Int) {
            let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
            guard let first = parts.first, let layout = PromptLayout(rawValue: first) else { return nil }
            let slots = parts.count == 2 ? Int(parts[1]) : defaultSlots
            guard let slots, (1 ... 16).contains(slots) else { return nil }
            self.init(layout: layout, slots: slots)
        }

        public var description: String { "\(layout.rawValue)@\(slots)" }
    }

    /// A test item with its gold label and its retrieved examples, most similar first, as
    /// indices into ``Items/examples``.
    public struct Item: Sendable {
        public var text: String
        public var gold: String
        public var ranked: [Int]
    }

    /// The labeled test items and the expert-labeled examples their prompts draw on.
    public struct Items: Sendable {
        public var items: [Item]
        public var examples: [FewShotExample]
    }

    /// One arm's run.
    public struct ArmResult: Sendable {
        public var arm: Arm
        public var answered = 0
        public var correct = 0
        public var failed = 0
        /// Wall time of the arm's blocks, each from its first call to its last answer.
        public var seconds = 0.0
        /// Per answered call: prompt tokens sent, and those the server evaluated.
        public var promptTokens: [Int] = []
        public var evaluatedTokens: [Int] = []
        /// Mean number of examples a call shares, from its first, with the call sent before it.
        public var meanSharedExamples = 0.0
        /// The 1-minute load average at the start of each of the arm's blocks.
        public var loads: [Double] = []

        public var labelsPerSecond: Double { seconds > 0 ? Double(answered) / seconds : 0 }
        /// Correct over all items; a failed call counts as wrong.
        public var accuracy: Double { answered + failed > 0 ? Double(correct) / Double(answered + failed) : 0 }
        public var medianPromptTokens: Double { LLMBenchmark.median(promptTokens.map(Double.init)) }
        public var medianEvaluatedTokens: Double { LLMBenchmark.median(evaluatedTokens.map(Double.init)) }
    }

    /// For each of `test`, the `k` most similar of `expert` by cosine similarity of `embedder`'s
    /// vectors: the same retrieval as the engine's (``ExampleRetrieval``).
    public static func retrieve(
        test: [(text: String, label: String)], expert: [(text: String, label: String)], embedder: any Embedder,
        k: Int
    ) throws -> Items {
        let queries = try embedder.embed(test.map(\.text))
        let candidates = try embedder.embed(expert.map(\.text))
        let index = ExampleRetrieval(mode: .similar, k: k).index(over: candidates)
        let found = try (0 ..< queries.rows).map { try index.search(queries.row($0), k: k) }
        return Items(
            items: zip(test, found).map { row, hits in Item(text: row.text, gold: row.label, ranked: hits.map(\.row)) },
            examples: expert.map { FewShotExample(text: $0.text, label: $0.label) })
    }

    /// `count` distinct rows of `rows` drawn with `seed`, in the order drawn.
    public static func sample<T>(_ rows: [T], count: Int, seed: UInt64) -> [T] {
        var random = SeededGenerator(seed: seed)
        var indices = Array(rows.indices)
        let take = min(count, rows.count)
        for i in 0 ..< take { indices.swapAt(i, Int.random(in: i ..< indices.count, using: &random)) }
        return indices.prefix(take).map { rows[$0] }
    }

    /// Runs `arms` on `items`, taking turns by blocks of `blockSize` calls in each arm's
    /// planned order, with `inFlight` calls in flight (the engine's LLM queue keeps as many).
    /// `makeAnnotator` builds the annotator for an arm's client and call log.
    /// - Throws: ``LocalLLMServerError`` when a server does not start.
    public static func runLocal(
        _ items: Items, arms: [Arm], server configuration: LocalLLMServer.Configuration, inFlight: Int,
        blockSize: Int, makeAnnotator: @Sendable (OpenAIChatClient, InMemoryCallLog) -> LLMAnnotator,
        say: @escaping @Sendable (String) -> Void
    ) async throws -> [ArmResult] {
        var running: [Running] = []
        defer {
            for arm in running { try? FileManager.default.removeItem(at: arm.server.configuration.home) }
        }
        do {
            for arm in arms {
                var fresh = configuration
                fresh.home = FileManager.default.temporaryDirectory.appending(path: "imfl-bench-llm-\(UUID().uuidString)")
                fresh.parallel = arm.slots
                let server = LocalLLMServer(configuration: fresh)
                say("\(arm): starting a fresh llama.cpp server with \(arm.slots) slot\(arm.slots == 1 ? "" : "s")")
                let state: LocalLLMServer.State
                do {
                    state = try await server.start()
                } catch {
                    try? FileManager.default.removeItem(at: fresh.home)
                    throw error
                }
                let client = OpenAIChatClient(
                    endpoint: ChatEndpoint(baseURL: state.baseURL, model: "local"),
                    policy: ChatClientPolicy(requestTimeout: .seconds(600), maxConcurrentRequests: inFlight))
                let log = InMemoryCallLog()
                running.append(Running(
                    arm: arm, server: server, client: client, log: log, annotator: makeAnnotator(client, log),
                    plan: PromptPlan(items.items.map(\.ranked), layout: arm.layout)))
            }
            var results = running.map { ArmResult(arm: $0.arm) }
            let size = max(1, blockSize)
            for (block, start) in stride(from: 0, to: items.items.count, by: size).enumerated() {
                let positions = start ..< min(items.items.count, start + size)
                for turn in running.indices {
                    let a = (turn + block) % running.count
                    results[a].loads += loadAverage().map { [$0] } ?? []
                    try await label(items, running[a], positions: positions, inFlight: inFlight, into: &results[a])
                }
                say("  \(positions.upperBound)/\(items.items.count) items in every arm: "
                    + results.map { String(format: "%@ %.3f labels/s", $0.arm.description, $0.labelsPerSecond) }
                        .joined(separator: ", "))
            }
            for a in running.indices {
                let shared = running[a].plan.sharedPrefixLengths
                results[a].meanSharedExamples = shared.isEmpty ? 0 : Double(shared.reduce(0, +)) / Double(shared.count)
                for record in await running[a].log.records where record.error == nil && !record.cached {
                    if let sent = record.promptTokens { results[a].promptTokens.append(sent) }
                    if let evaluated = record.promptTokensEvaluated { results[a].evaluatedTokens.append(evaluated) }
                }
            }
            await stop(running)
            return results
        } catch {
            await stop(running)
            throw error
        }
    }

    /// One arm's server, client and plan while the benchmark runs.
    private struct Running: Sendable {
        var arm: Arm
        var server: LocalLLMServer
        var client: OpenAIChatClient
        var log: InMemoryCallLog
        var annotator: LLMAnnotator
        var plan: PromptPlan<Int>
    }

    private static func stop(_ running: [Running]) async {
        for arm in running {
            try? await arm.client.shutdown()
            try? await arm.server.stop()
        }
    }

    /// Labels the items at `positions` of the arm's planned order.
    private static func label(
        _ items: Items, _ arm: Running, positions: Range<Int>, inFlight: Int, into result: inout ArmResult
    ) async throws {
        let requests = positions.map { position in
            let i = arm.plan.order[position]
            return AnnotationRequest(
                itemID: Int64(i), text: items.items[i].text, examples: arm.plan.examples[i].map { items.examples[$0] })
        }
        let queue = CallQueue(Array(requests.indices))
        let annotator = arm.annotator
        let clock = ContinuousClock()
        let start = clock.now
        let answers = try await withThrowingTaskGroup(of: [(Int64, String?)].self) { group in
            for _ in 0 ..< max(1, inFlight) {
                group.addTask {
                    var answers: [(Int64, String?)] = []
                    while let index = await queue.next() {
                        try Task.checkCancellation()
                        let request = requests[index]
                        do {
                            answers.append((request.itemID, try await annotator.annotate(request).label))
                        } catch is LLMError {
                            answers.append((request.itemID, nil))
                        }
                    }
                    return answers
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        result.seconds += (clock.now - start).seconds
        for (itemID, label) in answers {
            guard let label else {
                result.failed += 1
                continue
            }
            result.answered += 1
            if label.lowercased() == items.items[Int(itemID)].gold.lowercased() { result.correct += 1 }
        }
    }

    /// Hands out the block's calls to the workers, one at a time, in the planned order.
    private actor CallQueue {
        private var order: [Int]
        private var position = 0

        init(_ order: [Int]) { self.order = order }

        func next() -> Int? {
            guard position < order.count else { return nil }
            defer { position += 1 }
            return order[position]
        }
    }

    /// The 1-minute load average, where /proc/loadavg exists: the server shares the machine's
    /// cores with everything else, and labels/s are read against it.
    static func loadAverage() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        return text.split(separator: " ").first.flatMap { Double($0) }
    }
}
