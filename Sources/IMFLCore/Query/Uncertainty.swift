import Foundation
import IMFLNumerics

/// Uncertainty of one predicted distribution; larger means less certain.
public enum UncertaintyMeasure: String, Sendable, Codable, CaseIterable {
    /// 1 − max_c p(c|x).
    case leastConfidence
    /// 1 − (p₍₁₎ − p₍₂₎), one minus the gap between the two most likely classes.
    case margin
    /// −Σ_c p(c|x) log p(c|x).
    case entropy

    /// The uncertainty of every row of `probabilities`.
    public func scores(_ probabilities: Matrix) -> [Double] {
        let c = probabilities.cols
        return (0 ..< probabilities.rows).map { i in
            let row = probabilities.values[i * c ..< (i + 1) * c]
            switch self {
            case .leastConfidence:
                return 1 - Double(row.max() ?? 0)
            case .margin:
                var first: Float = 0, second: Float = 0
                for p in row {
                    if p > first { second = first; first = p } else if p > second { second = p }
                }
                return 1 - Double(first - second)
            case .entropy:
                return row.reduce(0.0) { $0 - ($1 > 0 ? Double($1) * log(Double($1)) : 0) }
            }
        }
    }
}

/// Uniform random items: the baseline every query strategy must beat.
public struct RandomStrategy: QueryStrategy {
    public init() {}
    public func select(_ input: QueryInput, count: Int, seed: UInt64) -> [RankedItem] {
        var rng = SeededGenerator(seed: seed, stream: 2)
        return rng.sample(count, from: input.pool.rows).map { RankedItem(index: $0, score: 0) }
    }
}

/// The top-`count` items of the whole pool by an uncertainty measure of the current model.
/// Without a model (round 1) it falls back to random items.
public struct UncertaintyStrategy: QueryStrategy {
    public var measure: UncertaintyMeasure
    public init(measure: UncertaintyMeasure) { self.measure = measure }

    public func select(_ input: QueryInput, count: Int, seed: UInt64) -> [RankedItem] {
        guard let model = input.current else { return RandomStrategy().select(input, count: count, seed: seed) }
        let scores = measure.scores(model.predictProbabilities(input.pool))
        return topScores(scores, count: count)
    }
}

/// Bansal & Sharma (2023, arXiv 2306.15766) pick the items whose prediction moved most
/// between two models; here the two are the classifiers of the last two rounds, and the
/// movement is the total variation ½ Σ_c |p_current(c|x) − p_previous(c|x)|. With fewer than
/// two models it falls back to least confidence, and with none to random.
public struct ScoreDifferenceStrategy: QueryStrategy {
    public init() {}

    public func select(_ input: QueryInput, count: Int, seed: UInt64) -> [RankedItem] {
        guard let current = input.current else { return RandomStrategy().select(input, count: count, seed: seed) }
        guard let previous = input.previous else {
            return UncertaintyStrategy(measure: .leastConfidence).select(input, count: count, seed: seed)
        }
        let p = current.predictProbabilities(input.pool)
        let q = previous.predictProbabilities(input.pool)
        let c = p.cols
        let scores = (0 ..< p.rows).map { i in
            var tv = 0.0
            for j in 0 ..< c { tv += Double(abs(p.values[i * c + j] - q.values[i * c + j])) }
            return tv / 2
        }
        return topScores(scores, count: count)
    }
}

/// The `count` highest scores, ranked; ties by index.
func topScores(_ scores: [Double], count: Int) -> [RankedItem] {
    let all = scores.enumerated().map { RankedItem(index: $0.offset, score: $0.element) }
    return Array(rankDescending(all).prefix(max(0, count)))
}
