import Foundation
import Testing
@testable import IMFLCore
import IMFLTestSupport

/// The round engine on the real session stores, SQLite and PostgreSQL: one suite, two
/// backends. A session labeled until round 2, closed and opened again by a new engine (a new
/// process) continues exactly as an uninterrupted in-memory run, and an expert label of a
/// trained round can be undone and given again.
@Suite("Round engine on the session stores")
struct SessionEngineTests {
    @Test("a session reopened mid-round ends as an uninterrupted run", arguments: StoreBackend.available)
    func aSessionReopenedMidRoundEndsAsAnUninterruptedRun(_ backend: StoreBackend) async throws {
        let config = try EngineTests.configuration()
        let harness = EngineTests()
        // Given an uninterrupted run in memory
        let reference = InMemoryEngineStore(items: EngineTests.sessionItems())
        let referenceLLM = ScriptedAnnotator(gold: EngineTests.gold, labels: EngineTests.labels)
        #expect(try await EngineTests.drive(harness.makeEngine(reference, annotator: referenceLLM, config: config), store: reference))
        let expected = try await EngineTests.EndState(reference)

        // When a session is labeled until round 2, closed, and opened again by a new engine
        let session = try await backend.makeSession(labels: EngineTests.labels, items: EngineTests.sessionItems(), name: "reopen")
        #expect(try await session.with { try await $0.items(in: .pool).map(\.id) }
                == EngineTests.sessionItems().filter { $0.split == .pool }.map(\.id))
        let llm = ScriptedAnnotator(gold: EngineTests.gold, labels: EngineTests.labels)
        let finished = try await session.with { first in
            try await EngineTests.drive(harness.makeEngine(first, annotator: llm, config: config), store: first, stopAfter: 8)
        }
        #expect(!finished)
        let actual = try await session.with { reopened in
            #expect(try await reopened.rounds().map(\.status) == [.finished, .labeling])
            #expect(try await EngineTests.drive(harness.makeEngine(reopened, annotator: llm, config: config), store: reopened))
            return try await EngineTests.EndState(reopened)
        }

        // Then the stored log, rounds, queues and metrics equal the uninterrupted run's
        #expect(actual.annotations == expected.annotations)
        #expect(actual.rounds == expected.rounds)
        #expect(actual.queues == expected.queues)
        #expect(actual.metrics == expected.metrics)
        // And a third process reads the same log back, and its replay agrees with the engine's
        let current = try await session.with { try await $0.replayedLog().currentLabels }
        let engineView = AnnotationLog(actual.annotations)
        #expect(Set(current.keys) == Set(engineView.labeledItems))
        #expect(current.allSatisfy { engineView.label($0.key) == $0.value.label })
        await session.remove()
    }

    @Test("an expert label of a trained round is undone and given again; the log keeps every event", arguments: StoreBackend.available)
    func undoAcrossRoundsIsLogged(_ backend: StoreBackend) async throws {
        // Given a session whose round 1 is trained and whose round 2 is open
        let session = try await backend.makeSession(labels: EngineTests.labels, items: EngineTests.sessionItems(), name: "undo")
        var config = try EngineTests.configuration()
        config.annotator = "ana"
        let (outcome, log, metrics) = try await session.with { store in
            let engine = EngineTests().makeEngine(store, annotator: ScriptedAnnotator(gold: EngineTests.gold, labels: EngineTests.labels), config: config)
            let run = Task { try await engine.run() }
            for await event in engine.events { if case .roundStarted = event { break } }
            while let task = await engine.nextExpertItem() {
                try await engine.submit(itemID: task.itemID, label: EngineTests.gold[task.itemID]!)
            }
            for await event in engine.events { if case .roundStarted(round: 2, _, _) = event { break } }
            // When the expert undoes their latest label (round 1's) and labels the item again
            let outcome = try await engine.undo(.expertLabel)
            let item = try #require(outcome.undone.first)
            #expect(try await engine.submit(itemID: item.itemID, label: EngineTests.gold[item.itemID]!) == 1)
            run.cancel()
            _ = await run.result
            return (outcome, try await store.annotationLog(), try await store.metrics())
        }

        // Then the store holds the label, its undo and the new label, in that order, each
        // signed by the expert, and round 1's metrics as they were measured
        let item = try #require(outcome.undone.first)
        #expect(outcome.afterTraining)
        let events = log.filter { $0.itemID == item.itemID && $0.kind != .note }
        #expect(events.map(\.kind) == [.label, .undo, .label])
        #expect(events[1].supersedes == events[0].id)
        #expect(events.allSatisfy { $0.annotator == "ana" })
        #expect(log.compactMap(\.id) == (1 ... Int64(log.count)).map { $0 })
        #expect(metrics.count == 1)
        #expect(AnnotationLog(log).current(item.itemID)?.event.id == events[2].id)
        await session.remove()
    }
}
