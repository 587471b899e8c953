import Foundation

/// A 95 % interval for a share of successes.
public struct ProportionInterval: Sendable, Hashable, Codable {
    public var lower: Double
    public var upper: Double

    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    /// The Wilson score interval (Wilson 1927) of `successes` in `trials`. Unlike the normal
    /// approximation p ± z·√(p(1−p)/n) it stays inside [0, 1] and keeps its coverage near the
    /// nominal 95 % for the few dozen shadow labels a session has after its first rounds
    /// (Brown, Cai & DasGupta, Statistical Science 2001, recommend it for small n).
    /// [0, 1] when there are no trials.
    public static func wilson(successes: Int, trials: Int, z: Double = 1.959_963_985) -> ProportionInterval {
        guard trials > 0 else { return ProportionInterval(lower: 0, upper: 1) }
        let n = Double(trials), p = Double(successes) / n, z2 = z * z
        let centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return ProportionInterval(lower: max(0, centre - half), upper: min(1, centre + half))
    }

    public func contains(_ x: Double) -> Bool { x >= lower - 1e-12 && x <= upper + 1e-12 }
}

/// The LLM's accuracy and confusion, estimated live from its shadow labels: on a seeded random
/// share of the expert's own items the LLM is asked too (`[llm] shadow`), and its answer is
/// compared with the expert's label in force. The expert's items are a random draw from what
/// the session selects, so the estimate is unbiased for those items and needs no extra expert
/// work; the shadow answers are never trained on.
public struct LLMAccuracyEstimate: Sendable, Hashable, Codable {
    /// Shadow labels with an expert label in force to compare with.
    public var count: Int
    /// Of them, the ones equal to the expert's label.
    public var right: Int
    /// The Wilson 95 % interval of the accuracy.
    public var interval: ProportionInterval
    /// Counts by expert label (rows) and shadow label (columns), in the session's label order.
    public var confusion: ConfusionMatrix

    /// - Parameters:
    ///   - shadow: the LLM's class index on each compared item.
    ///   - expert: the expert's class index on the same items.
    public init(shadow: [Int], expert: [Int], classes: Int) {
        precondition(shadow.count == expert.count, "one expert label per shadow label")
        confusion = ConfusionMatrix(gold: expert, predicted: shadow, classes: classes)
        count = shadow.count
        right = confusion.correct
        interval = .wilson(successes: right, trials: count)
    }

    /// The point estimate; nil before any shadow label is compared.
    public var accuracy: Double? { count == 0 ? nil : Double(right) / Double(count) }

    /// P(LLM says j | expert says i), row i, column j, for the forward loss correction: each
    /// row's counts plus `prior` pseudo-counts spread as a symmetric annotator of the overall
    /// estimated accuracy would answer, so a class with few shadow labels leans on the overall
    /// figure instead of on two or three answers.
    public func transition(prior: Double = 5) -> [[Double]] {
        let c = confusion.classes
        let acc = (Double(right) + 1) / (Double(count) + 2)
        let off = c > 1 ? (1 - acc) / Double(c - 1) : 0
        return (0 ..< c).map { i in
            let row = confusion.counts[i].map(Double.init)
            let n = row.reduce(0, +)
            return (0 ..< c).map { j in (row[j] + prior * (i == j ? acc : off)) / (n + prior) }
        }
    }

    /// "LLM ≈ 66% right (54–76%, 12 shadow labels)", or what is missing.
    public var summary: String {
        guard let accuracy else { return "LLM accuracy: no shadow label yet" }
        let range = String(format: "%.0f–%.0f%%", interval.lower * 100, interval.upper * 100)
        return "LLM ≈ \(Int((accuracy * 100).rounded()))% right (\(range), \(count) shadow label\(count == 1 ? "" : "s"))"
    }
}
