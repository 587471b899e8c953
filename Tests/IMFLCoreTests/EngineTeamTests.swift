import Foundation
import Testing
@testable import IMFLCore
import IMFLTestSupport
import IMFLNumerics

/// Several experts on one session, one after the other on the same store (issue 17): overlap
/// items come back for a second expert without holding up the round, an item they label
/// differently is not trained on until an adjudicator settles it, each expert undoes only
/// their own labels, and agreement is read from the log.
@Suite("Round engine: a team of experts")
struct EngineTeamTests {
    let labels = EngineTests.labels
    let gold = EngineTests.gold

    func engine(_ store: InMemoryEngineStore, as name: String, overlap: Double = 1, adjudicators: [String] = ["lead"]) throws -> (RoundEngine, Task<Void, any Error>) {
        var config = try EngineTests.configuration()
        config.annotator = name
        config.overlap = overlap
        config.adjudicators = adjudicators
        let engine = EngineTests().makeEngine(store, annotator: ScriptedAnnotator(gold: gold, labels: labels), config: config)
        return (engine, Task { try await engine.run() })
    }

    func waitFor(_ engine: RoundEngine, _ match: (EngineEvent) -> Bool) async {
        for await event in engine.events where match(event) { return }
    }

    /// Waits until a (re)opened engine has replayed the log and has a round open.
    func ready(_ engine: RoundEngine) async {
        await waitFor(engine) { event in
            switch event {
            case .queues, .roundStarted: true
            default: false
            }
        }
    }

    @Test("overlap items wait for a second expert; a disagreement trains only once adjudicated")
    func overlapDisagreementAndAdjudication() async throws {
        let store = InMemoryEngineStore(items: EngineTests.sessionItems())
        // Given ana labels round 1's expert items with their gold labels, and round 1 trains
        let (ana, anaRun) = try engine(store, as: "ana")
        await ready(ana)
        var round1 = [Int64]()
        while let task = await ana.nextExpertItem(), task.round == 1 {
            try await ana.submit(itemID: task.itemID, label: gold[task.itemID]!)
            round1.append(task.itemID)
        }
        // Then, with every item an overlap item, none comes back to ana herself
        #expect(await ana.nextExpertItem().map { round1.contains($0.itemID) } != true)
        await waitFor(ana) { if case .roundFinished(let m) = $0 { m.round == 1 } else { false } }
        anaRun.cancel()
        _ = await anaRun.result

        // When ben opens the session, round 1's items wait for his second label
        let (ben, benRun) = try engine(store, as: "ben")
        await ready(ben)
        var offered = [Int64]()
        while let task = await ben.nextExpertItem(), round1.contains(task.itemID) {
            // He agrees on all but the first
            let label = offered.isEmpty ? labels.first { $0 != gold[task.itemID]! }! : gold[task.itemID]!
            try await ben.submit(itemID: task.itemID, label: label)
            offered.append(task.itemID)
        }
        #expect(Set(offered) == Set(round1))
        let disputed = round1[0] == offered[0] ? round1[0] : offered[0]
        // Then the first is disputed, with both labels kept, and not trained on
        let disputes = await ben.disputes()
        #expect(disputes.map(\.itemID) == [disputed])
        #expect(disputes.first?.labels["ana"] == gold[disputed])
        #expect(await ben.currentLabel(disputed)?.disputed == true)
        // And ben cannot set it aside or settle it, and his undo takes back his own label only
        await #expect(throws: EngineError.notAnAdjudicator(name: "ben", adjudicators: ["lead"])) {
            try await ben.adjudicate(itemID: disputed, label: gold[disputed]!)
        }
        let undone = try await ben.undo(.expertLabel)
        #expect(undone.undone.map(\.annotator) == ["ben"])
        #expect(undone.undone.first?.itemID == offered.last)
        #expect(await ben.nextExpertItem()?.itemID == offered.last)
        try await ben.submit(itemID: offered.last!, label: gold[offered.last!]!)
        benRun.cancel()
        _ = await benRun.result
        // And agreement counts every shared item
        let team = AnnotationLog(try store.annotationLog()).teamAgreement(labels: labels)
        #expect(team.annotators == ["ana", "ben"])
        #expect(team.sharedItems == round1.count)
        #expect(team.unanimousItems == round1.count - 1)

        // When the lead adjudicates, the label that stands trains from the next retrain
        let (lead, leadRun) = try engine(store, as: "lead")
        await ready(lead)
        let decision = try await lead.adjudicate(itemID: disputed, label: gold[disputed]!)
        #expect(decision.annotator == "lead")
        let settled = await lead.currentLabel(disputed)
        #expect(settled?.disputed == false && settled?.adjudicated == true && settled?.label == gold[disputed])
        #expect(await lead.disputes().isEmpty)
        await #expect(throws: EngineError.notDisputed(itemID: round1[1])) {
            try await lead.adjudicate(itemID: round1[1], label: gold[round1[1]]!)
        }
        // And Review's undo takes the decision back
        let back = try await lead.undo(.review)
        #expect(back.undone.map(\.kind) == [.accept])
        #expect(await lead.currentLabel(disputed)?.disputed == true)
        leadRun.cancel()
        _ = await leadRun.result
    }

    @Test("a disputed item is left out of the training set; without overlap nothing comes back")
    func trainingSkipsDisputesAndSoloSessionsAreUnchanged() async throws {
        let log = AnnotationLog([
            Annotation(id: 1, itemID: 1, kind: .label, label: "a", source: .human, annotator: "ana", round: 1),
            Annotation(id: 2, itemID: 1, kind: .label, label: "b", source: .human, annotator: "ben", round: 1),
            Annotation(id: 3, itemID: 2, kind: .label, label: "a", source: .human, annotator: "ana", round: 1),
        ])
        let items: [Int64: EngineItem] = [1: EngineItem(id: 1, text: "x", gold: nil, split: .pool),
                                          2: EngineItem(id: 2, text: "y", gold: nil, split: .pool)]
        let data = TrainingSet.labelsInForce(log, items: items, classIndex: ["a": 0, "b": 1], vectorRow: [1: 0, 2: 1],
                                             vectors: Matrix(rows: 2, cols: 1, values: [1, 2]))
        #expect(data.labels == [0])

        let store = InMemoryEngineStore(items: EngineTests.sessionItems())
        let (solo, run) = try engine(store, as: "ana", overlap: 0)
        await ready(solo)
        let first = try #require(await solo.nextExpertItem())
        try await solo.submit(itemID: first.itemID, label: gold[first.itemID]!)
        #expect(await solo.nextExpertItem()?.itemID != first.itemID)
        run.cancel()
        _ = await run.result
        let (other, otherRun) = try engine(store, as: "ben", overlap: 0)
        await ready(other)
        while let task = await other.nextExpertItem(), task.round == 1 {
            #expect(task.itemID != first.itemID)
            try await other.submit(itemID: task.itemID, label: gold[task.itemID]!)
        }
        otherRun.cancel()
        _ = await otherRun.result
    }
}
