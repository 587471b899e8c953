import Foundation
import Testing
@testable import IMFLCore
import IMFLTestSupport

/// The engine's API for the expert: undo per screen and across rounds, accept and override as
/// judgements, bulk accept as one step, skip, notes, and Review showing what each prompt carried.
@Suite("Round engine: the expert's calls")
struct EngineExpertTests {
    let labels = EngineTests.labels
    let gold = EngineTests.gold

    func start(_ pipeline: Pipeline = .sequential) throws -> (RoundEngine, InMemoryEngineStore, ScriptedAnnotator, Task<Void, any Error>) {
        var config = try EngineTests.configuration()
        config.pipeline = pipeline
        let store = InMemoryEngineStore(items: EngineTests.sessionItems())
        let llm = ScriptedAnnotator(gold: gold, labels: labels)
        let engine = EngineTests().makeEngine(store, annotator: llm, config: config)
        let run = Task { try await engine.run() }
        return (engine, store, llm, run)
    }

    /// Labels every waiting expert item with its gold label until none waits.
    func labelAll(_ engine: RoundEngine) async throws {
        while let task = await engine.nextExpertItem() {
            try await engine.submit(itemID: task.itemID, label: gold[task.itemID]!)
        }
    }

    func waitFor(_ engine: RoundEngine, _ match: (EngineEvent) -> Bool) async {
        for await event in engine.events where match(event) { return }
    }

    @Test("an expert label of a finished round can be undone and relabeled; it counts from the next retrain")
    func undoAcrossRounds() async throws {
        // Given a session whose round 1 is trained and whose round 2 is open
        let (engine, store, _, run) = try start()
        await waitFor(engine) { if case .roundStarted = $0 { true } else { false } }
        try await labelAll(engine)
        await waitFor(engine) { if case .roundStarted(round: 2, _, _) = $0 { true } else { false } }
        let round1 = try #require(try store.metrics().first)
        // When the expert undoes their latest label, which belongs to round 1
        let outcome = try await engine.undo(.expertLabel)
        let item = try #require(outcome.undone.first)
        // Then the engine says the round was trained, and offers the item first, in its round
        #expect(item.round == 1 && outcome.afterTraining)
        let next = try #require(await engine.nextExpertItem())
        #expect(next.itemID == item.itemID && next.round == 1)
        // And relabeling it logs it in round 1 without touching round 1's figures
        #expect(try await engine.submit(itemID: item.itemID, label: gold[item.itemID]!) == 1)
        try await labelAll(engine)
        await waitFor(engine) { $0 == .finished }
        try await run.value
        let metrics = try store.metrics()
        #expect(metrics[0] == round1)
        // And round 2 trains on it: 7 + 3 expert labels, as before the undo
        #expect(metrics[1].humanLabels == 10)
        let log = AnnotationLog(try store.annotationLog())
        #expect(log.current(item.itemID)?.source == .human)
    }

