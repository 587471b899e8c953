import Foundation

/// One round of one run: what the classifier scored after training on the labels so far, and
/// what the labels cost.
public struct SimulationRound: Sendable, Hashable, Codable {
    public var arm: String
    public var seed: Int
    public var round: Int
    /// Labels the classifier was trained on, by fidelity.
    public var humanLabels: Int
    public var llmLabels: Int
    public var labels: Int { humanLabels + llmLabels }
    /// On the test split.
    public var macroF1: Double
    public var accuracy: Double
    /// Share of the LLM labels given so far that match the gold label (nil before any).
    public var llmAccuracy: Double?
    /// Share of the simulated expert's labels so far that match gold (below 1 with noise).
    public var expertAccuracy: Double?
    /// LLM calls for this round's items, answers taken from the cache, and tokens read and written.
    public var llmCalls: Int
    public var cacheHits: Int
    public var promptTokens: Int
    public var completionTokens: Int
    /// Wall time of the round (selection, labeling, training); for a resumed round, only the
    /// part after the restart.
    public var seconds: Double
    /// The 95 % bootstrap interval of `macroF1` over the test items (nil in results written
    /// before it was recorded).
    public var macroF1Interval: F1Interval? = nil
    /// Seconds the simulated expert had no item to label before one of this round's items
    /// came (waiting after the expert's last label of the session does not count); nil in
    /// results written before it was measured.
    public var expertIdleSeconds: Double? = nil
    /// Seconds with at least one LLM call for this round's items in flight.
    public var llmWallSeconds: Double? = nil
    /// The live estimate of the LLM's accuracy from the shadow labels of rounds ≤ this one,
    /// and its Wilson 95 % interval (nil without shadow labels).
    public var llmEstimate: Double? = nil
    public var llmEstimateInterval: ProportionInterval? = nil
    /// Shadow labels the estimate counts.
    public var shadowLabels: Int? = nil
    /// LLM labels in force that could train this round (`llmLabels` counts those that did).
    public var llmLabelsGiven: Int? = nil

    /// Whether the estimate's interval holds the true accuracy of the LLM labels given so far.
    public var estimateCovers: Bool? {
        guard let interval = llmEstimateInterval, let truth = llmAccuracy else { return nil }
        return interval.contains(truth)
    }

    /// Column names of the CSV file, in order.
    public static let csvHeader = [
        "arm", "seed", "round", "human_labels", "llm_labels", "labels", "macro_f1", "accuracy",
        "llm_accuracy", "expert_accuracy", "llm_calls", "cache_hits", "prompt_tokens", "completion_tokens", "seconds",
        "macro_f1_low", "macro_f1_high", "expert_idle_s", "llm_wall_s",
        "llm_estimate", "llm_estimate_low", "llm_estimate_high", "shadow_labels", "estimate_covers", "llm_labels_given",
    ]

    public var csvFields: [String] {
        func f(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "" }
        return [
            arm, "\(seed)", "\(round)", "\(humanLabels)", "\(llmLabels)", "\(labels)", f(macroF1), f(accuracy),
            f(llmAccuracy), f(expertAccuracy), "\(llmCalls)", "\(cacheHits)", "\(promptTokens)",
            "\(completionTokens)", String(format: "%.1f", seconds), f(macroF1Interval?.lower), f(macroF1Interval?.upper),
            expertIdleSeconds.map { String(format: "%.1f", $0) } ?? "", llmWallSeconds.map { String(format: "%.1f", $0) } ?? "",
            f(llmEstimate), f(llmEstimateInterval?.lower), f(llmEstimateInterval?.upper), shadowLabels.map(String.init) ?? "",
            estimateCovers.map { $0 ? "1" : "0" } ?? "", llmLabelsGiven.map(String.init) ?? "",
        ]
    }
}

/// Everything a finished run of one arm with one seed produced.
public struct SimulationRunResult: Sendable, Hashable, Codable {
    public var arm: SimulationArm
    public var seed: Int
    public var poolSize: Int
    public var testSize: Int
    public var rounds: [SimulationRound]
    /// Wall time of the whole run (over every sitting, when resumed). Rounds overlap with the
    /// overlapped pipeline, so their seconds do not add up to it; nil in results written
    /// before it was measured.
    public var wallSeconds: Double? = nil

    public var final: SimulationRound? { rounds.last }

