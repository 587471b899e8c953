import Testing
import IMFLNumerics
@testable import IMFLCore

@Suite("Label log and retrieval")
struct LabelLogTests {
    func record(_ id: Int64, item: Int64, _ label: String?, _ source: LabelSource, undoes: Int64? = nil) -> AnnotationRecord {
        AnnotationRecord(id: id, annotation: NewAnnotation(itemID: item, round: 1, label: label, source: source, undoes: undoes))
    }

    @Test("an override replaces the LLM label and undoing it brings the LLM label back")
    func overrideAndUndo() {
        // Given an LLM label, then an expert override of it
        var log = LabelLog([record(1, item: 7, "positive", .llm), record(2, item: 7, "negative", .override)])
        #expect(log.label(7) == "negative")
        #expect(log.hasExpertLabel(7))
        #expect(log.reviewedLLMLabels().map(\.llm) == ["positive"])
        // When the override is undone
        log.apply(record(3, item: 7, nil, .human, undoes: 2))
        // Then the LLM label is in force again and nothing counts as reviewed
        #expect(log.label(7) == "positive")
        #expect(!log.hasExpertLabel(7))
        #expect(log.reviewedLLMLabels().isEmpty)
        #expect(log.undone == [2])
        #expect(log.lastID == 3)
    }

    @Test("undoing an expert label leaves the item unlabeled, and the latest expert event is found")
    func undoExpertLabel() {
        let log = LabelLog([record(1, item: 1, "a", .human), record(2, item: 2, "b", .human), record(3, item: 2, nil, .human, undoes: 2)])
        #expect(log.current(2) == nil)
        #expect(log.labeledItems == [1])
        #expect(log.latestExpertEvent()?.id == 1)
    }

    @Test("cosine top-k returns the most similar rows first")
    func cosineTopK() {
        // Given three unit candidates and a query closest to the second, then the third
        let candidates = Matrix(stacking: [[1, 0], [0, 1], [0.6, 0.8]])
        let query = Matrix(stacking: [[0.1, 0.995]])
        let hits = CosineTopK().nearest(query, in: candidates, k: 2)[0]
        #expect(hits.map(\.index) == [1, 2])
        #expect(CosineTopK().nearest(query, in: candidates, k: 5)[0].count == 3)
        #expect(CosineTopK().nearest(query, in: Matrix(rows: 0, cols: 2), k: 2)[0].isEmpty)
    }
}
