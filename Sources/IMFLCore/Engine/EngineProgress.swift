import Foundation

/// What the engine is doing at one moment, in numbers a status line can put into words:
/// the open rounds' queues, LLM calls in flight, a pause after failures, the end of the session.
public struct EngineProgress: Sendable, Equatable {
    /// One open (selected, not yet trained) round.
    public struct Round: Sendable, Equatable {
        public var round: Int
        public var expertWaiting: Int
        public var expertTotal: Int
        public var llmWaiting: Int
        public var llmTotal: Int
        public var llmInFlight: Int
        /// All labels are in and the classifier is training.
        public var training: Bool

        public var llmDone: Int { llmTotal - llmWaiting }

        public init(round: Int, expertWaiting: Int, expertTotal: Int, llmWaiting: Int, llmTotal: Int,
                    llmInFlight: Int, training: Bool) {
            self.round = round
            self.expertWaiting = expertWaiting
            self.expertTotal = expertTotal
            self.llmWaiting = llmWaiting
            self.llmTotal = llmTotal
            self.llmInFlight = llmInFlight
            self.training = training
        }
    }

    public var rounds: [Round]
    public var scheduledRounds: Int
    public var finishedRounds: Int
    /// When LLM labeling is paused after repeated failures: when the trial call goes out.
    public var llmPausedUntil: Date?
    /// The trial call after a pause is in flight.
    public var llmRetrying: Bool
    /// Every round is trained: nothing is left to label.
    public var finished: Bool
    /// In a shared session: items waiting for this expert that other experts hold now.
    public var heldByOthers = 0
    /// In a shared session another process leads: who runs the rounds ("" when not said).
    public var leader: String?

    public init(rounds: [Round], scheduledRounds: Int, finishedRounds: Int, llmPausedUntil: Date?,
                llmRetrying: Bool, finished: Bool) {
        self.rounds = rounds
        self.scheduledRounds = scheduledRounds
        self.finishedRounds = finishedRounds
        self.llmPausedUntil = llmPausedUntil
        self.llmRetrying = llmRetrying
        self.finished = finished
    }

    /// The round whose LLM queue is being worked on: the earliest with items waiting.
    public var llmRound: Round? { rounds.first { $0.llmWaiting > 0 } }
}
