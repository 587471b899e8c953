import IMFLNumerics

/// Which part of a session an item belongs to: the pool the loop labels, or the held-out
/// test set the classifier is scored on after every round.
public enum Split: String, Sendable, Codable, CaseIterable, Hashable {
    case pool
    case test
}

/// A text to label, as the engine sees it.
public struct EngineItem: Sendable, Equatable, Hashable {
    /// The item's row id; unique across both splits.
    public var id: Int64
    public var text: String
    /// The known label (always for the test split; for pool items only in simulations).
    public var gold: String?
    public var split: Split
    /// The item's id in the imported file, which the expert knows it by.
    public var key: String?
    public init(id: Int64, text: String, gold: String?, split: Split, key: String? = nil) {
        self.id = id
        self.text = text
        self.gold = gold
        self.split = split
        self.key = key
    }
}

/// One selected item of a round: where it was sent and its place in the ranking.
public struct QueueEntry: Sendable, Equatable, Hashable, Codable {
    public var round: Int
    public var itemID: Int64
    /// `.human` for the expert queue, `.llm` for the LLM queue.
    public var fidelity: Fidelity
    /// 0-based position in the round's ranking (expert entries come first).
    public var rank: Int
    public init(round: Int, itemID: Int64, fidelity: Fidelity, rank: Int) {
        self.round = round
        self.itemID = itemID
        self.fidelity = fidelity
        self.rank = rank
    }
}

/// Where a round is in its life.
public enum RoundStatus: String, Sendable, Codable, CaseIterable, Hashable {
    /// Queues are filled; the expert and the LLM are labeling.
    case labeling
    /// All labels are in; the classifier is being trained on the log up to `trainedThrough`.
    case training
    /// Trained and evaluated; its metrics are stored.
    case finished
}

/// A round of the session.
public struct RoundRecord: Sendable, Equatable, Hashable, Codable {
    /// 1-based round number.
    public var round: Int
    public var status: RoundStatus
    /// Items actually queued for the expert and for the LLM (≤ the schedule when the pool ran short).
    public var human: Int
    public var llm: Int
    /// The last annotation id the round's classifier was trained on (set on entering `training`).
    public var trainedThrough: Int64?
    public init(round: Int, status: RoundStatus, human: Int, llm: Int, trainedThrough: Int64? = nil) {
        self.round = round
        self.status = status
        self.human = human
        self.llm = llm
        self.trainedThrough = trainedThrough
    }
}

/// What was measured at the end of a round.
public struct RoundMetrics: Sendable, Equatable, Hashable, Codable {
    public var round: Int
    /// The classifier on the test split.
    public var evaluation: Evaluation
    /// The LLM's labels where the expert judged them one by one (accepted or overrode).
    public var llmAgreement: LLMAgreement
    /// Labels the classifier was trained on, by fidelity.
    public var humanLabels: Int
    public var llmLabels: Int
    /// The LLM's accuracy estimated from the shadow labels of rounds ≤ this one (nil without
    /// shadow labels, and in metrics stored before they existed).
    public var llmEstimate: LLMAccuracyEstimate?
    /// How many LLM labels the classifier used, and why (`[learner] llm_labels`); nil when
    /// there were none.
    public var llmLabelUse: LLMLabelReport?
    public init(round: Int, evaluation: Evaluation, llmAgreement: LLMAgreement, humanLabels: Int, llmLabels: Int,
                llmEstimate: LLMAccuracyEstimate? = nil, llmLabelUse: LLMLabelReport? = nil) {
        self.round = round
        self.evaluation = evaluation
        self.llmAgreement = llmAgreement
        self.humanLabels = humanLabels
        self.llmLabels = llmLabels
        self.llmEstimate = llmEstimate
        self.llmLabelUse = llmLabelUse
    }
}

/// Everything the round engine reads and writes. The session database implements it (SQLite
/// through GRDB, or PostgreSQL for a shared session); tests also use `InMemoryEngineStore`
/// (IMFLTestSupport). Every write must be durable when the call returns (a label is committed
/// before the next item is shown), and each method is one transaction.
///
/// The methods are `async` because a server store answers over the network: a PostgreSQL
/// client must not block one of the few cooperative threads while it waits, or the engine's
/// own work (training, k-means) starves on a small machine. The SQLite store may answer
/// synchronously (a synchronous method satisfies an `async` requirement).
public protocol EngineStore: Sendable {
    /// The items of one split, ordered by id.
    func items(in split: Split) async throws -> [EngineItem]

    /// Ids of the items that have a stored vector for `modelID`.
    func itemIDsWithVectors(modelID: String) async throws -> Set<Int64>
    /// The stored vectors of `ids` for `modelID`, one row per id in the order given.
    /// - Throws: when one of them has no vector.
    func vectors(for ids: [Int64], modelID: String) async throws -> Matrix
    /// Stores one vector per id (row i belongs to `ids[i]`), replacing any for the same model.
    func saveVectors(_ vectors: Matrix, for ids: [Int64], modelID: String) async throws

    /// Appends events to the annotation log in one transaction (one expert action, or one
    /// answer) and returns them with their log positions.
    func append(contentsOf events: [Annotation]) async throws -> [Annotation]
    /// The whole annotation log in append order, every kind of event.
    func annotationLog() async throws -> [Annotation]
    /// The events appended after log position `id`, in append order: how an engine catches
    /// up with what other processes appended to a shared session.
    func annotations(after id: Int64) async throws -> [Annotation]
    /// Totals over the LLM calls made for the session (tokens, cost, failures).
    func llmCallTotals() async throws -> LLMCallTotals

    /// Starts a round: stores its record (status `.labeling`) and its queue together, so a
    /// crash leaves either both or neither.
    func beginRound(_ round: RoundRecord, queue: [QueueEntry]) async throws
    /// Replaces the record of an existing round (status changes, `trainedThrough`).
    func updateRound(_ round: RoundRecord) async throws
    /// Stores the round's metrics and its record (status `.finished`) together.
    func finishRound(_ round: RoundRecord, metrics: RoundMetrics) async throws
    /// All rounds, by round number.
    func rounds() async throws -> [RoundRecord]
    /// The queue of one round, by rank.
    func queue(round: Int) async throws -> [QueueEntry]
    /// The metrics of every finished round, by round number.
    func metrics() async throws -> [RoundMetrics]
}

extension EngineStore {
    /// Reads the whole log and keeps its tail: right for a store only one process writes.
    public func annotations(after id: Int64) async throws -> [Annotation] {
        try await annotationLog().filter { ($0.id ?? 0) > id }
    }
}
