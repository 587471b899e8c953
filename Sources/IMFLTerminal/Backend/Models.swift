import IMFLCore

/// What the label screen needs to know about the session once, at start.
public struct SessionInfo: Sendable, Equatable, Codable {
    public var name: String
    /// The label set, in the order the label bar shows it.
    public var labels: [String]
    /// The session's guideline text, shown by the `g` overlay.
    public var guidelines: String
    /// Rounds in the schedule.
    public var rounds: Int
    /// Expert labels in force in the session when it opened (every sitting, every round).
    public var expertLabels: Int

    public init(name: String, labels: [String], guidelines: String, rounds: Int, expertLabels: Int = 0) {
        self.name = name
        self.labels = labels
        self.guidelines = guidelines
        self.rounds = rounds
        self.expertLabels = expertLabels
    }
}

/// The current classifier's guess for an item.
public struct Prediction: Sendable, Equatable, Codable {
    public var label: String
    /// max_c p(c|x) of the current classifier.
    public var confidence: Double

    public init(label: String, confidence: Double) {
        self.label = label
        self.confidence = confidence
    }
}

/// An item in the expert queue, with what the expert needs to label it.
public struct ExpertItem: Sendable, Equatable, Codable {
    public var itemID: Int64
    public var text: String
    /// The round that queued it.
    public var round: Int
    /// Nil before the first classifier exists (round 1).
    public var prediction: Prediction?
    public var neighbours: [LabeledExample]
    public var note: String?
    /// Items still waiting for the expert in this round, this one included.
    public var remainingInRound: Int
    /// An item of the evaluation sample: its label measures F1 and never trains the model, so
    /// the model's prediction is not shown (the label must not lean on what it measures).
    public var isEvaluation: Bool
    /// The item's id in the imported file (the expert's own name for it); nil shows `itemID`.
    public var datasetID: String?
    /// How much of `text` the LLM sees when the item is a retrieved example in other items'
    /// prompts (cut at `llm.max_example_tokens`, by `PromptBuilder.exampleVisibleCharacters`),
    /// in characters; nil when it sees all of it. The label screen marks the place.
    public var llmVisibleCharacters: Int?

    public init(itemID: Int64, text: String, round: Int, prediction: Prediction?, neighbours: [LabeledExample],
                note: String? = nil, remainingInRound: Int, isEvaluation: Bool = false,
                datasetID: String? = nil, llmVisibleCharacters: Int? = nil) {
        self.itemID = itemID
        self.text = text
        self.round = round
        self.prediction = isEvaluation ? nil : prediction
        self.neighbours = neighbours
        self.note = note
        self.remainingInRound = remainingInRound
        self.isEvaluation = isEvaluation
        self.datasetID = datasetID
        self.llmVisibleCharacters = llmVisibleCharacters
    }

    /// The id the screens show: the dataset's own when known.
    public var displayID: String { datasetID ?? String(itemID) }
}

/// The stored result of a label submission: the backend has written it durably.
public struct LabelCommit: Sendable, Equatable, Codable {
    public var itemID: Int64
    public var label: String
    public var round: Int
    /// Expert labels in the session after this one.
    public var expertLabelCount: Int

    public init(itemID: Int64, label: String, round: Int, expertLabelCount: Int) {
        self.itemID = itemID
        self.label = label
        self.round = round
        self.expertLabelCount = expertLabelCount
    }
}

/// What an undo on the Label screen took back: the item returns to the front of the expert queue.
public struct UndoResult: Sendable, Equatable, Codable {
    public var item: ExpertItem
    /// The label that was withdrawn.
    public var withdrawnLabel: String
    /// The round the withdrawn label belonged to (undo goes back across rounds).
    public var round: Int
    /// The round was already trained: the change counts from the next retrain on.
    public var afterTraining: Bool
    /// What was taken back was setting the item aside, not a label.
    public var ignored: Bool
    /// The session's first-hand expert labels after the undo (every expert's, on a shared
    /// session); nil when the backend does not say, and the screen counts one down.
    public var expertLabelCount: Int?

