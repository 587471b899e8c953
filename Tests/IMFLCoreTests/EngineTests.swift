import Foundation
import Testing
import IMFLNumerics
@testable import IMFLCore
import IMFLTestSupport

/// Vectors for texts "item N": a unit vector near the centre of class N mod 3, so a classifier
/// can learn the labels.
struct ClusterEmbedder: Embedder {
    var modelID: String { "test-clusters" }
    var dimension: Int { 8 }
    func embed(_ texts: [String]) throws -> Matrix {
        Matrix(stacking: texts.map { text in
            let n = UInt64(text.split(separator: " ").last.flatMap { Int($0) } ?? 0)
            var rng = SeededGenerator(seed: n)
            var v = (0 ..< 8).map { j in (j == Int(n % 3) ? 1.0 : 0.0) + 0.35 * rng.gaussian() }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            v = v.map { $0 / norm }
            return v.map { Float($0) }
        })
    }
}

/// An LLM stand-in: the gold label, except every item whose id is a multiple of 5 gets the
/// next label instead; it can fail its first calls. Remembers the requests.
actor ScriptedAnnotator: Annotator {
    let gold: [Int64: String]
    let labels: [String]
    var failuresLeft: Int
    private(set) var requests: [AnnotationRequest] = []

    init(gold: [Int64: String], labels: [String], failures: Int = 0) {
        self.gold = gold
        self.labels = labels
        failuresLeft = failures
    }

    func annotate(_ request: AnnotationRequest) async throws -> AnnotationAnswer {
        requests.append(request)
        if failuresLeft > 0 {
            failuresLeft -= 1
            throw URLError(.timedOut)
        }
        let right = gold[request.itemID]!
        let label = request.itemID % 5 == 0 ? labels[(labels.firstIndex(of: right)! + 1) % labels.count] : right
        return AnnotationAnswer(label: label, confidence: 0.9)
    }
}

@Suite("Round engine")
struct EngineTests {
    static let labels = ["negative", "neutral", "positive"]

    static func sessionItems() -> [EngineItem] {
        (1 ... 150).map { n in
            EngineItem(id: Int64(n), text: "item \(n)", gold: labels[n % 3], split: n <= 120 ? .pool : .test)
        }
    }

    static var gold: [Int64: String] {
        Dictionary(uniqueKeysWithValues: sessionItems().map { ($0.id, $0.gold!) })
    }

    /// The paper's sequential order with one LLM call at a time: the log is then the same
    /// event for event in every run, which the restart test compares.
    static func configuration(rounds: Int = 2, budget: Int = 40) throws -> EngineConfiguration {
        EngineConfiguration(
            labels: labels,
            schedule: try Schedule(budget: budget, humanShare: 0.25, rounds: rounds),
            learner: .init(l2: 1e-2, calibrate: false), pipeline: .sequential,
            retryDelay: .zero, llmPause: .zero, seed: 42)
    }

    /// The scripted expert: labels every item the engine offers with its gold label. Before
    /// the session's first label it gives a wrong label and undoes it; before its first label
    /// of round 2 it overrides the first wrong LLM label of round 1. It stops the engine after
    /// `stopAfter` expert labels (the "crash"), and reports whether the session finished.
    static func drive(_ engine: RoundEngine, store: any EngineStore, stopAfter: Int? = nil,
                      onEvent: @Sendable (EngineEvent) async -> Void = { _ in }) async throws -> Bool {
        let run = Task { try await engine.run() }
        var submitted = 0
        for await event in engine.events {
            await onEvent(event)
            while let task = await engine.nextExpertItem() {
                let log = try await store.annotationLog()
                if log.isEmpty {
                    let wrong = labels.first { $0 != gold[task.itemID]! }!
                    try await engine.submit(itemID: task.itemID, label: wrong)
                    #expect(try await engine.undo(.expertLabel).undone.first?.itemID == task.itemID)
                }
                if task.round == 2, !log.contains(where: { $0.source == .override }) {
                    let wrongLLM = log.first { $0.source == .llm && $0.label != gold[$0.itemID] }!
                    try await engine.override(itemID: wrongLLM.itemID, label: gold[wrongLLM.itemID]!)
                }
                try await engine.submit(itemID: task.itemID, label: gold[task.itemID]!)
                submitted += 1
                if submitted == stopAfter {
                    run.cancel()
                    _ = await run.result
                    return false
                }
            }
            if event == .finished { break }
        }
        try await run.value
        return true
    }

