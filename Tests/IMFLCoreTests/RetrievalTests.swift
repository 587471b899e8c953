import Foundation
import IMFLNumerics
import Testing
@testable import IMFLCore
import IMFLTestSupport

/// How prompts get their examples: the similar mode through the exact index, the random
/// ablation, and label-diverse selection, at the index and through the engine.
@Suite("Example retrieval")
struct RetrievalTests {
    /// A brute-force reference for the similar mode: every candidate scored by one sgemm
    /// product, the `k` best kept by a stable insertion (a later candidate passes an earlier
    /// one only with a strictly higher score, so ties go to the lower row).
    static func referenceTopK(_ query: [Float], _ candidates: Matrix, k: Int) -> [Int] {
        guard candidates.rows > 0, k > 0 else { return [] }
        let scores = Matrix.multiply(Matrix(rows: 1, cols: query.count, values: query), candidates, transposeB: true).values
        var best: [(row: Int, score: Float)] = []
        for (row, score) in scores.enumerated() where best.count < k || score > best[best.count - 1].score {
            best.insert((row, score), at: best.firstIndex { score > $0.score } ?? best.count)
            if best.count > k { best.removeLast() }
        }
        return best.map(\.row)
    }

    static func unitRows(_ rows: Int, _ dimension: Int, seed: UInt64) -> Matrix {
        var random = SeededGenerator(seed: seed)
        return Matrix(stacking: (0 ..< rows).map { _ in
            let v = (0 ..< dimension).map { _ in Float(random.gaussian()) }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        })
    }

    /// Candidates on the unit circle at increasing angles from the query [1, 0]: row i is the
    /// i-th most similar.
    static func ranked(_ count: Int) -> (query: [Float], candidates: Matrix) {
        ([1, 0], Matrix(stacking: (0 ..< count).map { i in
            let angle = Float(i + 1) * 0.1
            return [cos(angle), sin(angle)]
        }))
    }

    @Test("the similar mode returns the reference's examples in the reference's order (MiniLM-sized vectors)")
    func similarModeMatchesTheReference() throws {
        let retrieval = ExampleRetrieval(mode: .similar)
        for (n, seed) in [(1, 1), (7, 2), (40, 3), (300, 4), (2000, 5)] as [(Int, UInt64)] {
            // Given n labeled candidates and 40 queries, 384-dimensional like MiniLM's vectors
            let candidates = Self.unitRows(n, 384, seed: seed)
            let queries = Self.unitRows(40, 384, seed: seed + 100)
            let index = retrieval.index(over: candidates)
            for q in 0 ..< queries.rows {
                for k in [1, 5, 10] {
                    // Then the index's hits are the reference's rows, in its order
                    let hits = try retrieval.examples(
                        for: queries.row(q), k: k, in: index, rowLabels: [], labelSet: [])
                    #expect(hits.map(\.row) == Self.referenceTopK(queries.row(q), candidates, k: k), "n \(n), query \(q), k \(k)")
                }
            }
        }
    }

    @Test("equal scores go to the lower row, as in the reference")
    func tiesGoToTheLowerRow() throws {
        // Given candidates where rows 1, 3 and 4 are the same vector, and row 0 its opposite
        let v = Self.unitRows(2, 384, seed: 9)
        let candidates = Matrix(stacking: [v.row(0).map { -$0 }, v.row(0), v.row(1), v.row(0), v.row(0)])
        let index = ExampleRetrieval().index(over: candidates)
        // When the query is that vector
        let hits = try index.search(v.row(0), k: 4)
        // Then the duplicates come first, lowest row first, as the reference orders them
        #expect(hits.map(\.row) == [1, 3, 4, 2])
        #expect(hits.map(\.row) == Self.referenceTopK(v.row(0), candidates, k: 4))
    }

    @Test("the engine's few-shot examples are the reference's, for every LLM label of a session")
    func theEnginesPromptsCarryTheReferenceExamples() async throws {
        // Given a two-round session run to the end (sequential, one LLM call at a time)
        let config = try EngineTests.configuration()
        let store = InMemoryEngineStore(items: EngineTests.sessionItems())
        let llm = ScriptedAnnotator(gold: EngineTests.gold, labels: EngineTests.labels)
        #expect(try await EngineTests.drive(EngineTests().makeEngine(store, annotator: llm, config: config), store: store))
        let log = try store.annotationLog()
        let pool = Set(EngineTests.sessionItems().filter { $0.split == .pool }.map(\.id))
        var checked = 0
        for (position, event) in log.enumerated() where event.source == .llm && event.kind == .label {
            // The expert labels in force when the call was made: those logged before its answer
            let before = AnnotationLog(Array(log[..<position]))
            let candidates = before.labeledItems.filter { id in
                guard id != event.itemID, pool.contains(id), let current = before.current(id),
                      current.source.fidelity == .human else { return false }
                return (current.event.round ?? 0) <= event.round!
            }
            let vectors = try store.vectors(for: candidates, modelID: ClusterEmbedder().modelID)
            let query = try store.vectors(for: [event.itemID], modelID: ClusterEmbedder().modelID).row(0)
            let expected = Self.referenceTopK(query, vectors, k: config.fewShot).map { candidates[$0] }
            // Then the prompt carried them, least similar first
            #expect(event.examples == Array(expected.reversed()), "LLM label of item \(event.itemID)")
            checked += 1
        }
        #expect(checked == 30)
    }