    public init(item: ExpertItem, withdrawnLabel: String, round: Int, afterTraining: Bool = false, ignored: Bool = false,
                expertLabelCount: Int? = nil) {
        self.expertLabelCount = expertLabelCount
        self.item = item
        self.withdrawnLabel = withdrawnLabel
        self.round = round
        self.afterTraining = afterTraining
        self.ignored = ignored
    }
}

/// What an undo on the Review screen took back: one accept or override, or a whole bulk accept.
/// An item experts labeled differently, as the adjudicator sees it.
public struct DisputeItem: Sendable, Equatable, Codable {
    public var itemID: Int64
    /// The item's id in the imported file, else its row id.
    public var displayID: String
    public var text: String
    /// Each expert's label, by name.
    public var labels: [String: String]

    public init(itemID: Int64, displayID: String, text: String, labels: [String: String]) {
        self.itemID = itemID
        self.displayID = displayID
        self.text = text
        self.labels = labels
    }
}

/// The disagreements between the session's experts, and whether this expert may settle them.
public struct DisputeList: Sendable, Equatable, Codable {
    public var items: [DisputeItem]
    /// Why this expert cannot settle them; nil for an adjudicator.
    public var cannotSettle: String?

    public init(items: [DisputeItem], cannotSettle: String?) {
        self.items = items
        self.cannotSettle = cannotSettle
    }
}

public struct ReviewUndoResult: Sendable, Equatable, Codable {
    /// What kind of judgement was taken back.
    public enum Kind: String, Sendable, Codable {
        case accept, override, bulkAccept
        /// An adjudicator's decision on an item experts labeled differently.
        case adjudication
    }
    public var kind: Kind
    /// The items whose LLM label is unreviewed again.
    public var itemIDs: [Int64]
    /// Their ids as the screens show them (the dataset's own).
    public var displayIDs: [String]

    public init(kind: Kind, itemIDs: [Int64], displayIDs: [String]? = nil) {
        self.kind = kind
        self.itemIDs = itemIDs
        self.displayIDs = displayIDs ?? itemIDs.map(String.init)
    }
}

/// What a bulk accept did, or would do at its threshold.
public struct BulkAcceptResult: Sendable, Equatable, Codable {
    public var minConfidence: Double
    /// Labels accepted (or, for a preview, that would be).
    public var accepted: Int
    /// Unreviewed LLM labels before the accept.
    public var unreviewed: Int
    /// Unreviewed LLM labels without a confidence, which no threshold accepts.
    public var withoutConfidence: Int

    public init(minConfidence: Double, accepted: Int, unreviewed: Int, withoutConfidence: Int) {
        self.minConfidence = minConfidence
        self.accepted = accepted
        self.unreviewed = unreviewed
        self.withoutConfidence = withoutConfidence
    }
}

/// Orders of the review screen: the engine's review orders.
public typealias ReviewSort = ReviewOrder

extension ReviewOrder {
    public var title: String {
        switch self {
        case .lowestConfidence: "lowest confidence"
        case .disagreement: "disagreement with model"
        case .cluster: "cluster"
        }
    }

    public var next: ReviewOrder {
        let all = Self.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }
}

/// Where an LLM label stands after review.
public enum ReviewStatus: Sendable, Equatable, Codable {
    case unreviewed
    case accepted
    /// The expert replaced the LLM label; logged with source `override`.
    case overridden(String)
}

/// One LLM label offered for review.
public struct ReviewItem: Sendable, Equatable, Codable {
    public var itemID: Int64
    public var text: String
    public var round: Int
    public var llmLabel: String
    /// The LLM's probability of its label; nil when the endpoint gave no log-probabilities.
    public var llmConfidence: Double?
    public var prediction: Prediction?
    public var cluster: Int
    public var status: ReviewStatus
    /// The expert examples the LLM prompt carried, with the labels they had then.
    public var neighbours: [LabeledExample]
    /// `neighbours` are what the prompt carried, as stored with the label; false when the label
    /// predates that record and they are the item's most similar expert labels now.
    public var neighboursAsSeen: Bool
    /// Accepted by a bulk accept, not judged one by one.
    public var bulkAccepted: Bool
    public var note: String?
    /// The item's id in the imported file; nil shows `itemID`.
    public var datasetID: String?
    /// How much of `text` the LLM's prompt carried (cut at `llm.max_item_tokens`, by
    /// `PromptBuilder.itemVisibleCharacters`), in characters; nil when it carried all of it.
    /// The review screen marks the place: the LLM's label rests on the text before it.
    public var llmVisibleCharacters: Int?

