import Foundation
import IMFLNumerics
import Testing
@testable import IMFLCore

/// The append-only log: labels are derived, never updated; undo is an event.
@Suite struct AnnotationLogTests {
    /// An in-memory session with the sample items.
    func database() throws -> (AppDatabase, [Item]) {
        let db = try AppDatabase.inMemory()
        let pool = (0..<4).map { Item(key: "p\($0)", text: "text \($0)", split: .pool, gold: nil, position: $0) }
        let test = [Item(key: "t0", text: "test", split: .test, gold: "neutral", position: 0)]
        try db.importDataset(labels: SampleData.labels, pool: pool, test: test)
        return (db, try db.items(split: .pool))
    }

    @Test func anExpertLabelIsCurrentAndDurableInTheLog() throws {
        let (db, items) = try database()
        let event = try db.saveLabel(itemId: items[0].id!, label: "positive", source: .human, annotator: "expert", round: 1)
        #expect(event.id != nil)
        let current = try db.currentLabels()
        #expect(current[items[0].id!]?.label == "positive")
        #expect(current[items[0].id!]?.source == .human)
        #expect(current.count == 1)
    }

    @Test func undoCancelsTheLastExpertActionAndKeepsBothEvents() throws {
        // Given two expert labels
        let (db, items) = try database()
        try db.saveLabel(itemId: items[0].id!, label: "positive", source: .human, annotator: "expert", round: 1)
        try db.saveLabel(itemId: items[1].id!, label: "negative", source: .human, annotator: "expert", round: 1)
        // When the expert undoes once
        let undone = try db.undoLastExpertAction(annotator: "expert")
        // Then the second label is gone from the current labels but still in the log
        #expect(undone?.itemId == items[1].id)
        #expect(try db.currentLabels().keys.sorted() == [items[0].id!])
        let log = try db.annotationLog()
        #expect(log.map(\.kind) == [.label, .label, .undo])
        #expect(log[2].supersedes == log[1].id)
        // And a second undo reaches further back, across items
        try db.undoLastExpertAction(annotator: "expert")
        #expect(try db.currentLabels().isEmpty)
        #expect(try db.undoLastExpertAction(annotator: "expert") == nil)
    }

    @Test func undoingAnOverrideRestoresTheLLMLabel() throws {
        // Given an LLM label that the expert overrode
        let (db, items) = try database()
        let id = items[2].id!
        try db.saveLabel(itemId: id, label: "neutral", source: .llm, annotator: "qwen", round: 1, confidence: 0.6)
        try db.saveLabel(itemId: id, label: "negative", source: .override, annotator: "expert", round: 1)
        var current = try db.currentLabels()[id]
        #expect(current?.label == "negative")
        #expect(current?.source == .override)
        #expect(current?.llmLabel == "neutral")
        #expect(current?.reviewed == true)
        // When the override is undone
        try db.undoLastExpertAction(annotator: "expert")
        // Then the LLM's label is back, unreviewed
        current = try db.currentLabels()[id]
        #expect(current?.label == "neutral")
        #expect(current?.source == .llm)
        #expect(current?.reviewed == false)
    }

    @Test func aLateLLMAnswerNeverReplacesTheExpert() throws {
        let (db, items) = try database()
        let id = items[3].id!
        try db.saveLabel(itemId: id, label: "positive", source: .human, annotator: "expert", round: 1)
        try db.saveLabel(itemId: id, label: "negative", source: .llm, annotator: "qwen", round: 1)
        #expect(try db.currentLabels()[id]?.label == "positive")
        #expect(try db.currentLabels()[id]?.source == .human)
    }

    @Test func acceptMarksAnLLMLabelReviewed() throws {
        let (db, items) = try database()
        let id = items[0].id!
        try db.saveLabel(itemId: id, label: "neutral", source: .llm, annotator: "qwen", round: 2)
        try db.append(Annotation(itemId: id, kind: .accept, label: "neutral", source: .human, annotator: "expert", round: 2))
        let current = try db.currentLabels()[id]
        #expect(current?.reviewed == true)
        #expect(current?.source == .llm)
    }

    @Test func anUndoOfAnUndoRestoresTheEvent() {
        let events = [
            Annotation(id: 1, itemId: 7, kind: .label, label: "a", source: .human, annotator: "e"),
            Annotation(id: 2, itemId: 7, kind: .undo, annotator: "e", supersedes: 1),
            Annotation(id: 3, itemId: 7, kind: .undo, annotator: "e", supersedes: 2),
        ]
        #expect(AnnotationLog.currentLabels(events)[7]?.label == "a")
    }

    @Test func modelPredictionsAreNotLabels() throws {
        let (db, items) = try database()
        try db.saveLabel(itemId: items[0].id!, label: "neutral", source: .model, annotator: "classifier", round: 1)
        #expect(try db.currentLabels().isEmpty)
    }

    @Test func theSchemaRefusesAnUndoWithoutTarget() throws {
        let (db, items) = try database()
        #expect(throws: (any Error).self) {
            try db.append(Annotation(itemId: items[0].id!, kind: .undo, annotator: "e"))
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
