import Foundation
import IMFLNumerics
import Testing
@testable import IMFLCore

/// Every rule of the annotation log, once, on the one replay type (`AnnotationLog`); and the
/// store's side of it: events are appended, never updated.
@Suite struct AnnotationLogTests {
    /// A log built event by event, with ids in append order, as the store gives them.
    struct Log {
        var events: [Annotation] = []
        var replay = AnnotationLog()

        @discardableResult
        mutating func add(_ event: Annotation) -> Annotation {
            var e = event
            e.id = Int64(events.count + 1)
            events.append(e)
            replay.apply(e)
            return e
        }

        mutating func label(_ item: Int64, _ label: String, _ source: LabelSource, round: Int = 1, confidence: Double? = nil) -> Annotation {
            add(.label(label, itemID: item, source: source, round: round, confidence: confidence))
        }

        @discardableResult
        mutating func undo(_ scope: UndoScope) -> [Annotation] {
            let targets = replay.lastUndoable(scope)
            let batch = targets.count > 1 ? replay.lastID + 1 : nil
            for t in targets { add(.undo(t, batch: batch)) }
            return targets
        }
    }

    @Test("the LLM against each expert: shadow labels against each expert's label, and the labels each expert judged")
    func llmAgreementByExpert() {
        var log = Log()
        func by(_ name: String, _ e: Annotation) -> Annotation { var e = e; e.annotator = name; return e }
        // Item 1: the LLM's shadow label "a"; ana labels it "a", ben "b"
        log.add(.label("a", itemID: 1, source: .shadow, round: 1))
        log.add(by("ana", .label("a", itemID: 1, source: .human, round: 1)))
        log.add(by("ben", .label("b", itemID: 1, source: .human, round: 1)))
        // Item 2: the LLM says "a" and ana accepts it; item 3: the LLM says "b" and ben overrides it
        _ = log.label(2, "a", .llm)
        log.add(by("ana", Annotation(itemID: 2, kind: .accept, label: "a", round: 1)))
        _ = log.label(3, "b", .llm)
        log.add(by("ben", .label("a", itemID: 3, source: .override, round: 1)))
        // Item 4: an accept that was undone counts for nobody
        _ = log.label(4, "a", .llm)
        let accepted = log.add(by("ana", Annotation(itemID: 4, kind: .accept, label: "a", round: 1)))
        log.add(by("ana", .undo(accepted)))
        let byExpert = log.replay.llmAgreementByExpert()
        #expect(byExpert["ana"] == LLMExpertAgreement(compared: 2, agreed: 2))
        #expect(byExpert["ben"] == LLMExpertAgreement(compared: 2, agreed: 0))
        #expect(byExpert["ana"]?.summary == "2 of 2 (100.0%)")
    }

    @Test func anExpertLabelIsInForce() {
        var log = Log()
        _ = log.label(1, "positive", .human)
        #expect(log.replay.label(1) == "positive")
        #expect(log.replay.current(1)?.source == .human)
        #expect(log.replay.expertLabelCount == 1)
    }

    @Test func anIgnoreSetsTheItemAsideUntilUndoneOrLabeled() {
        var log = Log()
        log.add(Annotation(itemID: 1, kind: .ignore, round: 1, note: "unsure"))
        #expect(log.replay.current(1) == nil)
        #expect(log.replay.isSettled(1))
        #expect(log.replay.ignored[1]?.note == "unsure")
        // A late LLM answer does not bring an ignored item back as a label
        _ = log.label(1, "a", .llm)
        #expect(log.replay.current(1) == nil)
        // Undo on the Label screen takes the ignore back, before any older expert label
        _ = log.label(2, "b", .human)
        log.add(Annotation(itemID: 3, kind: .ignore, round: 1))
        #expect(log.undo(.expertLabel).map(\.itemID) == [3])
        #expect(!log.replay.isSettled(3))
        #expect(log.undo(.expertLabel).map(\.itemID) == [2])
        #expect(log.undo(.expertLabel).map(\.itemID) == [1])
        // Once the ignore is undone, the LLM's label is in force again
        #expect(log.replay.current(1)?.source == .llm)
        // An expert label after an ignore sets the label and ends the ignore
        log.add(Annotation(itemID: 4, kind: .ignore, round: 1))
        _ = log.label(4, "a", .human)
        #expect(log.replay.label(4) == "a")
        #expect(log.replay.ignored[4] == nil)
        #expect(log.replay.expertLabelCount == 1)
    }

