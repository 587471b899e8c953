import Foundation
import Testing
@testable import IMFLCore
import IMFLTestSupport

/// The round engine on the real session database: a session file reopened mid-round (a new
/// process) continues exactly as an uninterrupted in-memory run.
@Suite("Round engine on the session database")
struct SessionEngineTests {
    /// A session file holding the engine test's items, with the same row ids.
    func sessionDatabase(_ dir: TempDir) throws -> String {
        let path = dir.path("session.sqlite")
        let db = try AppDatabase.open(path: path)
        let items = EngineTests.sessionItems()
        try db.importDataset(
            labels: EngineTests.labels,
            pool: items.filter { $0.split == .pool }.enumerated().map { Item(key: "\($1.id)", text: $1.text, split: .pool, gold: $1.gold, position: $0) },
            test: items.filter { $0.split == .test }.enumerated().map { Item(key: "\($1.id)", text: $1.text, split: .test, gold: $1.gold, position: $0) })
        #expect(try db.items(in: .pool).map(\.id) == items.filter { $0.split == .pool }.map(\.id))
        return path
    }

    @Test func aSessionReopenedMidRoundEndsAsAnUninterruptedRun() async throws {
        let config = try EngineTests.configuration()
        let harness = EngineTests()
        // Given an uninterrupted run in memory
        let reference = InMemoryEngineStore(items: EngineTests.sessionItems())
        let referenceLLM = ScriptedAnnotator(gold: EngineTests.gold, labels: EngineTests.labels)
        #expect(try await EngineTests.drive(harness.makeEngine(reference, annotator: referenceLLM, config: config), store: reference))
        let expected = try await EngineTests.EndState(reference)

        // When a session file is labeled until round 2, closed, and opened again by a new engine
        let dir = try TempDir()
        let path = try sessionDatabase(dir)
        let llm = ScriptedAnnotator(gold: EngineTests.gold, labels: EngineTests.labels)
        do {
            let first = try AppDatabase.open(path: path)
            #expect(try await !EngineTests.drive(harness.makeEngine(first, annotator: llm, config: config), store: first, stopAfter: 8))
        }
        let reopened = try AppDatabase.open(path: path)
        #expect(try reopened.rounds().map(\.status) == [.finished, .labeling])
        #expect(try await EngineTests.drive(harness.makeEngine(reopened, annotator: llm, config: config), store: reopened))

        // Then the stored log, rounds, queues and metrics equal the uninterrupted run's
        let actual = try await EngineTests.EndState(reopened)
        #expect(actual.annotations == expected.annotations)
        #expect(actual.rounds == expected.rounds)
        #expect(actual.queues == expected.queues)
        #expect(actual.metrics == expected.metrics)
        // And the UI's view of the log agrees with the engine's
        let current = try await reopened.replayedLog().currentLabels
        let engineView = AnnotationLog(actual.annotations)
        #expect(Set(current.keys) == Set(engineView.labeledItems))
        #expect(current.allSatisfy { engineView.label($0.key) == $0.value.label })
    }
}
