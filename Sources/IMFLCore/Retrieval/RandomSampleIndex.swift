import IMFLNumerics

/// The random-retrieval ablation of IMFL (Zhang et al., NeurIPS 2023, §5.3) as an index: a
/// search returns `k` allowed rows drawn at random rather than the most similar ones, which
/// isolates what similarity adds to a prompt. The draw depends only on the seed, the query
/// vector and the allowed rows, so a session replays exactly; the drawn rows come ordered as
/// the exact index orders them (most similar first, ties to the lower row), so prompts differ
/// from the similar mode's only in which examples they carry.
///
///     let index = RandomSampleIndex(vectors: labeledVectors, seed: 1)
///     let drawn = try index.search(query, k: 5)
public struct RandomSampleIndex: NeighbourIndex {
    /// Scores the drawn rows.
    public let exact: ExactNeighbourIndex
    public let seed: UInt64

    public var count: Int { exact.count }
    public var dimension: Int { exact.dimension }

    /// - Parameter vectors: one unit-length vector per row.
    public init(vectors: Matrix, seed: UInt64) {
        exact = ExactNeighbourIndex(vectors: vectors, workers: 1)
        self.seed = seed
    }

    public func search(_ queries: Matrix, k: Int, filter: RowFilter = .all, excluding: [Int?] = []) throws -> [[IndexHit]] {
        try validate(queries, filter: filter, excluding: excluding)
        // Every allowed row, scored and ordered; the draw then picks which of them to keep.
        let ranked = try exact.search(queries, k: count, filter: filter, excluding: excluding)
        return (0 ..< queries.rows).map { q in
            let allowed = ranked[q].map(\.row).sorted()
            let take = min(max(0, k), allowed.count)
            guard take > 0 else { return [] }
            var random = SeededGenerator(seed: drawSeed(queries, row: q))
            var order = allowed
            for i in 0 ..< take {
                order.swapAt(i, Int.random(in: i ..< order.count, using: &random))
            }
            let drawn = Set(order.prefix(take))
            return ranked[q].filter { drawn.contains($0.row) }
        }
    }

    /// The index's seed mixed with the first values of the query vector (FNV-1a style), so
    /// each query gets its own draw and the same query always the same one.
    private func drawSeed(_ queries: Matrix, row q: Int) -> UInt64 {
        var mixed = seed
        for j in 0 ..< min(queries.cols, 16) {
            mixed = (mixed ^ UInt64(queries[q, j].bitPattern)) &* 0x0000_0100_0000_01B3
        }
        return mixed
    }
}