    @Test func shadowLabelsNeverCountAsLabels() {
        var log = Log()
        _ = log.label(1, "a", .shadow)
        #expect(log.replay.current(1) == nil)
        _ = log.label(1, "b", .human)
        #expect(log.replay.current(1)?.llm == nil)
        #expect(log.replay.label(1) == "b")
    }

    @Test func undoTakesBackTheLatestExpertLabelOfAnyRoundAndKeepsTheEvents() {
        // Given expert labels in rounds 1 and 2
        var log = Log()
        _ = log.label(1, "a", .human, round: 1)
        _ = log.label(2, "b", .human, round: 2)
        // When the expert undoes twice
        #expect(log.undo(.expertLabel).map(\.itemID) == [2])
        #expect(log.replay.labeledItems == [1])
        #expect(log.undo(.expertLabel).map(\.itemID) == [1])
        // Then nothing is labeled, every event is still there, and there is nothing left to undo
        #expect(log.replay.labeledItems.isEmpty)
        #expect(log.events.map(\.kind) == [.label, .label, .undo, .undo])
        #expect(log.events[2].supersedes == 2 && log.events[2].round == 2)
        #expect(log.replay.lastUndoable(.expertLabel).isEmpty)
    }

    @Test func anUndoOfAnUndoRestoresTheEvent() {
        var log = Log()
        let label = log.label(7, "a", .human)
        let undo = log.add(.undo(label))
        #expect(log.replay.label(7) == nil)
        log.add(.undo(undo))
        #expect(log.replay.label(7) == "a")
        #expect(!log.replay.cancelled.contains(label.id!))
    }

    @Test func anOverrideReplacesTheLLMLabelAndItsUndoBringsItBack() {
        // Given an LLM label the expert overrode
        var log = Log()
        _ = log.label(3, "neutral", .llm, confidence: 0.6)
        _ = log.label(3, "negative", .override, round: 2)
        var current = log.replay.current(3)
        #expect(current?.label == "negative" && current?.source == .override)
        #expect(current?.llmLabel == "neutral" && current?.review == .overridden)
        #expect(current?.round == 1)
        #expect(log.replay.hasExpertLabel(3))
        // When Review's undo takes it back
        #expect(log.undo(.review).map(\.itemID) == [3])
        // Then the LLM's label is in force again, unreviewed
        current = log.replay.current(3)
        #expect(current?.label == "neutral" && current?.source == .llm && current?.review == nil)
    }

    @Test func aLateLLMAnswerNeverReplacesTheExpert() {
        var log = Log()
        _ = log.label(4, "positive", .human)
        _ = log.label(4, "negative", .llm)
        #expect(log.replay.label(4) == "positive")
        #expect(log.replay.current(4)?.source == .human)
        #expect(log.replay.current(4)?.llmLabel == "negative")
    }

    @Test func acceptMarksTheLLMLabelReviewedAndUndoingItUnmarksIt() {
        var log = Log()
        _ = log.label(5, "neutral", .llm)
        log.add(Annotation(itemID: 5, kind: .accept, label: "neutral", round: 1))
        #expect(log.replay.current(5)?.review == .accepted)
        #expect(log.replay.current(5)?.source == .llm)
        log.undo(.review)
        #expect(log.replay.current(5)?.review == nil)
    }

    @Test func aBulkAcceptIsOneStepAndNotAJudgementOfSingleLabels() {
        // Given three LLM labels, one accepted alone and two in one bulk accept
        var log = Log()
        for id in Int64(1) ... 3 { _ = log.label(id, "a", .llm, confidence: 0.9) }
        log.add(Annotation(itemID: 1, kind: .accept, label: "a", round: 1))
        let batch = log.replay.lastID + 1
        log.add(Annotation(itemID: 2, kind: .accept, label: "a", round: 1, batch: batch))
        log.add(Annotation(itemID: 3, kind: .accept, label: "a", round: 1, batch: batch))
        // Then only the single accept counts as a judgement for agreement
        #expect(log.replay.judgedLLMLabels().count == 1)
        #expect(log.replay.current(2)?.review == .bulkAccepted)
        // And one undo takes back the whole bulk accept, not the single accept
        #expect(log.undo(.review).map(\.itemID) == [2, 3])
        #expect(log.replay.current(2)?.review == nil && log.replay.current(3)?.review == nil)
        #expect(log.replay.current(1)?.review == .accepted)
    }

