import Foundation
import Testing
import IMFLNumerics
@testable import IMFLCore
import IMFLTestSupport

@Suite("Evaluation sample (sessions without a test file)")
struct EvaluationSampleTests {
    /// The engine test's items with the 30 test items turned into an evaluation sample: test
    /// items without a gold label, for the expert to label.
    static func itemsWithSample() -> [EngineItem] {
        EngineTests.sessionItems().map { item in
            var item = item
            if item.split == .test { item.gold = nil }
            return item
        }
    }

    @Test("a session without a test file runs its rounds and scores F1, with an interval, on the sample the expert labeled")
    func sessionWithoutTestFile() async throws {
        // Given a two-round session whose 30 test items are an unlabeled evaluation sample
        let store = InMemoryEngineStore(items: Self.itemsWithSample())
        let llm = ScriptedAnnotator(gold: EngineTests.gold, labels: EngineTests.labels)
        let engine = EngineTests().makeEngine(store, annotator: llm, config: try EngineTests.configuration())
        let sample = Set(Self.itemsWithSample().filter { $0.split == .test }.map(\.id))

        // When the scripted expert labels whatever the engine offers
        #expect(try await EngineTests.drive(engine, store: store))

        // Then both rounds finished, and the expert labeled half of the sample in each
        let metrics = try store.metrics()
        #expect(metrics.map(\.round) == [1, 2])
        #expect(metrics.map(\.evaluation.confusion.total) == [15, 30])
        let log = try store.annotationLog()
        let inForce = AnnotationLog(log)
        let sampleLabels = sample.compactMap { inForce.current($0) }
        #expect(sampleLabels.map(\.round).filter { $0 == 1 }.count == 15)
        #expect(Set(sampleLabels.map(\.itemID)) == sample)
        #expect(sampleLabels.allSatisfy { $0.source == .human })
        // And the sample never trained the model: the expert labels it trained on are the
        // round's queue (10) and one override, as in a session with a test file
        #expect(metrics[1].humanLabels == 11 && metrics[1].llmLabels == 29)
        // And never served as an LLM example
        let sampleTexts = Set(Self.itemsWithSample().filter { sample.contains($0.id) }.map(\.text))
        #expect(await llm.requests.allSatisfy { $0.examples.allSatisfy { !sampleTexts.contains($0.text) } })
        // And F1 comes with a 95 % bootstrap interval around it
        for m in metrics {
            let interval = try #require(m.evaluation.confusion.macroF1Interval())
            #expect(interval.lower <= m.evaluation.macroF1 && m.evaluation.macroF1 <= interval.upper)
            #expect(interval.level == 0.95)
        }
        // And within round 1 the sample's items were interleaved with the query's
        let round1 = log.filter { $0.round == 1 && $0.source == .human && $0.label != nil }
            .map { sample.contains($0.itemID) }
        let switches = zip(round1, round1.dropFirst()).filter { $0 != $1 }.count
        #expect(switches >= 4, "kinds in labeling order: \(round1)")
    }

    @Test("the expert is offered the sample's items with their purpose, and only the slice due")
    func offersTheDueSliceOnly() async throws {
        // Given a session in its first round
        let store = InMemoryEngineStore(items: Self.itemsWithSample())
        let engine = EngineTests().makeEngine(store, annotator: ScriptedAnnotator(gold: EngineTests.gold, labels: EngineTests.labels),
                                              config: try EngineTests.configuration())
        let run = Task { try await engine.run() }
        for await event in engine.events { if case .roundStarted = event { break } }
        // When the expert walks the waiting items by skipping each
        var seen = [ExpertTask]()
        while let task = await engine.nextExpertItem(), !seen.contains(where: { $0.itemID == task.itemID }) {
            seen.append(task)
            try await engine.skip(itemID: task.itemID)
        }
        // Then the round's 7 query items and the first 15 of the sample are offered, marked
        #expect(seen.filter { $0.purpose == .query }.count == 7)
        let offered = seen.filter { $0.purpose == .evaluation }
        #expect(offered.map(\.itemID) == Array((121 ... 150).prefix(15)).map(Int64.init))
        #expect(offered.allSatisfy { $0.rank == -1 })
        #expect(await engine.currentQueueSizes()?.expert == 22)
        // And an item of the next round's slice is refused
        await #expect(throws: EngineError.notInExpertQueue(itemID: 150)) { try await engine.submit(itemID: 150, label: "neutral") }
        run.cancel()
        _ = await run.result
    }

    @Test("slices spread the sample over the rounds; interleaving keeps both orders")
    func slicesAndInterleaving() {
        let sample = EvaluationSample(itemIDs: (1 ... 10).map(Int64.init), rounds: 3)
        #expect(sample.due(byRound: 1).count == 4)
        #expect(sample.due(byRound: 2).count == 7)
        #expect(sample.due(byRound: 3).count == 10)
        #expect(sample.due(byRound: 9).count == 10)
        let order = EvaluationSample.interleave(query: [100, 101, 102, 103, 104, 105], evaluation: [1, 2])
        #expect(order == [100, 101, 1, 102, 103, 2, 104, 105])
        #expect(EvaluationSample.interleave(query: [], evaluation: [1, 2]) == [1, 2])
        #expect(EvaluationSample.interleave(query: [7], evaluation: []) == [7])
    }

    @Test("the draw is uniform: every pool position is about equally likely")
    func drawIsUniform() {
        // Given 2,000 draws of 10 positions out of 50
        var counts = [Int](repeating: 0, count: 50)
        for seed in 0 ..< 2000 {
            let drawn = EvaluationSample.draw(size: 10, from: 50, seed: UInt64(seed))
            #expect(Set(drawn).count == 10)
            for i in drawn { counts[i] += 1 }
        }
        // Then each position was drawn 400 ± 5 standard deviations (σ ≈ 17.9) times
        #expect(counts.allSatisfy { abs($0 - 400) < 90 }, "\(counts)")
    }
}
