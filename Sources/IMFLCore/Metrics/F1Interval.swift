import Foundation
import IMFLNumerics

/// A percentile bootstrap confidence interval for macro-F1 (Efron & Tibshirani 1993): the
/// evaluated items are drawn with replacement as many times as there are, macro-F1 is
/// computed on each draw, and the interval is the middle `level` of those values.
///
/// Only the confusion matrix is needed, since a draw of (gold, predicted) pairs is a draw of
/// its cells. With a labeled test file the interval says how much the test set's size limits
/// the score; with an evaluation sample of 100 items it is the honest width of the estimate
/// (about 25 points on FPB-50agree, whose smallest class has 1 item in 8), which keeps the
/// expert from reading noise as progress.
public struct F1Interval: Sendable, Equatable, Hashable, Codable {
    public var lower: Double
    public var upper: Double
    /// The coverage aimed at, e.g. 0.95.
    public var level: Double

    public init(lower: Double, upper: Double, level: Double) {
        self.lower = lower
        self.upper = upper
        self.level = level
    }

    /// Resamples drawn by default: enough for the 2.5 % and 97.5 % percentiles to move by
    /// well under a point between seeds.
    public static let defaultResamples = 1000

    /// Whether two intervals share a value: the difference between their rounds is then
    /// within the noise of the evaluation.
    public func overlaps(_ other: F1Interval) -> Bool {
        lower <= other.upper && other.lower <= upper
    }

    /// "[61.2, 77.9]": both ends in percent.
    public var percentText: String {
        String(format: "[%.1f, %.1f]", lower * 100, upper * 100)
    }
}

extension ConfusionMatrix {
    /// The percentile bootstrap interval of `macroF1`; nil when there are no items.
    /// Deterministic for a given seed.
    public func macroF1Interval(level: Double = 0.95, resamples: Int = F1Interval.defaultResamples,
                                seed: UInt64 = 0) -> F1Interval? {
        let n = total
        guard n > 0, resamples > 0 else { return nil }
        // Every item as its cell, so a draw is n uniform picks among them.
        var cells = [(gold: Int, predicted: Int)]()
        cells.reserveCapacity(n)
        for g in 0 ..< classes { for p in 0 ..< classes { for _ in 0 ..< counts[g][p] { cells.append((g, p)) } } }
        var rng = SeededGenerator(seed: seed, stream: 16)
        var scores = [Double]()
        scores.reserveCapacity(resamples)
        var draw = ConfusionMatrix(gold: [], predicted: [], classes: classes)
        for _ in 0 ..< resamples {
            for g in 0 ..< classes { for p in 0 ..< classes { draw.counts[g][p] = 0 } }
            for _ in 0 ..< n {
                let cell = cells[rng.below(n)]
                draw.counts[cell.gold][cell.predicted] += 1
            }
            scores.append(draw.macroF1)
        }
        scores.sort()
        let tail = (1 - level) / 2
        func quantile(_ q: Double) -> Double {
            scores[min(resamples - 1, max(0, Int((q * Double(resamples - 1)).rounded())))]
        }
        return F1Interval(lower: quantile(tail), upper: quantile(1 - tail), level: level)
    }
}
