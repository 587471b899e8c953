import Foundation
import IMFLNumerics
import Testing
@testable import IMFLCore

/// A deterministic embedder that counts the texts it was asked to embed and can fail on cue.
final class CountingEmbedder: Embedder, @unchecked Sendable {
    let modelID = "counting"
    let dimension = 4
    private(set) var embedded = [String]()
    var failAfter: Int?

    struct Failure: Error {}

    func embed(_ texts: [String]) throws -> Matrix {
        if let failAfter, embedded.count + texts.count > failAfter { throw Failure() }
        embedded += texts
        let rows = texts.map { text -> [Float] in
            let v: [Float] = [Float(text.count), 1, Float(text.utf8.first ?? 0), 2]
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
        return Matrix(stacking: rows)
    }
}

@Suite struct SessionEmbeddingTests {
    func database(items: Int) throws -> AppDatabase {
        let db = try AppDatabase.inMemory()
        let pool = (0..<items).map { Item(key: "p\($0)", text: "pool text \($0)", split: .pool, gold: nil, position: $0) }
        try db.importDataset(labels: ["a", "b"], pool: pool, test: [Item(key: "t", text: "test", split: .test, gold: "a", position: 0)])
        return db
    }

    @Test func anInterruptedRunResumesWithoutEmbeddingTwice() throws {
        // Given a run that fails in its third batch
        let db = try database(items: 9)
        let embedder = CountingEmbedder()
        embedder.failAfter = 5
        #expect(throws: CountingEmbedder.Failure.self) {
            try SessionEmbedding(database: db, embedder: embedder, batchSize: 2).run()
        }
        // Then the committed batches are kept
        #expect(try SessionEmbedding(database: db, embedder: embedder).missingCount() == 6)
        // When the run is repeated
        embedder.failAfter = nil
        let count = try SessionEmbedding(database: db, embedder: embedder, batchSize: 2).run()
        // Then only the rest is embedded, and every item (pool and test) has a vector
        #expect(count == 6)
        #expect(embedder.embedded.count == 10)
        #expect(Set(embedder.embedded).count == 10)
        #expect(try db.embeddings(model: "counting").itemIds.count == 10)
    }
}
