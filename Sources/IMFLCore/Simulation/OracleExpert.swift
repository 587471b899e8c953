import IMFLNumerics

/// The simulated expert of `imfl simulate`: it answers with the item's gold label, except that
/// with probability `noise` it gives one of the other labels at random, to see how the loop
/// copes with an imperfect expert. Its answer for an item depends only on the seed and the
/// item, so an interrupted run that resumes gets the same answers.
public struct OracleExpert: Sendable {
    public var labels: [String]
    /// Probability of a wrong label, in [0, 1).
    public var noise: Double
    public var seed: UInt64

    public init(labels: [String], noise: Double = 0, seed: UInt64 = 0) {
        self.labels = labels
        self.noise = noise
        self.seed = seed
    }

    /// The label the expert gives an item whose gold label is `gold`.
    public func label(itemID: Int64, gold: String) -> String {
        guard noise > 0, labels.count > 1 else { return gold }
        var random = SeededGenerator(seed: seed, stream: UInt64(bitPattern: itemID))
        guard Double.random(in: 0 ..< 1, using: &random) < noise else { return gold }
        let others = labels.filter { $0 != gold }
        return others[Int.random(in: 0 ..< others.count, using: &random)]
    }
}