    @Test("the random mode draws distinct allowed rows, the same ones for the same query and seed")
    func randomModeDrawsRepeatably() throws {
        let candidates = Self.unitRows(50, 8, seed: 3)
        let query: [Float] = (0 ..< 8).map { Float($0) / 12 }
        let index = ExampleRetrieval(mode: .random, seed: 1).index(over: candidates)
        let first = try index.search(query, k: 5)
        #expect(first.count == 5 && Set(first.map(\.row)).count == 5)
        #expect(try index.search(query, k: 5) == first)
        #expect(zip(first, first.dropFirst()).allSatisfy { ExampleRetrieval.ranksBefore($0, $1) })
        #expect(first.map(\.row) != Self.referenceTopK(query, candidates, k: 5))
        #expect(try ExampleRetrieval(mode: .random, seed: 2).index(over: candidates).search(query, k: 5) != first)
        // A filter and an exclusion hold for the draw too
        let even = try index.search(query, k: 5, filter: .mask((0 ..< 50).map { $0 % 2 == 0 }), excluding: 0)
        #expect(even.count == 5 && even.allSatisfy { $0.row % 2 == 0 && $0.row != 0 })
        #expect(try index.search(query, k: 80).count == 50)
    }

    @Test("label-diverse: ⌈k / labels⌉ per label among the most similar, kept in similarity order")
    func labelDiverseCapsEachLabel() throws {
        // Given neighbours dominated by one label, ranked p1 p2 p3 p4 n1 u1 n2 u2
        let (query, candidates) = Self.ranked(8)
        let labels = ["positive", "positive", "positive", "positive", "negative", "neutral", "negative", "neutral"]
        let names = ["p1", "p2", "p3", "p4", "n1", "u1", "n2", "u2"]
        let retrieval = ExampleRetrieval(labelDiverse: true)
        let index = retrieval.index(over: candidates)
        let labelSet = ["positive", "negative", "neutral"]
        func chosen(_ k: Int) throws -> [String] {
            try retrieval.examples(for: query, k: k, in: index, rowLabels: labels, labelSet: labelSet).map { names[$0.row] }
        }
        // When 5 are chosen from 3 labels (at most 2 per label)
        // Then every label is present, none has more than 2, and similarity order is kept
        #expect(try chosen(5) == ["p1", "p2", "n1", "u1", "n2"])
        // With k below the label count, each label's best competes: 1 per label, the 2 most similar
        #expect(try chosen(2) == ["p1", "n1"])
        // Without label_diverse, the same index gives the k most similar
        #expect(try ExampleRetrieval().examples(for: query, k: 5, in: index, rowLabels: labels, labelSet: labelSet)
            .map { names[$0.row] } == ["p1", "p2", "p3", "p4", "n1"])
    }

    @Test("label-diverse: places a label cannot fill go to the most similar rows not taken")
    func labelDiverseFillsFromAnyLabel() throws {
        let (query, candidates) = Self.ranked(4)
        let labels = ["positive", "positive", "positive", "negative"]
        let retrieval = ExampleRetrieval(labelDiverse: true)
        let hits = try retrieval.examples(
            for: query, k: 4, in: retrieval.index(over: candidates), rowLabels: labels,
            labelSet: ["positive", "negative", "neutral"])
        // 2 positive and 1 negative by quota, then the next positive fills the fourth place
        #expect(hits.map(\.row) == [0, 1, 2, 3])
        #expect(try retrieval.examples(
            for: query, k: 9, in: retrieval.index(over: candidates), rowLabels: labels,
            labelSet: ["positive", "negative", "neutral"]).count == 4)
    }

    @Test("label-diverse random draws: at most ⌈k / labels⌉ per label when every label has enough")
    func labelDiverseRandomIsStratified() throws {
        let candidates = Self.unitRows(60, 8, seed: 4)
        let labels = (0 ..< 60).map { ["a", "b", "c"][$0 % 3] }
        let retrieval = ExampleRetrieval(mode: .random, k: 5, labelDiverse: true, seed: 7)
        let index = retrieval.index(over: candidates)
        for q in 0 ..< 20 {
            let hits = try retrieval.examples(
                for: Self.unitRows(1, 8, seed: 50 + UInt64(q)).row(0), k: 5, in: index, rowLabels: labels, labelSet: ["a", "b", "c"])
            let counts = Dictionary(grouping: hits, by: { labels[$0.row] }).mapValues(\.count)
            #expect(hits.count == 5 && counts.count == 3 && counts.values.allSatisfy { $0 <= 2 })
        }
    }

    @Test("with label_diverse the engine's prompts show every label the expert has used")
    func theEngineAppliesLabelDiverse() async throws {
        // Given a session whose clusters follow the labels, so the 5 most similar are one label
        var config = try EngineTests.configuration()
        config.retrieval = ExampleRetrieval(k: 5, labelDiverse: true)
        let store = InMemoryEngineStore(items: EngineTests.sessionItems())
        let llm = ScriptedAnnotator(gold: EngineTests.gold, labels: EngineTests.labels)
        #expect(try await EngineTests.drive(EngineTests().makeEngine(store, annotator: llm, config: config), store: store))
        let log = try store.annotationLog()
        var checked = 0
        for (position, event) in log.enumerated() where event.source == .llm && event.kind == .label {
            let before = AnnotationLog(Array(log[..<position]))
            let available = Dictionary(grouping: before.labeledItems.filter {
                before.current($0)?.source.fidelity == .human && $0 != event.itemID
            }, by: { before.label($0)! }).mapValues(\.count)
            guard available.count == 3, available.values.allSatisfy({ $0 >= 2 }) else { continue }
            // Then, where every label has 2 expert examples, a prompt carries 5 with at most 2 per label
            let labels = try #require(event.examples).compactMap { id in before.label(id) }
            let counts = Dictionary(grouping: labels, by: { $0 }).mapValues(\.count)
            #expect(labels.count == 5 && counts.count == 3 && counts.values.allSatisfy { $0 <= 2 }, "item \(event.itemID)")
            checked += 1
        }
        #expect(checked > 0)
    }
}