    public init(itemID: Int64, text: String, round: Int, llmLabel: String, llmConfidence: Double?,
                prediction: Prediction?, cluster: Int, status: ReviewStatus, neighbours: [LabeledExample],
                neighboursAsSeen: Bool = true, bulkAccepted: Bool = false, note: String? = nil,
                datasetID: String? = nil, llmVisibleCharacters: Int? = nil) {
        self.neighboursAsSeen = neighboursAsSeen
        self.bulkAccepted = bulkAccepted
        self.note = note
        self.itemID = itemID
        self.text = text
        self.round = round
        self.llmLabel = llmLabel
        self.llmConfidence = llmConfidence
        self.prediction = prediction
        self.cluster = cluster
        self.status = status
        self.neighbours = neighbours
        self.datasetID = datasetID
        self.llmVisibleCharacters = llmVisibleCharacters
    }

    /// The id the screens show: the dataset's own when known.
    public var displayID: String { datasetID ?? String(itemID) }

    /// The label the item trains with now.
    public var effectiveLabel: String {
        if case .overridden(let l) = status { return l }
        return llmLabel
    }
}

/// A window of the review list.
public struct ReviewPage: Sendable, Equatable {
    public var sort: ReviewSort
    public var offset: Int
    public var items: [ReviewItem]
    /// LLM labels in the whole list.
    public var total: Int
    /// The list holds only labels the expert has not judged yet.
    public var unreviewedOnly: Bool
    /// The list holds only that round's LLM labels; nil: every round's.
    public var round: Int?

    public init(sort: ReviewSort, offset: Int, items: [ReviewItem], total: Int, unreviewedOnly: Bool = false, round: Int? = nil) {
        self.unreviewedOnly = unreviewedOnly
        self.round = round
        self.sort = sort
        self.offset = offset
        self.items = items
        self.total = total
    }
}

/// Scores after one round's retraining, on the session's test set.
public struct RoundReport: Sendable, Equatable, Codable {
    public var round: Int
    public var macroF1: Double
    public var accuracy: Double
    /// F1 per label, in label-set order.
    public var perClassF1: [String: Double]
    /// The 95 % bootstrap interval of `macroF1`, when known.
    public var interval: F1Interval?
    /// Items macro-F1 was measured on (test items, or evaluation-sample items labeled so far).
    public var evaluated: Int?

    public init(round: Int, macroF1: Double, accuracy: Double, perClassF1: [String: Double],
                interval: F1Interval? = nil, evaluated: Int? = nil) {
        self.round = round
        self.macroF1 = macroF1
        self.accuracy = accuracy
        self.perClassF1 = perClassF1
        self.interval = interval
        self.evaluated = evaluated
    }
}

/// One round of the schedule: planned batch sizes and what was used so far.
public struct ScheduleEntry: Sendable, Equatable, Codable {
    public var round: Int
    public var expertPlanned: Int
    public var expertUsed: Int
    public var llmPlanned: Int
    public var llmUsed: Int

    public init(round: Int, expertPlanned: Int, expertUsed: Int, llmPlanned: Int, llmUsed: Int) {
        self.round = round
        self.expertPlanned = expertPlanned
        self.expertUsed = expertUsed
        self.llmPlanned = llmPlanned
        self.llmUsed = llmUsed
    }
}

/// Background work the dashboard shows a progress bar for.
public enum BackgroundTask: String, Sendable, CaseIterable, Codable {
    case embedding
    case llmQueue = "llm-queue"
    case retraining

    public var title: String {
        switch self {
        case .embedding: "Embedding"
        case .llmQueue: "LLM queue"
        case .retraining: "Retraining"
        }
    }
}

/// Progress of one background task.
public struct TaskProgress: Sendable, Equatable, Codable {
    public var done: Int
    public var total: Int
    /// The round the work belongs to, when it is one round's (the LLM queue): said beside the
    /// count so that it is not read as the session's total, which the budget gauge shows.
    public var round: Int?
    public init(done: Int, total: Int, round: Int? = nil) {
        self.done = done
        self.total = total
        self.round = round
    }
    public var fraction: Double { total > 0 ? min(1, Double(done) / Double(total)) : 0 }
}

