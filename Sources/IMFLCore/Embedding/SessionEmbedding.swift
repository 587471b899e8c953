import Foundation
import IMFLNumerics

/// Fills a session's embedding cache: embeds every item (pool and test) that has no vector for
/// the embedder's model, in batches, each batch committed on its own, so an interrupted run
/// resumes where it stopped and never embeds an item twice.
public struct SessionEmbedding: Sendable {
    public let database: AppDatabase
    public let embedder: any Embedder
    /// Texts per committed batch.
    public var batchSize: Int

    public init(database: AppDatabase, embedder: any Embedder, batchSize: Int = 256) {
        self.database = database
        self.embedder = embedder
        self.batchSize = batchSize
    }

    /// Number of items still without a vector.
    public func missingCount() throws -> Int {
        try database.itemsMissingEmbedding(model: embedder.modelID).count
    }

    /// Embeds what is missing.
    /// - Parameter progress: called after each batch with (items done, items to do); runs on
    ///   the caller's thread.
    /// - Returns: the number of items embedded by this call.
    @discardableResult
    public func run(progress: (Int, Int) -> Void = { _, _ in }) throws -> Int {
        let missing = try database.itemsMissingEmbedding(model: embedder.modelID)
        var done = 0
        progress(0, missing.count)
        while done < missing.count {
            try Task.checkCancellation()
            let batch = Array(missing[done ..< min(missing.count, done + batchSize)])
            let vectors = try embedder.embed(batch.map(\.text))
            guard vectors.cols == embedder.dimension, vectors.rows == batch.count else {
                throw SessionError.schema("the embedder returned \(vectors.rows)×\(vectors.cols) vectors for \(batch.count) texts of dimension \(embedder.dimension)")
            }
            try database.saveEmbeddings(model: embedder.modelID, itemIds: batch.compactMap(\.id), vectors: vectors)
            done += batch.count
            progress(done, missing.count)
        }
        return done
    }
}
