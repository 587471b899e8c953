/// The boundary between the terminal UI and the engine: the only calls the UI makes. The
/// engine adapts itself to this protocol; tests and `imfl bench ui` use `ScriptedBackend`.
///
/// Every mutating call returns only once its change is durable, which is how the UI keeps
/// the promise that a label is committed before the next item is shown.
public protocol LabelingBackend: Sendable {
    /// The session's name, labels, guidelines and number of rounds.
    func sessionInfo() async throws -> SessionInfo

    /// The item at the head of the expert queue, or nil when the queue is empty for now
    /// (the engine is still choosing the next batch). Asking again returns the same item until
    /// it is labeled or skipped, so a reopened session resumes at the same position.
    func nextExpertItem() async throws -> ExpertItem?

    /// Records the expert's label for `itemID` with source `human`.
    func submitLabel(itemID: Int64, label: String) async throws -> LabelCommit

    /// Moves `itemID` to the back of the expert queue without labeling it.
    func skip(itemID: Int64) async throws

    /// Sets an item aside (unsure, off-topic, disputed) with an optional reason: it leaves the
    /// expert queue and is never trained on; `undo` brings it back.
    func ignore(itemID: Int64, reason: String) async throws

    /// Withdraws the most recent expert label of the session, whatever its round, by logging
    /// an undo event, and returns its item to the front of the queue. Nil when there is nothing
    /// to undo. Review's accepts and overrides are not touched: they have their own undo.
    func undo() async throws -> UndoResult?

    /// Takes back the latest accept or override (a bulk accept as a whole): those LLM labels
    /// are unreviewed again. Nil when there is nothing to undo.
    func undoReview() async throws -> ReviewUndoResult?

    /// Stores a free-text note for an item (an empty note clears it).
    func setNote(itemID: Int64, note: String) async throws

    /// A window of LLM labels from this and earlier rounds in the given order.
    /// - Parameters:
    ///   - unreviewedOnly: only the labels the expert has not judged yet.
    ///   - round: only that round's LLM labels; nil: every round's.
    func reviewPage(sort: ReviewSort, unreviewedOnly: Bool, round: Int?, offset: Int, limit: Int) async throws -> ReviewPage

    /// The expert agrees with the LLM label.
    func accept(itemID: Int64) async throws -> ReviewItem

    /// The expert replaces the LLM label; logged with source `override`.
    func override(itemID: Int64, label: String) async throws -> ReviewItem

    /// What `bulkAccept` would accept at `minConfidence`, without accepting anything.
    func bulkAcceptPreview(minConfidence: Double) async throws -> BulkAcceptResult

    /// Accepts every unreviewed LLM label whose confidence is at least `minConfidence`, as one
    /// action that one Review undo takes back.
    func bulkAccept(minConfidence: Double) async throws -> BulkAcceptResult

    /// Items the session's experts labeled differently and no adjudicator has settled.
    func disputes() async throws -> DisputeList

    /// An adjudicator settles a disputed item with the label that stands; Review's undo takes
    /// the decision back.
    func adjudicate(itemID: Int64, label: String) async throws

    /// Figures for the dashboard.
    func dashboard() async throws -> DashboardSnapshot

    /// Ends a pause of the LLM queue after repeated failures now: the next LLM call is sent at
    /// once instead of when the pause runs out.
    func retryLLM() async

    /// Engine events for the UI. Called once per UI run; the stream finishes when the engine
    /// stops.
    func events() -> AsyncStream<BackendEvent>
}

/// An error a backend reports to the expert, with a message fit for the status line.
public struct BackendError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
