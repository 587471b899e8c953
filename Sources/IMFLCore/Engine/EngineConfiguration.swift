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

/// How consecutive rounds overlap in time.
public enum Pipeline: String, Sendable, Codable, CaseIterable {
    /// As soon as the expert has labeled round r's expert items, round r+1 is selected and
    /// its expert items are shown, while the LLM still labels round r (and earlier rounds):
    /// the expert never waits for the LLM. Selection for round r+1 then ranks by a classifier
    /// trained on the expert labels of rounds ≤ r only, because round r's LLM labels are not
    /// all in yet; it uses the expert labels alone (not whichever LLM labels happen to have
    /// arrived) so that a session replays the same whatever the speed of the LLM. A round
    /// without expert items is selected after the previous round is trained, as in
    /// `sequential`.
    case overlapped
    /// The paper's order: round r+1 is selected after round r is labeled and trained; the
    /// expert waits while the LLM labels round r.
    case sequential
}

/// Settings of one session's loop.
public struct EngineConfiguration: Sendable {
    /// The label set, in display order; class i of the classifier is `labels[i]`.
    public var labels: [String]
    public var schedule: Schedule
    public var strategy: any QueryStrategy
    /// Builds an untrained classifier for (classes, dimension).
    public var makeClassifier: @Sendable (_ classes: Int, _ dimension: Int) -> any Classifier
    /// How an LLM prompt's examples (and the neighbours the expert sees) are retrieved.
    public var retrieval: ExampleRetrieval
    /// The order of the examples inside a prompt and of the LLM calls of a round.
    public var promptLayout: PromptLayout
    public var llmStart: LLMStart
    public var pipeline: Pipeline
    /// LLM calls in flight at most (the endpoint's concurrency).
    public var llmConcurrency: Int
    /// Consecutive LLM failures after which LLM labeling pauses; after `llmPause` one trial
    /// call is sent, and its success resumes labeling (`resumeLLM()` tries at once).
    public var maxConsecutiveLLMFailures: Int
    /// Wait after the first LLM failure; doubles with each further failure in a row.
    public var retryDelay: Duration
    /// First pause after repeated failures; doubles with each failed trial call, up to 8×.
    public var llmPause: Duration
    /// Texts per embedder call.
    public var embeddingBatch: Int
    /// Seeds selection (mixed with the round number).
    public var seed: UInt64
    /// Share of each round's expert batch the LLM also labels as shadow labels (0: none).
    public var shadowShare: Double
    /// How LLM labels train the classifier, given the shadow labels' estimate.
    public var llmLabelUse: LLMLabelUse
    /// Share of each expert batch from round 2 on that LLM labels in doubt may take (0: none).
    public var routeShare: Double
    /// Who is at this engine's keyboard: every expert event it appends (labels, accepts,
    /// overrides, skips, notes, undos) carries the name, so that on a shared session each
    /// label says which expert gave it. "expert" for a session folder's one expert.
    public var annotator = "expert"
    /// Share of each round's expert items a second expert labels too (`[team] overlap`).
    public var overlap = 0.0
    /// Experts who may settle the items experts labeled differently (`[team] adjudicators`).
    public var adjudicators: [String] = []
    /// Seconds a shared session's expert item stays claimed once its terminal stops renewing
    /// the claim (`[team] claim_lease`).
    public var claimLease = 60.0

    public init(
        labels: [String], schedule: Schedule, strategy: any QueryStrategy = EEQStrategy(),
        learner: SoftmaxRegression.Configuration = .init(), retrieval: ExampleRetrieval = .init(),
        promptLayout: PromptLayout = .similarity,
        llmStart: LLMStart = .afterExpert, pipeline: Pipeline = .overlapped, llmConcurrency: Int = 1,
        maxConsecutiveLLMFailures: Int = 3, retryDelay: Duration = .milliseconds(500),
        llmPause: Duration = .seconds(20), embeddingBatch: Int = 64, seed: UInt64 = 0,
        shadowShare: Double = 0, llmLabelUse: LLMLabelUse = .all, routeShare: Double = 0
    ) {
        self.routeShare = min(1, max(0, routeShare))
        self.shadowShare = min(1, max(0, shadowShare))
        self.llmLabelUse = llmLabelUse
        self.labels = labels
        self.schedule = schedule
        self.strategy = strategy
        self.makeClassifier = { SoftmaxRegression(classes: $0, dimension: $1, configuration: learner) }
        self.retrieval = retrieval
        self.promptLayout = promptLayout
        self.llmStart = llmStart
        self.pipeline = pipeline
        self.llmConcurrency = max(1, llmConcurrency)
        self.maxConsecutiveLLMFailures = maxConsecutiveLLMFailures
        self.retryDelay = retryDelay
        self.llmPause = llmPause
        self.embeddingBatch = embeddingBatch
        self.seed = seed
    }

    /// Retrieved expert-labeled examples per LLM prompt: none when prompts are zero-shot.
    public var fewShot: Int { retrieval.examplesPerPrompt }
}
