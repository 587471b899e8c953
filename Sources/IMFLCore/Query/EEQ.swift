import IMFLNumerics

/// The exploration–exploitation query of IMFL (Zhang et al., NeurIPS 2023, arXiv 2310.20153).
///
/// Exploration: a random sub-sample U_s of the unlabeled pool is clustered with k-means++
/// (k = the round's batch), and the item nearest each centre stands for its cluster, so the
/// batch covers the pool instead of piling up in one uncertain region. Exploitation: those
/// representatives are ranked by least confidence 1 − max_c p(c|x) of the current classifier,
/// so the most uncertain go to the expert and the rest to the LLM.
///
/// In round 1 there is no classifier; the representatives are then ranked by the size of
/// their cluster, largest first (ties: nearer to the centre first). Large clusters stand for
/// more of the pool, so the expert's first labels become few-shot examples that many later
/// LLM prompts can retrieve.
public struct EEQStrategy: QueryStrategy {
    /// U_s holds `subsampleFactor` × the round's batch (or the whole pool if smaller).
    public var subsampleFactor: Int
    public var maxIterations: Int
    public var tolerance: Double

    public init(subsampleFactor: Int = 10, maxIterations: Int = 50, tolerance: Double = 1e-4) {
        self.subsampleFactor = subsampleFactor
        self.maxIterations = maxIterations
        self.tolerance = tolerance
    }

    public func select(_ input: QueryInput, count: Int, seed: UInt64) -> [RankedItem] {
        let n = input.pool.rows
        guard count > 0, n > 0 else { return [] }
        var rng = SeededGenerator(seed: seed, stream: 3)
        let subsample = rng.sample(max(count, count * subsampleFactor), from: n).sorted()
        let points = input.pool.rows(subsample)
        let clusters = KMeans.fit(
            points, k: count, seed: seed, maxIterations: maxIterations, tolerance: tolerance)
        // The member nearest each centre.
        var nearest = [Int](repeating: -1, count: clusters.centroids.rows)
        for i in 0 ..< points.rows {
            let c = clusters.assignments[i]
            if nearest[c] < 0 || clusters.distances[i] < clusters.distances[nearest[c]] { nearest[c] = i }
        }
        let centres = (0 ..< nearest.count).filter { nearest[$0] >= 0 }
        let chosen = centres.map { subsample[nearest[$0]] }
        if let model = input.current {
            let scores = UncertaintyMeasure.leastConfidence.scores(
                model.predictProbabilities(input.pool.rows(chosen)))
            return rankDescending(zip(chosen, scores).map { RankedItem(index: $0, score: $1) })
        }
        let ranked = centres.indices.sorted { a, b in
            let ca = centres[a], cb = centres[b]
            if clusters.sizes[ca] != clusters.sizes[cb] { return clusters.sizes[ca] > clusters.sizes[cb] }
            let da = clusters.distances[nearest[ca]], db = clusters.distances[nearest[cb]]
            return da != db ? da < db : chosen[a] < chosen[b]
        }
        return ranked.map { RankedItem(index: chosen[$0], score: Double(clusters.sizes[centres[$0]])) }
    }
}