    struct EndState: Equatable {
        var annotations: [Annotation]
        var rounds: [RoundRecord]
        var queues: [[QueueEntry]]
        var metrics: [RoundMetrics]
        init(_ store: any EngineStore) async throws {
            // Event for event, apart from when each was written.
            annotations = try await store.annotationLog().map { event in
                var e = event
                e.createdAt = .distantPast
                return e
            }
            rounds = try await store.rounds()
            var queues = [[QueueEntry]]()
            for r in rounds { queues.append(try await store.queue(round: r.round)) }
            self.queues = queues
            metrics = try await store.metrics()
        }
    }

    func makeEngine(_ store: any EngineStore, annotator: ScriptedAnnotator, config: EngineConfiguration) -> RoundEngine {
        RoundEngine(store: store, embedder: ClusterEmbedder(), annotator: annotator, configuration: config)
    }

    @Test("two rounds with a scripted expert and LLM, restarted mid-round, end as an uninterrupted run")
    func restartMidRoundMatchesUninterrupted() async throws {
        let config = try Self.configuration()
        // Given an uninterrupted session of two rounds (schedule: expert 7 + 3, LLM 15 + 15)
        let straightStore = InMemoryEngineStore(items: Self.sessionItems())
        let straightLLM = ScriptedAnnotator(gold: Self.gold, labels: Self.labels)
        let finished = try await Self.drive(makeEngine(straightStore, annotator: straightLLM, config: config), store: straightStore)
        #expect(finished)
        let straight = try await EndState(straightStore)

        // When another session is stopped after the expert's first label of round 2 and a new
        // engine is started on the same store
        let store = InMemoryEngineStore(items: Self.sessionItems())
        let llm = ScriptedAnnotator(gold: Self.gold, labels: Self.labels)
        let stopped = try await Self.drive(makeEngine(store, annotator: llm, config: config), store: store, stopAfter: 8)
        #expect(!stopped)
        let midway = try store.rounds()
        #expect(midway.map(\.status) == [.finished, .labeling])
        let resumed = try await Self.drive(makeEngine(store, annotator: llm, config: config), store: store)
        #expect(resumed)

        // Then the log, the rounds, the queues and the metrics are identical
        let interrupted = try await EndState(store)
        #expect(interrupted == straight)

        // And the session went as scheduled: 40 labels, one undo of a wrong label, one override
        #expect(straight.queues.map { $0.filter { $0.fidelity == .human }.count } == [7, 3])
        #expect(straight.queues.map { $0.filter { $0.fidelity == .llm }.count } == [15, 15])
        #expect(straight.rounds.allSatisfy { $0.status == .finished })
        let log = AnnotationLog(straight.annotations)
        #expect(log.labeledItems.count == 40)
        #expect(straight.annotations.filter { $0.kind == .undo }.count == 1)
        #expect(straight.metrics.count == 2)
        #expect(straight.metrics[1].llmAgreement.reviewed == 1)
        #expect(straight.metrics[1].llmAgreement.accuracy == 0)
        #expect(straight.metrics[1].humanLabels == 11)  // 10 expert labels + 1 override
        #expect(straight.metrics[1].llmLabels == 29)
        #expect(straight.metrics[1].evaluation.macroF1 > 0.8, "macro-F1 \(straight.metrics[1].evaluation.macroF1)")
        // And the LLM prompts of round 2 carried 5 retrieved expert examples each
        let requests = await straightLLM.requests
        #expect(requests.count == 30)
        #expect(requests.suffix(15).allSatisfy { $0.examples.count == 5 })
        let expertLabeled = Set(straight.annotations.filter { $0.source == .human && $0.label != nil }.map { Self.gold[$0.itemID]! })
        #expect(requests.last!.examples.allSatisfy { expertLabeled.contains($0.label) })
    }

