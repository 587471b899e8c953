import Foundation
import Testing
import IMFLNumerics
@testable import IMFLCore
import IMFLTestSupport

/// An LLM stand-in whose calls can be held: each call waits until the gate is open (or until
/// `barrier` calls are in flight, which opens it), then answers with the gold label, or fails
/// while `failuresLeft` > 0. It records every request and how many calls were in flight when
/// each started.
actor GatedAnnotator: Annotator {
    let gold: [Int64: String]
    private var open: Bool
    private let barrier: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private(set) var inFlight = 0
    private(set) var peak = 0
    private(set) var requests: [AnnotationRequest] = []
    /// In flight (this call included) when each call started, in call order.
    private(set) var concurrencyAtStart: [Int] = []
    private(set) var cancelled = 0
    var failuresLeft: Int

    init(gold: [Int64: String], open: Bool = true, barrier: Int = .max, failures: Int = 0) {
        self.gold = gold
        self.open = open
        self.barrier = barrier
        failuresLeft = failures
    }

    func annotate(_ request: AnnotationRequest) async throws -> AnnotationAnswer {
        requests.append(request)
        inFlight += 1
        defer { inFlight -= 1 }
        peak = max(peak, inFlight)
        concurrencyAtStart.append(inFlight)
        if inFlight >= barrier { openGate() }
        try await withTaskCancellationHandler {
            while !open {
                if Task.isCancelled { break }
                await withCheckedContinuation { waiters.append($0) }
            }
        } onCancel: {
            Task { await self.wakeAll() }
        }
        if Task.isCancelled {
            cancelled += 1
            throw CancellationError()
        }
        if failuresLeft > 0 {
            failuresLeft -= 1
            throw URLError(.cannotConnectToHost)
        }
        return AnnotationAnswer(label: gold[request.itemID]!, confidence: 0.8)
    }

    func openGate() {
        open = true
        wakeAll()
    }

    private func wakeAll() {
        let all = waiters
        waiters = []
        for w in all { w.resume() }
    }
}

@Suite("LLM queue and pipelined rounds")
struct LLMQueueTests {
    static let labels = EngineTests.labels

    static func configuration(
        pipeline: Pipeline, concurrency: Int = 1, rounds: Int = 2, budget: Int = 40, humanShare: Double = 0.25
    ) throws -> EngineConfiguration {
        EngineConfiguration(
            labels: labels, schedule: try Schedule(budget: budget, humanShare: humanShare, rounds: rounds),
            learner: .init(l2: 1e-2, calibrate: false), pipeline: pipeline, llmConcurrency: concurrency,
            retryDelay: .zero, llmPause: .zero, seed: 42)
    }

    static func engine(_ store: any EngineStore, _ annotator: any Annotator, _ config: EngineConfiguration) -> RoundEngine {
        RoundEngine(store: store, embedder: ClusterEmbedder(), annotator: annotator, configuration: config)
    }

    /// A scripted expert: on every event, labels every item waiting for it with its gold
    /// label; `whenIdle` runs each time it finds nothing to label. Returns at `.finished`.
    static func expert(_ engine: RoundEngine, whenIdle: @Sendable () async -> Void = {},
                       onEvent: @Sendable (EngineEvent) async -> Void = { _ in }) async throws {
        let run = Task { try await engine.run() }
        for await event in engine.events {
            await onEvent(event)
            while let task = await engine.nextExpertItem() {
                try await engine.submit(itemID: task.itemID, label: EngineTests.gold[task.itemID]!)
            }
            await whenIdle()
            if event == .finished { break }
        }
        try await run.value
    }

    /// What a session decided: the rounds' queues, the labels in force and the metrics.
    struct Outcome: Equatable {
        var queues: [[QueueEntry]]
        var labels: [Int64: String]
        var metrics: [RoundMetrics]
        init(_ store: any EngineStore) async throws {
            var queues = [[QueueEntry]]()
            for r in try await store.rounds() { queues.append(try await store.queue(round: r.round)) }
            self.queues = queues
            let log = AnnotationLog(try await store.annotationLog())
            labels = Dictionary(uniqueKeysWithValues: log.labeledItems.map { ($0, log.label($0)!) })
            metrics = try await store.metrics()
        }
    }

