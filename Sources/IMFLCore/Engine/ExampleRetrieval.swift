import IMFLNumerics

/// Finds the stored vectors most similar to a query. The engine uses it to pick the few-shot
/// examples of an LLM prompt and the neighbours shown to the expert; an approximate index can
/// replace the exact search behind this protocol.
public protocol NeighbourSearch: Sendable {
    /// For each row of `queries`, the indices of the `k` most similar rows of `candidates`
    /// (cosine similarity of unit vectors), most similar first.
    func nearest(_ queries: Matrix, in candidates: Matrix, k: Int) -> [[(index: Int, similarity: Float)]]
}

/// Exact cosine top-k: one matrix product, then a partial selection per query.
public struct CosineTopK: NeighbourSearch {
    public init() {}

    public func nearest(_ queries: Matrix, in candidates: Matrix, k: Int) -> [[(index: Int, similarity: Float)]] {
        guard candidates.rows > 0, k > 0 else { return Array(repeating: [], count: queries.rows) }
        let scores = Matrix.multiply(queries, candidates, transposeB: true)
        let n = candidates.rows
        return (0 ..< queries.rows).map { q in
            var best = [(index: Int, similarity: Float)]()
            for j in 0 ..< n {
                let s = scores.values[q * n + j]
                if best.count < k || s > best[best.count - 1].similarity {
                    let at = best.firstIndex { s > $0.similarity } ?? best.count
                    best.insert((j, s), at: at)
                    if best.count > k { best.removeLast() }
                }
            }
            return best
        }
    }
}
