import IMFLNumerics
import Testing
@testable import IMFLCore

@Suite("Retrieval")
struct RetrievalTests {
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
