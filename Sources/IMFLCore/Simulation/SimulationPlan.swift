import Foundation

/// What `imfl simulate` runs: which data, which arms, how many seeds, where results go.
public struct SimulationPlan: Sendable {
    public var poolPath: String
    public var testPath: String
    /// Pool items drawn per seed (the paper samples 3000); nil takes the whole pool.
    public var maxPool: Int?
    public var seeds: [Int]
    public var arms: [SimulationArm]
    /// The results folder: CSV, JSON, markdown, the plot, and the resumable state.
    public var output: String
    /// The phrase of the LLM instruction, "Classify <description>."
    public var description: String
    public var llm: LLMSettings
    /// Probability that the simulated expert gives a wrong label.
    public var expertNoise: Double
    /// Keep each run's session folder after the run (for inspection in `imfl label` or
    /// `imfl status`); by default only its results are kept.
    public var keepSessions: Bool
    /// Run nothing: write the reports from the runs that have finished.
    public var reportOnly: Bool
    /// The simulated expert's think time per label, in seconds (0: it answers at once).
    public var expertSeconds: Double

    public init(
        poolPath: String, testPath: String, maxPool: Int? = 3000, seeds: [Int] = [1, 2, 3], arms: [SimulationArm],
        output: String, description: String = "", llm: LLMSettings = LLMSettings(), expertNoise: Double = 0,
        keepSessions: Bool = false, reportOnly: Bool = false, expertSeconds: Double = 0
    ) {
        self.poolPath = poolPath
        self.testPath = testPath
        self.maxPool = maxPool
        self.seeds = seeds
        self.arms = arms
        self.output = output
        self.description = description
        self.llm = llm
        self.expertNoise = expertNoise
        self.keepSessions = keepSessions
        self.reportOnly = reportOnly
        self.expertSeconds = expertSeconds
    }

    /// Where the run of `arm` with `seed` keeps its state and result.
    public func runFolder(_ arm: SimulationArm, seed: Int) -> URL {
        URL(fileURLWithPath: output).appendingPathComponent("runs")
            .appendingPathComponent(arm.name).appendingPathComponent("seed-\(seed)")
    }
}

/// Where a simulation stands, for a progress line.
public enum SimulationProgress: Sendable {
    /// Embedding the dataset (first time only).
    case embedding(done: Int, total: Int)
    case run(RunProgress)
    /// A run finished now, or earlier (its result was read back).
    case runFinished(SimulationRunResult, earlier: Bool)
    /// A finished run of this arm and seed was made with other settings (`changes`, e.g.
    /// "shadow 0.0 → 0.25"): it is run again, and its result replaced.
    case replacingEarlier(arm: String, seed: Int, changes: [String])
    /// The LLM failed repeatedly; the run waits and tries again.
    case llmPaused(arm: String, seed: Int, reason: String, retryAt: Date)
}

/// The state of the run in progress.
public struct RunProgress: Sendable, Equatable {
    /// 1-based position of the run in the plan, and the number of runs.
    public var index: Int
    public var runs: Int
    public var arm: String
    public var seed: Int
    public var round: Int
    public var rounds: Int
    /// Labels given in this run so far, of its budget.
    public var labels: Int
    public var budget: Int
    /// LLM labels given in this run so far, of the run's LLM budget.
    public var llmLabels: Int
    public var llmBudget: Int
    /// Seconds left for the whole plan, from the LLM's speed so far (nil until measured).
    public var eta: Double?
}

/// A run that cannot go on.
public enum SimulationError: Error, CustomStringConvertible, Equatable {
    case llmUnavailable(arm: String, seed: Int, reason: String)
    case missingVector(key: String)
    case missingGold(itemID: Int64)
    case badConfusion(path: String, problem: String)

    public var description: String {
        switch self {
        case let .llmUnavailable(arm, seed, reason):
            "run \(arm) seed \(seed) stopped: the LLM keeps failing (\(reason)); results so far are kept, run the same command again to resume"
        case let .missingVector(key): "item \(key) has no vector in the dataset session"
        case let .missingGold(id): "item \(id) has no gold label"
        case let .badConfusion(path, problem): "\(path): \(problem)"
        }
    }
}
