import Testing
import IMFLNumerics
@testable import IMFLCore

@Suite("Exact nearest-neighbour index")
struct ExactNeighbourIndexTests {
    /// Random unit rows, the same on every run.
    func vectors(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix { .randomUnitRows(rows, cols, seed: seed) }

    /// Top-k by sorting every allowed score: the plain definition to check against.
    func bruteForce(_ items: Matrix, _ query: [Float], k: Int, allowed: (Int) -> Bool) -> [IndexHit] {
        (0..<items.rows).filter(allowed).map { r in
            IndexHit(row: r, score: zip(items.row(r), query).reduce(Float(0)) { $0 + $1.0 * $1.1 })
        }
        .sorted { $0.score != $1.score ? $0.score > $1.score : $0.row < $1.row }
        .prefix(k).map { $0 }
    }

    func expectSame(_ got: [IndexHit], _ expected: [IndexHit], _ context: String) {
        #expect(got.map(\.row) == expected.map(\.row), "\(context)")
        for (g, e) in zip(got, expected) { #expect(abs(g.score - e.score) < 1e-5, "\(context)") }
    }

    @Test("batch search equals brute force, split over workers or not", arguments: [1, 2])
    func batchMatchesBruteForce(workers: Int) throws {
        // Given 10,000 items (enough for two slices) and 40 queries
        let items = vectors(10_000, 24, seed: 1)
        let queries = vectors(40, 24, seed: 2)
        let index = ExactNeighbourIndex(vectors: items, workers: workers)
        // When searched in one batch
        let results = try index.search(queries, k: 7)
        // Then each query's list is the brute-force top 7
        for q in 0..<40 {
            expectSame(results[q], bruteForce(items, queries.row(q), k: 7) { _ in true }, "query \(q)")
        }
    }

    @Test("a row mask restricts results to allowed rows, e.g. expert-labeled items")
    func maskFilter() throws {
        let items = vectors(9_000, 16, seed: 3)
        let mask = (0..<9_000).map { $0 % 3 == 0 }
        let index = ExactNeighbourIndex(vectors: items)
        let queries = vectors(5, 16, seed: 4)
        let results = try index.search(queries, k: 5, filter: .mask(mask))
        for q in 0..<5 {
            expectSame(results[q], bruteForce(items, queries.row(q), k: 5) { mask[$0] }, "query \(q)")
        }
    }

    @Test("a small set of rows is searched alone, with row numbers of the whole index")
    func rowSetFilter() throws {
        let items = vectors(2_000, 16, seed: 5)
        let allowed: Set<Int> = [3, 17, 256, 1999, 1024, 77]
        let index = ExactNeighbourIndex(vectors: items)
        let query = items.row(17)
        let result = try index.search(query, k: 4, filter: .rows(allowed), excluding: 17)
        expectSame(result, bruteForce(items, query, k: 4) { allowed.contains($0) && $0 != 17 }, "row set")
        #expect(!result.contains { $0.row == 17 })
    }

    @Test("the query's own row is excluded when asked, and found first otherwise")
    func excludeSelf() throws {
        let items = vectors(500, 8, seed: 6)
        let index = ExactNeighbourIndex(vectors: items)
        let own = try index.search(items.rows([42, 7]), k: 3)
        #expect(own[0].first?.row == 42 && own[1].first?.row == 7)
        let others = try index.search(items.rows([42, 7]), k: 3, excluding: [42, nil])
        #expect(!others[0].contains { $0.row == 42 })
        #expect(others[1].first?.row == 7)
        expectSame(others[0], bruteForce(items, items.row(42), k: 3) { $0 != 42 }, "excluded")
    }

    @Test("k larger than the allowed rows returns every allowed row; k = 0 returns none")
    func smallK() throws {
        let items = vectors(50, 8, seed: 7)
        let index = ExactNeighbourIndex(vectors: items)
        #expect(try index.search(items.row(0), k: 10, filter: .rows([1, 2, 3])).count == 3)
        #expect(try index.search(items.row(0), k: 0).isEmpty)
        #expect(try index.search(items.row(0), k: 80).count == 50)
    }

    @Test("equal scores come out lower row first")
    func ties() throws {
        let row: [Float] = [1, 0, 0, 0]
        let items = Matrix(stacking: [[0, 1, 0, 0], row, row, [0, 0, 1, 0], row])
        let result = try ExactNeighbourIndex(vectors: items).search(row, k: 3)
        #expect(result.map(\.row) == [1, 2, 4])
    }

    @Test("mismatched dimensions, masks and exclusions are errors")
    func errors() throws {
        let index = ExactNeighbourIndex(vectors: vectors(10, 8, seed: 8))
        #expect(throws: RetrievalError.dimensionMismatch(index: 8, query: 4)) {
            try index.search([1, 0, 0, 0], k: 1)
        }
        #expect(throws: RetrievalError.maskLength(expected: 10, got: 3)) {
            try index.search(Array(repeating: 0.1, count: 8), k: 1, filter: .mask([true, false, true]))
        }
        #expect(throws: RetrievalError.exclusionCount(queries: 2, exclusions: 1)) {
            try index.search(Matrix(rows: 2, cols: 8), k: 1, filter: .all, excluding: [nil])
        }
    }
}