/// The LLM annotator's health as the UI reports it.
public struct LLMStatus: Sendable, Equatable, Codable {
    /// Why the LLM queue is paused (endpoint down, no model, budget spent); nil when running.
    public var pausedReason: String?
    /// Failed calls so far.
    public var errorCount: Int
    /// The most recent error message.
    public var lastError: String?

    public init(pausedReason: String? = nil, errorCount: Int = 0, lastError: String? = nil) {
        self.pausedReason = pausedReason
        self.errorCount = errorCount
        self.lastError = lastError
    }
    public var isPaused: Bool { pausedReason != nil }
}

/// Everything the dashboard shows, fetched in one call.
public struct DashboardSnapshot: Sendable, Equatable, Codable {
    public var labels: [String]
    public var rounds: [RoundReport]
    public var schedule: [ScheduleEntry]
    /// 1-based; the round the expert is labeling now.
    public var currentRound: Int
    public var promptTokens: Int
    public var completionTokens: Int
    /// Cost in the session's currency: expert labels times cost per label, tokens times price.
    public var expertCost: Double
    public var llmCost: Double
    /// LLM labels the expert judged one by one (accepted or overridden; bulk accepts do not
    /// count) and how many of them were accepted.
    public var agreementCompared: Int
    public var agreementAgreed: Int
    public var progress: [BackgroundTask: TaskProgress]
    public var llm: LLMStatus
    /// The live estimate of the LLM's accuracy from shadow labels, in words
    /// ("LLM ≈ 66% right (54–76%, 12 shadow labels)"); nil when shadow labels are off.
    public var llmEstimate: String?
    /// What the last trained round did with the LLM labels, in words
    /// ("r2 used 120 of 160 LLM labels: the LLM beats the classifier on …"); nil before.
    public var llmLabelUse: String?
    /// The experts' agreement where several labeled the same items; nil for one expert.
    public var team: TeamAgreement? = nil
    /// The LLM's labels against each expert's own (shown with the team's agreement).
    public var llmByExpert: [String: LLMExpertAgreement] = [:]

    public init(labels: [String], rounds: [RoundReport], schedule: [ScheduleEntry], currentRound: Int,
                promptTokens: Int, completionTokens: Int, expertCost: Double, llmCost: Double,
                agreementCompared: Int, agreementAgreed: Int,
                progress: [BackgroundTask: TaskProgress], llm: LLMStatus,
                llmEstimate: String? = nil, llmLabelUse: String? = nil) {
        self.llmEstimate = llmEstimate
        self.llmLabelUse = llmLabelUse
        self.labels = labels
        self.rounds = rounds
        self.schedule = schedule
        self.currentRound = currentRound
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.expertCost = expertCost
        self.llmCost = llmCost
        self.agreementCompared = agreementCompared
        self.agreementAgreed = agreementAgreed
        self.progress = progress
        self.llm = llm
    }

    public var agreement: Double? {
        agreementCompared > 0 ? Double(agreementAgreed) / Double(agreementCompared) : nil
    }
}

/// Something the engine reports while the expert works. The UI folds each event into its
/// state and redraws; none of them blocks the expert.
public enum BackendEvent: Sendable, Equatable {
    case progress(BackgroundTask, TaskProgress)
    case llmStatus(LLMStatus)
    /// A round was retrained and scored; the dashboard refetches.
    case roundFinished(RoundReport)
    /// The expert items of a round left to label changed (the label screen leaves "waiting"
    /// when count > 0, and the header of an item of that round shows the new count: on a
    /// shared session other experts' labels count it down too).
    case expertQueueChanged(count: Int, round: Int? = nil)
    /// New LLM labels are ready for review.
    case reviewChanged
    /// A line for the status bar.
    case notice(String)
    /// What the engine is doing now, in words ("LLM labeling round 2: 12/35 (≈ 40 s left)").
    case activity(String)
    /// The session's first-hand expert labels, every expert's: on a shared session the
    /// header counts what the others label too, as they label it.
    case expertLabels(Int)
}