    /// The run's wall time: measured, or for a sequential run written before that, the sum of
    /// its rounds (which then follow one another); nil when neither is known.
    public var seconds: Double? {
        wallSeconds ?? (arm.pipeline == .sequential || arm.humanShare <= 0 || arm.humanShare >= 1
            ? rounds.map(\.seconds).reduce(0, +) : nil)
    }
}

/// Mean and sample standard deviation of a few numbers (the seeds of an arm); both 0 when
/// there are none (`count` says so).
public struct MeanStd: Sendable, Hashable, Codable {
    public var mean: Double
    public var std: Double
    public var count: Int

    public init(_ values: [Double]) {
        count = values.count
        mean = values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
        let m = mean
        std = values.count < 2 ? 0 : (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
    }

    /// "47.9 ± 1.2" in percent.
    public var percent: String {
        count == 0 ? "–" : count == 1 ? String(format: "%.1f", mean * 100) : String(format: "%.1f ± %.1f", mean * 100, std * 100)
    }
}

/// The final-round figures of one arm over its seeds.
public struct ArmSummary: Sendable, Hashable, Codable {
    public var arm: SimulationArm
    public var seeds: [Int]
    public var macroF1: MeanStd
    public var accuracy: MeanStd
    public var llmAccuracy: MeanStd
    public var humanLabels: Int
    public var llmLabels: Int
    /// LLM calls, prompt tokens and wall time, summed over the arm's runs (the time is nil
    /// when a run's is unknown).
    public var llmCalls: Int
    public var promptTokens: Int
    public var seconds: Double?
    /// Expert idle time summed over the arm's runs (nil when no run measured it).
    public var expertIdleSeconds: Double?
    /// Mean macro-F1 after each round, over the seeds that reached it: the arm's curve.
    public var curve: [CurvePoint]
    /// Final-round live estimate of the LLM's accuracy, over seeds.
    public var llmEstimate: MeanStd
    /// Rounds (of every run) whose estimate interval holds the true LLM-label accuracy, and
    /// rounds with both figures.
    public var estimateCovered: Int
    public var estimateRounds: Int
    /// LLM labels the final rounds trained on and could have, summed over seeds.
    public var llmLabelsUsed: Int
    public var llmLabelsGiven: Int

    /// Mean labels and mean macro-F1 after one round.
    public struct CurvePoint: Sendable, Hashable, Codable {
        public var labels: Double
        public var macroF1: Double
    }

    /// Summarises the runs of one arm (all with the same arm).
    public init?(_ runs: [SimulationRunResult]) {
        guard let first = runs.first else { return nil }
        let finals = runs.compactMap(\.final)
        arm = first.arm
        seeds = runs.map(\.seed)
        macroF1 = MeanStd(finals.map(\.macroF1))
        accuracy = MeanStd(finals.map(\.accuracy))
        llmAccuracy = MeanStd(finals.compactMap(\.llmAccuracy))
        humanLabels = finals.map(\.humanLabels).max() ?? 0
        llmLabels = finals.map(\.llmLabels).max() ?? 0
        llmCalls = runs.flatMap(\.rounds).map(\.llmCalls).reduce(0, +)
        promptTokens = runs.flatMap(\.rounds).map(\.promptTokens).reduce(0, +)
        let times = runs.compactMap(\.seconds)
        seconds = times.count == runs.count ? times.reduce(0, +) : nil
        let idle = runs.flatMap(\.rounds).compactMap(\.expertIdleSeconds)
        expertIdleSeconds = idle.isEmpty ? nil : idle.reduce(0, +)
        llmEstimate = MeanStd(finals.compactMap(\.llmEstimate))
        let covers = runs.flatMap(\.rounds).compactMap(\.estimateCovers)
        estimateCovered = covers.count { $0 }
        estimateRounds = covers.count
        llmLabelsUsed = finals.map(\.llmLabels).reduce(0, +)
        llmLabelsGiven = finals.map { $0.llmLabelsGiven ?? $0.llmLabels }.reduce(0, +)
        let depth = runs.map(\.rounds.count).max() ?? 0
        curve = (0 ..< depth).map { i in
            let at = runs.compactMap { $0.rounds.indices.contains(i) ? $0.rounds[i] : nil }
            return CurvePoint(labels: MeanStd(at.map { Double($0.labels) }).mean,
                              macroF1: MeanStd(at.map(\.macroF1)).mean)
        }
    }
}