    @Test("LLM failures are reported, pause labeling after three in a row, and resume on request")
    func llmFailuresPauseAndResume() async throws {
        // Given an annotator that fails its first three calls, in a one-round session
        let store = InMemoryEngineStore(items: Self.sessionItems())
        let llm = ScriptedAnnotator(gold: Self.gold, labels: Self.labels, failures: 3)
        let engine = makeEngine(store, annotator: llm, config: try Self.configuration(rounds: 1, budget: 20))
        let seen = EventLog()
        // When the session runs and the expert resumes the LLM once it paused
        let finished = try await Self.drive(engine, store: store) { event in
            await seen.add(event)
            if case .llmPaused = event { await engine.resumeLLM() }
        }
        // Then three errors and a pause were published, and all labels still came in
        #expect(finished)
        let events = await seen.events
        #expect(events.filter { if case .llmError = $0 { true } else { false } }.count == 3)
        #expect(events.contains { if case .llmPaused = $0 { true } else { false } })
        #expect(events.contains(.llmResumed))
        #expect(AnnotationLog(try store.annotationLog()).labeledItems.count == 20)
        #expect(try store.metrics().count == 1)
    }

    @Test("with the LLM working alongside the expert, the session still completes every queue")
    func concurrentLLM() async throws {
        // Given a two-round session whose LLM starts at once instead of after the expert
        var config = try Self.configuration()
        config.llmStart = .concurrent
        let store = InMemoryEngineStore(items: Self.sessionItems())
        let engine = makeEngine(store, annotator: ScriptedAnnotator(gold: Self.gold, labels: Self.labels), config: config)
        // When the scripted expert labels its items
        let finished = try await Self.drive(engine, store: store)
        // Then both rounds finish with all 40 labels, split by fidelity as queued
        #expect(finished)
        let log = AnnotationLog(try store.annotationLog())
        #expect(log.labeledItems.count == 40)
        for round in try store.rounds() {
            for entry in try store.queue(round: round.round) {
                let source = try #require(log.current(entry.itemID)).source
                #expect(entry.fidelity == .human ? source.fidelity == .human : source == .llm || source == .override)
            }
        }
        #expect(try store.metrics().map(\.round) == [1, 2])
    }

    @Test("the engine refuses labels it cannot take, without writing anything")
    func refusesBadCalls() async throws {
        // Given a session whose first round is open
        let store = InMemoryEngineStore(items: Self.sessionItems())
        let engine = makeEngine(store, annotator: ScriptedAnnotator(gold: Self.gold, labels: Self.labels),
                                config: try Self.configuration())
        let run = Task { try await engine.run() }
        for await event in engine.events { if case .roundStarted = event { break } }
        let task = try #require(await engine.nextExpertItem())
        // Then an unknown label, an item not in the expert queue, a second label and an
        // override of an item without an LLM label are refused
        await #expect(throws: EngineError.unknownLabel("bullish")) { try await engine.submit(itemID: task.itemID, label: "bullish") }
        await #expect(throws: EngineError.notInExpertQueue(itemID: 150)) { try await engine.submit(itemID: 150, label: "neutral") }
        await #expect(throws: EngineError.nothingToUndo) { try await engine.undo(.expertLabel) }
        try await engine.submit(itemID: task.itemID, label: "neutral")
        await #expect(throws: EngineError.alreadyLabeled(itemID: task.itemID)) { try await engine.submit(itemID: task.itemID, label: "neutral") }
        await #expect(throws: EngineError.noLLMLabel(itemID: task.itemID)) { try await engine.override(itemID: task.itemID, label: "positive") }
        #expect(try store.annotationLog().count == 1)
        run.cancel()
        _ = await run.result
    }
}

actor EventLog {
    var events: [EngineEvent] = []
    func add(_ e: EngineEvent) { events.append(e) }
}
