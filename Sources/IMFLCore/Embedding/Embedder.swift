import IMFLNumerics

/// Turns texts into unit-length sentence vectors. IMFL uses one embedding three times:
/// k-means for diversity in the query, retrieval of few-shot examples for the LLM prompt, and
/// the neighbours shown to the expert.
public protocol Embedder: Sendable {
    /// A stable identifier of the model and its settings; cached vectors are keyed by it.
    var modelID: String { get }
    /// Length of every vector this embedder returns.
    var dimension: Int { get }
    /// Embeds `texts`, one L2-normalised row per text, in order.
    /// - Throws: when the model cannot run (never for odd text: empty text is valid input).
    func embed(_ texts: [String]) throws -> Matrix
}

extension Embedder {
    /// Embeds `texts` in batches and hands each batch's vectors to `body` as soon as they are
    /// ready, so a caller can store them (an interrupted run then resumes from what was stored)
    /// and show progress.
    ///
    ///     try embedder.embed(texts, batchSize: 256) { range, vectors in
    ///         try store.saveEmbeddings(ids[range], vectors)      // then report range.upperBound
    ///     }
    ///
    /// - Parameters:
    ///   - batchSize: texts per call to `embed(_:)`; at least 1.
    ///   - body: receives the indices of the batch within `texts` and their vectors.
    public func embed(
        _ texts: [String], batchSize: Int, _ body: (Range<Int>, Matrix) throws -> Void
    ) throws {
        let size = Swift.max(1, batchSize)
        var start = 0
        while start < texts.count {
            let range = start ..< Swift.min(texts.count, start + size)
            try body(range, try embed(Array(texts[range])))
            start = range.upperBound
        }
    }
}
