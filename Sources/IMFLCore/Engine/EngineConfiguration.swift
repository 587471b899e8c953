import IMFLNumerics

/// When the LLM starts on a round's queue.
public enum LLMStart: String, Sendable, Codable, CaseIterable {
    /// After the expert has labeled the round's expert queue, as in the paper: the round's
    /// fresh expert labels are then available as few-shot examples, and the LLM's input does
    /// not depend on how fast the expert works (so a session replays exactly).
    case afterExpert = "after-expert"
    /// At once, in parallel with the expert; prompts retrieve whatever expert labels exist at
    /// the moment of the call. Finishes rounds sooner when the LLM is slow.
    case concurrent
}

/// Settings of one session's loop.
public struct EngineConfiguration: Sendable {
    /// The label set, in display order; class i of the classifier is `labels[i]`.
    public var labels: [String]
    public var schedule: Schedule
    public var strategy: any QueryStrategy
    /// Builds an untrained classifier for (classes, dimension).
    public var makeClassifier: @Sendable (_ classes: Int, _ dimension: Int) -> any Classifier
    /// Retrieved expert-labeled examples per LLM prompt.
    public var fewShot: Int
    public var llmStart: LLMStart
    /// Consecutive LLM failures after which LLM labeling pauses until `resumeLLM()`.
    public var maxConsecutiveLLMFailures: Int
    /// Wait after the first LLM failure; doubles with each further failure in a row.
    public var retryDelay: Duration
    /// Texts per embedder call.
    public var embeddingBatch: Int
    /// Seeds selection (mixed with the round number).
    public var seed: UInt64

    public init(
        labels: [String], schedule: Schedule, strategy: any QueryStrategy = EEQStrategy(),
        learner: SoftmaxRegression.Configuration = .init(), fewShot: Int = 5,
        llmStart: LLMStart = .afterExpert, maxConsecutiveLLMFailures: Int = 3,
        retryDelay: Duration = .milliseconds(500), embeddingBatch: Int = 64, seed: UInt64 = 0
    ) {
        self.labels = labels
        self.schedule = schedule
        self.strategy = strategy
        self.makeClassifier = { SoftmaxRegression(classes: $0, dimension: $1, configuration: learner) }
        self.fewShot = fewShot
        self.llmStart = llmStart
        self.maxConsecutiveLLMFailures = maxConsecutiveLLMFailures
        self.retryDelay = retryDelay
        self.embeddingBatch = embeddingBatch
        self.seed = seed
    }
}
