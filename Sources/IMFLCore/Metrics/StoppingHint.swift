import Foundation

/// Whether more labels still pay, judged from macro-F1 over the last rounds and its bootstrap
/// interval: the gain over the last `window` rounds is set against the noise of the
/// evaluation. It follows the confidence-based stopping rules of active learning (Vlachos
/// 2008; Bloodgood & Vijay-Shanker 2009 stop when a measure stops changing), with the
/// interval as the yardstick for "stops changing", so that a session scored on 100 items
/// does not read a 2-point wobble as progress.
public struct StoppingHint: Sendable, Equatable {
    public enum Verdict: String, Sendable, Equatable {
        /// Fewer than two rounds: nothing to compare.
        case tooEarly
        /// F1 rose beyond the noise: the intervals of the two rounds do not overlap.
        case improving
        /// F1 moved by less than `minimumGain` and within the noise.
        case plateau
        /// F1 rose by at least `minimumGain` but within the noise: the next round will tell.
        case unclear
        /// F1 fell beyond the noise: the latest labels (often the LLM's) deserve a look.
        case declining
    }

    public var verdict: Verdict
    /// Macro-F1 of the last round minus that of the round `window` rounds before (or of the
    /// first round when there are fewer); nil before the second round.
    public var gain: Double?
    /// How many rounds `gain` spans.
    public var span: Int

    /// A gain smaller than this (one F1 point) counts as no gain.
    public static let minimumGain = 0.01

    /// - Parameters:
    ///   - f1: macro-F1 of each finished round, in order.
    ///   - intervals: their intervals (nil where unknown: then only the gain decides).
    ///   - window: how many rounds back the last round is compared with.
    public init(f1: [Double], intervals: [F1Interval?], window: Int = 2) {
        guard f1.count >= 2 else { verdict = .tooEarly; gain = nil; span = 0; return }
        let last = f1.count - 1, base = max(0, last - max(1, window))
        span = last - base
        let gain = f1[last] - f1[base]
        self.gain = gain
        let overlapping: Bool
        if last < intervals.count, let now = intervals[last], let then = intervals[base] {
            overlapping = now.overlaps(then)
        } else {
            overlapping = gain < Self.minimumGain
        }
        verdict = !overlapping ? (gain > 0 ? .improving : .declining)
            : gain < Self.minimumGain ? .plateau : .unclear
    }

    /// One line for the dashboard, verdict first so that a narrow screen keeps it, e.g.
    /// "stop? F1 +0.4 in 2 rounds, within the noise".
    public var message: String {
        guard let gain else { return "too early to judge: one round so far" }
        let change = String(format: "F1 %+.1f in %d round%@", gain * 100, span, span == 1 ? "" : "s")
        switch verdict {
        case .tooEarly: return "too early to judge: one round so far"
        case .improving: return "labels still pay: \(change), beyond the noise"
        case .plateau: return "stop? \(change), within the noise"
        case .unclear: return "unclear: \(change), within the noise"
        case .declining: return "check the labels: \(change), beyond the noise"
        }
    }
}
