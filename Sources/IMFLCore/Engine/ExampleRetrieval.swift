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

/// The random-retrieval ablation of IMFL (Zhang et al., NeurIPS 2023, §5.3): the prompt
/// carries `k` expert-labeled examples drawn at random rather than the most similar ones,
/// which isolates what similarity adds. The draw depends only on the seed and the query
/// vector, so a session replays exactly; examples are ordered by similarity like the
/// similar mode's, so prompts differ only in which examples they carry.
public struct RandomExamples: NeighbourSearch {
    public var seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    public func nearest(_ queries: Matrix, in candidates: Matrix, k: Int) -> [[(index: Int, similarity: Float)]] {
        guard candidates.rows > 0, k > 0 else { return Array(repeating: [], count: queries.rows) }
        let scores = Matrix.multiply(queries, candidates, transposeB: true)
        let n = candidates.rows, take = min(k, n)
        return (0 ..< queries.rows).map { q in
            var mixed = seed
            for j in 0 ..< min(queries.cols, 16) {
                mixed = (mixed ^ UInt64(queries[q, j].bitPattern)) &* 0x0000_0100_0000_01B3
            }
            var random = SeededGenerator(seed: mixed)
            var order = Array(0 ..< n)
            for i in 0 ..< take {
                order.swapAt(i, Int.random(in: i ..< n, using: &random))
            }
            return order.prefix(take)
                .map { (index: $0, similarity: scores.values[q * n + $0]) }
                .sorted { $0.similarity > $1.similarity || ($0.similarity == $1.similarity && $0.index < $1.index) }
        }
    }
}
