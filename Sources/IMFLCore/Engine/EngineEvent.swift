import Foundation

/// What the engine tells its observers (the UI, the simulation runner, logs).
public enum EngineEvent: Sendable, Equatable {
    /// Embedding missing vectors: `done` of `total`.
    case embedding(done: Int, total: Int)
    /// Selecting the items of a round (k-means and ranking run in the background).
    case selecting(round: Int)
    /// A round's queues are filled.
    case roundStarted(round: Int, expert: Int, llm: Int)
    /// Unlabeled items left in the current round's queues.
    case queues(QueueSizes)
    /// A label was committed.
    case labeled(itemID: Int64, label: String, source: LabelSource)
    /// The expert took a label back.
    case undone(itemID: Int64)
    /// LLM calls in flight for round `round` changed to `inFlight`.
    case llmCalls(round: Int, inFlight: Int)
    /// An LLM call failed; the item stays queued and is retried.
    case llmError(itemID: Int64, message: String)
    /// Repeated LLM failures: LLM labeling pauses; at `retryAt` one trial call is sent (and
    /// `resumeLLM()` sends it at once).
    case llmPaused(reason: String, retryAt: Date)
    /// A trial call after a pause is under way.
    case llmRetrying
    /// LLM labeling goes on after a pause.
    case llmResumed
    /// All labels of a round are in; the classifier is training.
    case training(round: Int)
    /// A round is trained and evaluated.
    case roundFinished(RoundMetrics)
    /// The last round is done.
    case finished
    /// In a shared session: this engine now leads the rounds, or follows another's.
    case role(EngineRole)
}

/// Unlabeled items left in a round's two queues.
public struct QueueSizes: Sendable, Equatable, Hashable {
    public var round: Int
    public var expert: Int
    public var llm: Int
}

/// One item waiting for the expert, with the neighbours the UI shows beside it.
public struct ExpertTask: Sendable, Equatable {
    public var itemID: Int64
    public var text: String
    public var round: Int
    public var rank: Int
    /// The most similar expert-labeled items, most similar first: what an LLM prompt for this
    /// item would retrieve.
    public var neighbours: [LabeledExample]
    /// Why the expert is asked: to teach the classifier, or to measure it.
    public var purpose: Purpose
    /// The expert's note on the item, if any.
    public var note: String?
    /// The item's id in the imported file.
    public var key: String?

    /// What an expert label is for.
    public enum Purpose: String, Sendable, Equatable {
        /// An item the round's query picked: its label trains the classifier and becomes an
        /// example for the LLM.
        case query
        /// An item of the evaluation sample: its label only measures F1 (rank -1).
        case evaluation
    }

    public init(itemID: Int64, text: String, round: Int, rank: Int, neighbours: [LabeledExample], purpose: Purpose = .query,
                note: String? = nil, key: String? = nil) {
        self.note = note
        self.key = key
        self.itemID = itemID
        self.text = text
        self.round = round
        self.rank = rank
        self.neighbours = neighbours
        self.purpose = purpose
    }
}

/// An expert-labeled item retrieved as a few-shot example for another item: what an LLM
/// prompt carries, and what the UI shows beside the item (Label) or beside an LLM label as
/// what its prompt carried (Review).
public struct LabeledExample: Sendable, Equatable, Codable {
    public var itemID: Int64
    public var text: String
    /// The example's label, and its source, as the prompt carried them.
    public var label: String
    public var source: LabelSource
    /// Cosine similarity to the item, in [-1, 1].
    public var similarity: Double

    public init(itemID: Int64, text: String, label: String, source: LabelSource, similarity: Double) {
        self.itemID = itemID
        self.text = text
        self.label = label
        self.source = source
        self.similarity = similarity
    }
}

/// A request the engine refuses; the message says why.
public enum EngineError: Error, Equatable, CustomStringConvertible {
    case unknownLabel(String)
    case notInExpertQueue(itemID: Int64)
    case alreadyLabeled(itemID: Int64)
    case noLLMLabel(itemID: Int64)
    case nothingToUndo
    /// The item is labeled by another expert and waits only for a second label: it cannot be set aside.
    case labeledByAnotherExpert(itemID: Int64, annotator: String)
    /// Only the session's adjudicators settle disagreements.
    case notAnAdjudicator(name: String, adjudicators: [String])
    /// The experts do not disagree on the item.
    case notDisputed(itemID: Int64)
    case unknownItem(itemID: Int64)
    case missingVector(itemID: Int64)
    case alreadyRunning
    case embedderDimension(expected: Int, got: Int)

    public var description: String {
        switch self {
        case let .unknownLabel(l): "“\(l)” is not in the session's label set"
        case let .notInExpertQueue(id): "item \(id) is not waiting for the expert in this round"
        case let .alreadyLabeled(id): "item \(id) is already labeled; undo first"
        case let .noLLMLabel(id): "item \(id) has no LLM label to override"
        case .nothingToUndo: "nothing to undo"
        case let .labeledByAnotherExpert(id, name): "item \(id) is labeled by \(name) and waits only for a second expert's label; label it or skip it"
        case let .notAnAdjudicator(name, list):
            list.isEmpty
                ? "this session has no adjudicator: name one in session.toml, [team] adjudicators = [\"\(name)\"]"
                : "\(name) is not an adjudicator of this session (adjudicators: \(list.joined(separator: ", ")))"
        case let .notDisputed(id): "the experts do not disagree on item \(id)"
        case let .unknownItem(id): "item \(id) is not in this session"
        case let .missingVector(id): "item \(id) has no stored vector"
        case .alreadyRunning: "the engine is already running"
        case let .embedderDimension(expected, got): "embedder returned \(got)-dimensional vectors, expected \(expected)"
        }
    }
}
