import IMFLNumerics

/// One selected item: its row in the candidate pool and the score it was ranked by.
public struct RankedItem: Sendable, Equatable, Hashable {
    /// Row index into `QueryInput.pool`.
    public var index: Int
    /// Higher means more informative for the expert (uncertainty, size, difference…).
    public var score: Double
    public init(index: Int, score: Double) {
        self.index = index
        self.score = score
    }
}

/// What a query strategy sees: the unlabeled pool and the classifiers of this and the
/// previous round (nil before they exist).
public struct QueryInput: Sendable {
    /// Embeddings of the unlabeled pool, one row per item.
    public var pool: Matrix
    /// The classifier trained at the end of the previous round.
    public var current: (any Classifier)?
    /// The classifier of the round before that (for the score-difference strategy).
    public var previous: (any Classifier)?
    public init(pool: Matrix, current: (any Classifier)? = nil, previous: (any Classifier)? = nil) {
        self.pool = pool
        self.current = current
        self.previous = previous
    }
}

/// Picks the items of one round and ranks them: the first B_H go to the expert, the next B_G
/// to the LLM. Deterministic for a given seed.
public protocol QueryStrategy: Sendable {
    /// - Returns: at most `count` distinct items, most informative first.
    func select(_ input: QueryInput, count: Int, seed: UInt64) -> [RankedItem]
}

/// The strategies a session or a simulation can name.
public enum QueryStrategyName: String, Sendable, Codable, CaseIterable, Hashable {
    /// Exploration–exploitation query of IMFL (k-means diversity, then least confidence).
    case eeq
    case random
    case leastConfidence = "least-confidence"
    case margin
    case entropy
    /// |p_current − p_previous| of Bansal & Sharma (arXiv 2306.15766).
    case scoreDifference = "score-difference"

    /// The strategy with its default settings.
    public func makeStrategy() -> any QueryStrategy {
        switch self {
        case .eeq: EEQStrategy()
        case .random: RandomStrategy()
        case .leastConfidence: UncertaintyStrategy(measure: .leastConfidence)
        case .margin: UncertaintyStrategy(measure: .margin)
        case .entropy: UncertaintyStrategy(measure: .entropy)
        case .scoreDifference: ScoreDifferenceStrategy()
        }
    }
}

/// Sorts by score, highest first, ties by index so the order is total and reproducible.
func rankDescending(_ items: [RankedItem]) -> [RankedItem] {
    items.sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
}