    @Test func eachScreenUndoesOnlyItsOwnActions() {
        // Given an override in Review, then two expert labels on the Label screen
        var log = Log()
        _ = log.label(9, "a", .llm)
        _ = log.label(9, "b", .override)
        _ = log.label(1, "a", .human)
        _ = log.label(2, "b", .human)
        // When the Label screen undoes three times
        log.undo(.expertLabel)
        log.undo(.expertLabel)
        #expect(log.undo(.expertLabel).isEmpty)
        // Then the override stands
        #expect(log.replay.current(9)?.source == .override)
    }

    @Test func notesAndSkipsAreEventsThatCanBeTakenBack() {
        var log = Log()
        let note = log.add(Annotation(itemID: 1, kind: .note, note: "check the filing"))
        log.add(Annotation(itemID: 2, kind: .skip, round: 1))
        log.add(Annotation(itemID: 1, kind: .skip, round: 1))
        #expect(log.replay.note(1) == "check the filing")
        #expect(log.replay.skipOrder == [2, 1])
        log.add(.undo(note))
        #expect(log.replay.note(1) == nil)
        log.add(Annotation(itemID: 1, kind: .note, note: ""))
        #expect(log.replay.note(1) == nil)
    }

    @Test func modelPredictionsAreNotLabels() {
        var log = Log()
        _ = log.label(1, "neutral", .model)
        #expect(log.replay.labeledItems.isEmpty)
    }

    @Test func aPrefixReplaysOnlyEarlierEventsOfEarlierRounds() {
        // Given labels of rounds 1 and 2, and an undo of the round-1 label after both
        var log = Log()
        let first = log.label(1, "a", .human, round: 1)
        _ = log.label(2, "b", .human, round: 2)
        log.add(.undo(first))
        // Then round 1's classifier, trained through event 2, saw item 1 and not item 2
        #expect(log.replay.prefix(through: 2, round: 1).labeledItems == [1])
        // And a retrain after the undo no longer sees item 1
        #expect(log.replay.prefix(through: 3, round: 2).labeledItems == [2])
    }

    @Test func theLabelAnExampleHadWhenAPromptWasBuiltIsKept() {
        var log = Log()
        _ = log.label(1, "a", .human)
        let llm = log.label(2, "a", .llm)
        _ = log.label(1, "b", .override)
        #expect(log.replay.label(of: 1, before: llm.id!)?.label == "a")
        #expect(log.replay.label(1) == "b")
    }

    // MARK: - The store

    func database() throws -> (AppDatabase, [Item]) {
        let db = try AppDatabase.inMemory()
        let pool = (0..<4).map { Item(key: "p\($0)", text: "text \($0)", split: .pool, gold: nil, position: $0) }
        let test = [Item(key: "t0", text: "test", split: .test, gold: "neutral", position: 0)]
        try db.importDataset(labels: SampleData.labels, pool: pool, test: test)
        return (db, try db.items(split: .pool))
    }

    @Test func theStoreAppendsEventsWithWhatThePromptCarried() throws {
        let (db, items) = try database()
        let ids = items.compactMap(\.id)
        try db.append(.label("positive", itemID: ids[0], source: .human, round: 1))
        try db.append(.label("neutral", itemID: ids[1], source: .llm, round: 1, confidence: 0.7,
                             examples: [ids[0], ids[2]], promptHash: "abc"))
        let stored = try db.annotationLog()
        #expect(stored.map(\.id) == [1, 2])
        #expect(stored[1].examples == [ids[0], ids[2]] && stored[1].promptHash == "abc")
        #expect(AnnotationLog(stored).current(ids[1])?.llm?.examples == [ids[0], ids[2]])
    }

    @Test func theSchemaRefusesAnUndoWithoutTarget() throws {
        let (db, items) = try database()
        #expect(throws: (any Error).self) {
            try db.append(Annotation(itemID: items[0].id!, kind: .undo, annotator: "e"))
        }
    }

    @Test func embeddingsRoundTripInItemOrder() throws {
        let (db, items) = try database()
        let ids = items.compactMap(\.id)
        let vectors = Matrix(rows: 2, cols: 3, values: [1, 2, 3, -0.5, 0.25, 1e-7])
        try db.saveEmbeddings(model: "m", itemIds: [ids[1], ids[0]], vectors: vectors)
        let (storedIDs, stored) = try db.embeddings(model: "m", itemIds: [ids[0], ids[1], ids[2]])
        #expect(storedIDs == [ids[0], ids[1]])
        #expect(stored.values == [-0.5, 0.25, 1e-7, 1, 2, 3])
        #expect(try db.itemsMissingEmbedding(model: "m", split: .pool).map(\.id) == [ids[2], ids[3]])
    }
}