    @Test("overlapped: the expert labels round 2 while no LLM label of round 1 is in yet")
    func expertWorksWhileTheLLMIsHeld() async throws {
        // Given a two-round overlapped session whose LLM answers nothing until released
        let store = InMemoryEngineStore(items: EngineTests.sessionItems())
        let llm = GatedAnnotator(gold: EngineTests.gold, open: false)
        let engine = Self.engine(store, llm, try Self.configuration(pipeline: .overlapped))
        let sawRound2 = Flag()
        // When the expert labels whatever is offered, and the LLM is released only once the
        // expert has nothing left
        try await Self.expert(engine, whenIdle: {
            let log = AnnotationLog((try? store.annotationLog()) ?? [])
            let llmLabels = log.labeledItems.filter { log.current($0)?.source == .llm }
            let rounds = (try? store.rounds()) ?? []
            if rounds.count == 2, llmLabels.isEmpty, await engine.progress().rounds.allSatisfy({ $0.expertWaiting == 0 }) {
                await sawRound2.set()
                await llm.openGate()
            }
        })
        // Then round 2's expert items were labeled before any LLM label existed, and the
        // session finished both rounds with every label
        #expect(await sawRound2.value, "round 2 was not open for the expert while the LLM was held")
        let log = AnnotationLog(try store.annotationLog())
        #expect(log.labeledItems.count == 40)
        #expect(try store.metrics().map(\.round) == [1, 2])
        let firstLLM = try #require(try store.annotationLog().firstIndex { $0.source == .llm })
        let round2Expert = try store.annotationLog().filter { $0.source == .human && $0.round == 2 }
        #expect(round2Expert.count == 3)
        #expect(round2Expert.allSatisfy { r in try! store.annotationLog().firstIndex(of: r)! < firstLLM })
    }

    @Test("overlapped: an LLM label that stands was asked with the expert labels of its round and earlier only")
    func promptsCarryTheirRoundsExamples() async throws {
        // Given an overlapped session whose LLM is held until the expert has done every round
        let store = InMemoryEngineStore(items: EngineTests.sessionItems())
        let llm = GatedAnnotator(gold: EngineTests.gold, open: false)
        let engine = Self.engine(store, llm, try Self.configuration(pipeline: .overlapped, rounds: 3, budget: 60))
        try await Self.expert(engine, whenIdle: {
            if await engine.progress().rounds.allSatisfy({ $0.expertWaiting == 0 }),
               ((try? store.rounds().count) ?? 0) == 3 { await llm.openGate() }
        })
        // Then every LLM prompt's examples are expert labels of rounds ≤ the item's round,
        // although by then the expert had labeled every round
        let records = try store.annotationLog()
        let expertRound = Dictionary(uniqueKeysWithValues: records
            .filter { $0.source == .human && $0.label != nil }
            .map { ("item \($0.itemID)", $0.round ?? 0) })
        let itemRound = Dictionary(uniqueKeysWithValues: try store.rounds().flatMap { try store.queue(round: $0.round) }
            .map { ($0.itemID, $0.round) })
        let requests = await llm.requests
        #expect(requests.count == records.filter { $0.source == .llm }.count)
        for request in requests {
            let round = try #require(itemRound[request.itemID])
            let examples = request.examples.map { expertRound[$0.text] }
            #expect(examples.allSatisfy { $0 != nil && $0! <= round }, "item \(request.itemID) of round \(round) saw \(examples)")
            #expect(request.examples.count == 5)
        }
        #expect(Set(requests.compactMap { itemRound[$0.itemID] }) == [1, 2, 3])
    }

    @Test("overlapped: the session selects, labels and scores the same whether the LLM is fast or slow")
    func overlappedReplaysWhateverTheLLMSpeed() async throws {
        // Given the same session twice: once with an LLM that answers at once, once with one
        // held until the expert has labeled every round
        let fastStore = InMemoryEngineStore(items: EngineTests.sessionItems())
        try await Self.expert(Self.engine(fastStore, GatedAnnotator(gold: EngineTests.gold),
                                          try Self.configuration(pipeline: .overlapped, rounds: 3, budget: 60)))
        let slowStore = InMemoryEngineStore(items: EngineTests.sessionItems())
        let held = GatedAnnotator(gold: EngineTests.gold, open: false)
        let slow = Self.engine(slowStore, held, try Self.configuration(pipeline: .overlapped, rounds: 3, budget: 60))
        try await Self.expert(slow, whenIdle: {
            if ((try? slowStore.rounds().count) ?? 0) == 3, await slow.progress().rounds.allSatisfy({ $0.expertWaiting == 0 }) {
                await held.openGate()
            }
        })
        // Then queues, labels and metrics are identical
        let fast = try await Outcome(fastStore), slowOutcome = try await Outcome(slowStore)
        #expect(fast == slowOutcome)
        #expect(fast.metrics.count == 3)
    }

    @Test("sixteen calls in flight give the same labels and scores as one at a time")
    func concurrencyIsOrderIndependent() async throws {
        // Given a one-round session with 30 LLM items, labeled once with one call at a time
        // and once with up to 16 in flight (the first 16 calls wait until all 16 are out)
        let serialStore = InMemoryEngineStore(items: EngineTests.sessionItems())
        let serial = GatedAnnotator(gold: EngineTests.gold)
        try await Self.expert(Self.engine(serialStore, serial, try Self.configuration(pipeline: .overlapped, rounds: 1)))
        let wideStore = InMemoryEngineStore(items: EngineTests.sessionItems())
        let wide = GatedAnnotator(gold: EngineTests.gold, open: false, barrier: 16)
        try await Self.expert(Self.engine(wideStore, wide, try Self.configuration(pipeline: .overlapped, concurrency: 16, rounds: 1)))
        // Then 16 were in flight at once, never more, and the outcome is the same
        #expect(await serial.peak == 1)
        #expect(await wide.peak == 16)
        #expect(try await Outcome(serialStore) == Outcome(wideStore))
        #expect(try wideStore.annotationLog().filter { $0.source == .llm }.count == 30)
    }

