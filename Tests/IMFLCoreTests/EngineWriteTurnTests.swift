import Foundation
import IMFLNumerics
import Testing
@testable import IMFLCore
import IMFLTestSupport

/// The store is asynchronous, so the engine actor takes other calls while a write waits for
/// it. Its writes still behave as one at a time: a check and the append it allows are never
/// split by another write.
@Suite("Round engine: writes over an asynchronous store")
struct EngineWriteTurnTests {
    /// An in-memory store that gives up its thread in every append before and after writing,
    /// as a store on a server does while the request travels.
    final class SuspendingStore: EngineStore {
        let inner: InMemoryEngineStore
        init(_ inner: InMemoryEngineStore) { self.inner = inner }

        func append(contentsOf events: [Annotation]) async throws -> [Annotation] {
            for _ in 0 ..< 3 { await Task.yield() }
            let stored = try inner.append(contentsOf: events)
            for _ in 0 ..< 3 { await Task.yield() }
            return stored
        }

        func items(in split: Split) async throws -> [EngineItem] { try inner.items(in: split) }
        func itemIDsWithVectors(modelID: String) async throws -> Set<Int64> { try inner.itemIDsWithVectors(modelID: modelID) }
        func vectors(for ids: [Int64], modelID: String) async throws -> Matrix { try inner.vectors(for: ids, modelID: modelID) }
        func saveVectors(_ vectors: Matrix, for ids: [Int64], modelID: String) async throws {
            try inner.saveVectors(vectors, for: ids, modelID: modelID)
        }
        func annotationLog() async throws -> [Annotation] { try inner.annotationLog() }
        func llmCallTotals() async throws -> LLMCallTotals { try inner.llmCallTotals() }
        func beginRound(_ round: RoundRecord, queue: [QueueEntry]) async throws {
            await Task.yield()
            try inner.beginRound(round, queue: queue)
        }
        func updateRound(_ round: RoundRecord) async throws { try inner.updateRound(round) }
        func finishRound(_ round: RoundRecord, metrics: RoundMetrics) async throws {
            try inner.finishRound(round, metrics: metrics)
        }
        func rounds() async throws -> [RoundRecord] { try inner.rounds() }
        func queue(round: Int) async throws -> [QueueEntry] { try inner.queue(round: round) }
        func metrics() async throws -> [RoundMetrics] { try inner.metrics() }
    }

    @Test("two labels for one item sent at once: one is stored, the other is refused as already labeled")
    func concurrentLabelsForOneItem() async throws {
        // Given an engine over a store that suspends in every append, with round 1 open
        let memory = InMemoryEngineStore(items: EngineTests.sessionItems())
        let engine = EngineTests().makeEngine(
            SuspendingStore(memory), annotator: ScriptedAnnotator(gold: EngineTests.gold, labels: EngineTests.labels),
            config: try EngineTests.configuration())
        let run = Task { try await engine.run() }
        for await event in engine.events { if case .roundStarted = event { break } }
        let task = try #require(await engine.nextExpertItem())

        // When two labels for the same item arrive together (two keys, or two experts)
        async let first = Self.outcome { try await engine.submit(itemID: task.itemID, label: EngineTests.labels[0]) }
        async let second = Self.outcome { try await engine.submit(itemID: task.itemID, label: EngineTests.labels[1]) }
        let outcomes = await [first, second]
        run.cancel()
        _ = await run.result

        // Then exactly one is stored and the other is refused
        let refused = outcomes.filter { if case .failure(EngineError.alreadyLabeled(task.itemID)) = $0 { true } else { false } }
        #expect(outcomes.count { if case .success = $0 { true } else { false } } == 1)
        #expect(refused.count == 1)
        let labels = try memory.annotationLog().filter { $0.itemID == task.itemID && $0.kind == .label }
        #expect(labels.count == 1)
    }

    /// The outcome of an asynchronous call, failures included.
    static func outcome<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }
}