    @Test("Review's undo takes back accepts and overrides, never the Label screen's labels; a bulk accept is one step")
    func reviewUndo() async throws {
        // Given a finished two-round session
        let (engine, store, _, run) = try start()
        while true {
            try await labelAll(engine)
            if await engine.progress().finished { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        try await run.value
        let rows = await engine.reviewRows(order: .lowestConfidence)
        #expect(rows.count == 30)
        // When the expert overrides one LLM label, picks the LLM's own label on another, and
        // bulk-accepts the rest
        let wrong = try #require(rows.first { $0.llmLabel != gold[$0.itemID]! })
        let right = try #require(rows.first { $0.llmLabel == gold[$0.itemID]! })
        try await engine.override(itemID: wrong.itemID, label: gold[wrong.itemID]!)
        let picked = try await engine.override(itemID: right.itemID, label: right.llmLabel)
        #expect(picked.map(\.kind) == [.accept])
        #expect(await engine.bulkAcceptPreview(minConfidence: 0.5).matching == 28)
        #expect(try await engine.bulkAccept(minConfidence: 0.5) == 28)
        // Then agreement counts the two labels judged one by one, not the bulk accept
        let dashboard = try await engine.dashboard()
        #expect(dashboard.agreement.compared == 2 && dashboard.agreement.agreed == 1)
        // And Review's undo takes back the bulk accept whole, then the accept, then the override
        #expect(try await engine.undo(.review).undone.count == 28)
        #expect(try await engine.undo(.review).undone.map(\.itemID) == [right.itemID])
        #expect(try await engine.undo(.review).undone.map(\.itemID) == [wrong.itemID])
        await #expect(throws: EngineError.nothingToUndo) { try await engine.undo(.review) }
        #expect(await engine.currentLabel(wrong.itemID)?.source == .llm)
        // While the expert's own labels are all still in force
        #expect(AnnotationLog(try store.annotationLog()).expertLabelCount == 10)
    }

    @Test("Review shows the examples each LLM prompt carried, with the labels they had then")
    func reviewShowsWhatTheLLMSaw() async throws {
        let (engine, _, llm, run) = try start()
        while true {
            try await labelAll(engine)
            if await engine.progress().finished { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        try await run.value
        let requests = await llm.requests
        let rows = await engine.reviewRows(order: .cluster)
        for row in rows {
            let request = try #require(requests.last { $0.itemID == row.itemID })
            // The prompt lists examples least similar first; Review shows them most similar first
            #expect(row.examples.map(\.text) == request.examples.reversed().map(\.text))
            #expect(row.examples.map(\.label) == request.examples.reversed().map(\.label))
            #expect(row.examples.count == 5)
        }
        // And after the expert takes back a label some prompt carried, Review still shows it
        // there with the label the LLM saw, while the item itself is unlabeled now
        let undone = try #require(try await engine.undo(.expertLabel).undone.first)
        let carrier = try #require(rows.first { $0.examples.contains { $0.itemID == undone.itemID } })
        let after = try #require(await engine.reviewRows(order: .cluster).first { $0.itemID == carrier.itemID })
        #expect(after.examples.first { $0.itemID == undone.itemID }?.label == undone.label)
        #expect(await engine.currentLabel(undone.itemID) == nil)
    }

    @Test("with overlapped rounds, skipping the last item of a round opens the next one, and the skipped item comes back last")
    func skipTheLastItemOfARound() async throws {
        let (engine, _, _, run) = try start(.overlapped)
        await waitFor(engine) { if case .roundStarted = $0 { true } else { false } }
        // Given round 1 with one expert item left
        while let task = await engine.nextExpertItem(), await engine.progress().rounds.first?.expertWaiting ?? 0 > 1 {
            try await engine.submit(itemID: task.itemID, label: gold[task.itemID]!)
        }
        let last = try #require(await engine.nextExpertItem())
        #expect(last.round == 1)
        // When the expert skips it
        try await engine.skip(itemID: last.itemID)
        await waitFor(engine) { if case .roundStarted(round: 2, _, _) = $0 { true } else { false } }
        // Then round 2's items come first, and the skipped one after them
        let next = try #require(await engine.nextExpertItem())
        #expect(next.round == 2)
        var offered = [Int64]()
        while let task = await engine.nextExpertItem(), task.itemID != last.itemID {
            offered.append(task.itemID)
            try await engine.submit(itemID: task.itemID, label: gold[task.itemID]!)
        }
        #expect(offered.count == 3)
        try await engine.submit(itemID: last.itemID, label: gold[last.itemID]!)
        run.cancel()
        _ = await run.result
    }

    @Test("an ignored item leaves the expert queue and its round trains without it; undo brings it back first")
    func ignoreAnItem() async throws {
        let (engine, _, _, run) = try start(.sequential)
        await waitFor(engine) { if case .roundStarted = $0 { true } else { false } }
        // Given round 1's first expert item
        let first = try #require(await engine.nextExpertItem())
        // When the expert ignores it with a reason
        try await engine.ignore(itemID: first.itemID, reason: "  not about finance ")
        // Then it is no longer offered, cannot be labeled or ignored again, and is never a label
        #expect(await engine.nextExpertItem()?.itemID != first.itemID)
        await #expect(throws: EngineError.alreadyLabeled(itemID: first.itemID)) {
            try await engine.submit(itemID: first.itemID, label: "positive")
        }
        await #expect(throws: EngineError.notInExpertQueue(itemID: first.itemID)) { try await engine.ignore(itemID: first.itemID) }
        #expect(await engine.currentLabel(first.itemID) == nil)
        // And undo on the Label screen takes the ignore back: the item waits first in line
        let outcome = try await engine.undo(.expertLabel)
        #expect(outcome.undone.map(\.kind) == [.ignore])
        #expect(outcome.undone.first?.note == "not about finance")
        #expect(await engine.nextExpertItem()?.itemID == first.itemID)
        // When it is ignored again and every other expert item of round 1 is labeled
        try await engine.ignore(itemID: first.itemID)
        var labeled = 0
        while let task = await engine.nextExpertItem(), task.round == 1 {
            try await engine.submit(itemID: task.itemID, label: gold[task.itemID]!)
            labeled += 1
        }
        // Then round 1 trains without it
        await waitFor(engine) { if case .roundFinished(let m) = $0 { m.round == 1 } else { false } }
        #expect(try await engine.roundMetrics().first?.round == 1)
        #expect(await engine.expertLabelCount == labeled)
        #expect(await engine.currentLabel(first.itemID) == nil)
        run.cancel()
        _ = await run.result
    }

    @Test("a note is an event of the log, shown with the item")
    func notes() async throws {
        let (engine, _, _, run) = try start()
        await waitFor(engine) { if case .roundStarted = $0 { true } else { false } }
        let task = try #require(await engine.nextExpertItem())
        try await engine.note(itemID: task.itemID, text: "ask legal")
        #expect(await engine.nextExpertItem()?.note == "ask legal")
        await #expect(throws: EngineError.unknownItem(itemID: 9999)) { try await engine.note(itemID: 9999, text: "x") }
        run.cancel()
        _ = await run.result
    }
}

@Suite("Round engine: an extended session")
struct ExtendedSessionTests {
    @Test("a finished session whose schedule is extended runs the new rounds and leaves the old ones as they were")
    func extendedSessionRunsNewRounds() async throws {
        // Given a finished two-round session
        let gold = EngineTests.gold
        let config = try EngineTests.configuration()
        let store = InMemoryEngineStore(items: EngineTests.sessionItems())
        let first = EngineTests().makeEngine(store, annotator: ScriptedAnnotator(gold: gold, labels: EngineTests.labels), config: config)
        #expect(try await EngineTests.drive(first, store: store))
        let before = try store.metrics()
        let queues = try store.rounds().map { try store.queue(round: $0.round) }
        // When the schedule gets 20 more labels in one round and the engine runs again
        var more = config
        more.schedule = config.schedule.extended(by: try Schedule(budget: 20, humanShare: 0.25, rounds: 1))
        #expect(more.schedule.rounds.count == 3)
        let second = EngineTests().makeEngine(store, annotator: ScriptedAnnotator(gold: gold, labels: EngineTests.labels), config: more)
        #expect(try await EngineTests.drive(second, store: store))
        // Then round 3 ran with its 5 expert and 15 LLM items, and rounds 1–2 are unchanged
        let rounds = try store.rounds()
        #expect(rounds.map(\.round) == [1, 2, 3])
        #expect(rounds[2].human == 5 && rounds[2].llm == 15)
        #expect(Array(try store.metrics().prefix(2)) == before)
        #expect(try rounds.prefix(2).map { try store.queue(round: $0.round) } == queues)
    }
}