    @Test("cancelling the engine with calls in flight writes no LLM label, and a new engine finishes the session")
    func cancellationMidFlight() async throws {
        // Given a session whose LLM holds its 4 calls in flight
        let store = InMemoryEngineStore(items: EngineTests.sessionItems())
        let held = GatedAnnotator(gold: EngineTests.gold, open: false, barrier: .max)
        let config = try Self.configuration(pipeline: .overlapped, concurrency: 4, rounds: 1)
        let engine = Self.engine(store, held, config)
        let run = Task { try await engine.run() }
        for await event in engine.events {
            while let task = await engine.nextExpertItem() {
                try await engine.submit(itemID: task.itemID, label: EngineTests.gold[task.itemID]!)
            }
            if case .llmCalls(_, 4) = event { break }
        }
        // When the engine is cancelled
        run.cancel()
        _ = await run.result
        // Then every held call saw the cancellation and no LLM label was written
        #expect(await held.cancelled == 4)
        #expect(try store.annotationLog().allSatisfy { $0.source != .llm })
        // And a new engine on the same store labels the rest and trains the round
        try await Self.expert(Self.engine(store, GatedAnnotator(gold: EngineTests.gold), config))
        #expect(AnnotationLog(try store.annotationLog()).labeledItems.count == 40)
        #expect(try store.metrics().count == 1)
    }

    @Test("a dead endpoint with 16 calls in flight pauses once, then one trial call at a time until it answers")
    func pauseAndProbeWithSixteenInFlight() async throws {
        // Given an LLM that fails its first 20 calls, 16 in flight at most, pausing after 3
        // failures in a row (the pause itself is zero, so the trial calls follow at once)
        let store = InMemoryEngineStore(items: EngineTests.sessionItems())
        let llm = GatedAnnotator(gold: EngineTests.gold, open: false, barrier: 16, failures: 20)
        let engine = Self.engine(store, llm, try Self.configuration(pipeline: .overlapped, concurrency: 16, rounds: 1, budget: 80))
        let seen = EventLog()
        // When the session runs
        try await Self.expert(engine, onEvent: { await seen.add($0) })
        // Then the first 16 calls went out together; the failures of the calls that were in
        // flight when it paused did not pause it again; calls 17–21 (four failed trials and
        // the one that answered) each went out alone; then full concurrency came back
        let events = await seen.events
        let pauses = events.filter { if case .llmPaused = $0 { true } else { false } }.count
        #expect(pauses == 5)
        #expect(events.contains(.llmResumed))
        let started = await llm.concurrencyAtStart
        #expect(started.prefix(16).max() == 16)
        #expect(started[16 ..< 21].allSatisfy { $0 == 1 }, "trial calls overlapped: \(started[16 ..< 21])")
        let resumed = try #require(events.firstIndex(of: .llmResumed))
        let afterResume = events[resumed...].compactMap { if case .llmCalls(_, let n) = $0 { n } else { nil } }
        #expect(afterResume.max()! > 1, "concurrency did not come back after the trial call answered")
        #expect(AnnotationLog(try store.annotationLog()).labeledItems.count == 80)
        #expect(try store.metrics().count == 1)
    }

    @Test("against a fake OpenAI endpoint, the engine keeps max_concurrency requests in flight")
    func concurrencyAgainstAnEndpoint() async throws {
        // Given a local endpoint answering after 50 ms and a one-round LLM-only session of 40
        // items through the real annotator and HTTP client, 8 calls at a time
        let server = try await LatencyChatServer.start(labels: Self.labels, latency: .milliseconds(50))
        let client = OpenAIChatClient(
            endpoint: ChatEndpoint(baseURL: server.baseURL, model: "fake"),
            policy: ChatClientPolicy(requestTimeout: .seconds(120), maxConcurrentRequests: 8))
        let annotator = LLMAnnotator(client: client, prompt: PromptBuilder(task: "Classify.", labels: Self.labels),
                                     options: .init(k: 5, constraint: .none, topLogprobs: 0))
        let store = InMemoryEngineStore(items: EngineTests.sessionItems())
        var config = try Self.configuration(pipeline: .overlapped, concurrency: 8, rounds: 1, budget: 40, humanShare: 0)
        config.schedule = try Schedule(budget: 40, humanShare: 0, rounds: 1, kind: .single)
        // When the session runs
        try await Self.expert(Self.engine(store, annotator, config))
        try await client.shutdown()
        await server.stop()
        // Then all 40 labels came from the endpoint, more than one request at a time, never
        // more than 8
        #expect(server.requests == 40)
        #expect(server.peakInFlight > 1)
        #expect(server.peakInFlight <= 8)
        #expect(try store.annotationLog().filter { $0.source == .llm }.count == 40)
    }
}

actor Flag {
    private(set) var value = false
    func set() { value = true }
}
