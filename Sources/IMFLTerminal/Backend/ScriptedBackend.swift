import Foundation

/// A `LabelingBackend` over a `ScriptedSession`, for tests, the `label-scripted` demo and the
/// UI benchmark. With a state file it saves the session after every change before returning,
/// so a reopened run resumes where the last one stopped, as the real store does.
public actor ScriptedBackend: LabelingBackend {
    private var session: ScriptedSession
    private let stateFile: URL?
    private let delay: Duration
    private let stream: AsyncStream<BackendEvent>
    private let continuation: AsyncStream<BackendEvent>.Continuation

    /// - Parameters:
    ///   - session: the starting session.
    ///   - stateFile: where to save the session after every change; nil keeps it in memory.
    ///   - delay: how long each call takes, to exercise the UI's pending states.
    public init(session: ScriptedSession, stateFile: URL? = nil, delay: Duration = .zero) {
        self.session = session
        self.stateFile = stateFile
        self.delay = delay
        (stream, continuation) = AsyncStream.makeStream(of: BackendEvent.self)
    }

    /// Opens the session saved in `stateFile`, or starts `fresh` when the file does not exist.
    /// - Throws: `BackendError` naming the file when it exists but cannot be read.
    public static func open(stateFile: URL, fresh: ScriptedSession, delay: Duration = .zero) throws -> ScriptedBackend {
        guard FileManager.default.fileExists(atPath: stateFile.path) else {
            return ScriptedBackend(session: fresh, stateFile: stateFile, delay: delay)
        }
        do {
            let data = try Data(contentsOf: stateFile)
            let session = try JSONDecoder().decode(ScriptedSession.self, from: data)
            return ScriptedBackend(session: session, stateFile: stateFile, delay: delay)
        } catch {
            throw BackendError("\(stateFile.path): not a scripted session state file (\(error))")
        }
    }

    /// The session as it stands, for tests.
    public func current() -> ScriptedSession { session }

    /// Publishes an event as the engine would.
    public func emit(_ event: BackendEvent) {
        if case .progress(let task, let p) = event { session.progress[task] = p }
        if case .llmStatus(let s) = event { session.llm = s }
        continuation.yield(event)
    }

    /// Ends the event stream.
    public func finish() { continuation.finish() }

    private func pause() async throws {
        if delay > .zero { try await Task.sleep(for: delay) }
    }

    private func save() throws {
        guard let stateFile else { return }
        let data = try JSONEncoder().encode(session)
        try data.write(to: stateFile, options: .atomic)
    }

    public func sessionInfo() async throws -> SessionInfo { session.info }

    public func nextExpertItem() async throws -> ExpertItem? {
        try await pause()
        return session.nextExpertItem()
    }

    public func submitLabel(itemID: Int64, label: String) async throws -> LabelCommit {
        try await pause()
        let (commit, report) = try session.submitLabel(itemID: itemID, label: label)
        try save()
        if let report { continuation.yield(.roundFinished(report)) }
        return commit
    }

    public func skip(itemID: Int64) async throws {
        try await pause()
        try session.skip(itemID: itemID)
        try save()
    }

    public func ignore(itemID: Int64, reason: String) async throws {
        try await pause()
        try session.ignore(itemID: itemID, reason: reason)
        try save()
    }

    public func undo() async throws -> UndoResult? {
        try await pause()
        let result = session.undo()
        try save()
        return result
    }

    public func setNote(itemID: Int64, note: String) async throws {
        try await pause()
        session.setNote(itemID: itemID, note: note)
        try save()
    }

    public func reviewPage(sort: ReviewSort, unreviewedOnly: Bool, round: Int?, offset: Int, limit: Int) async throws -> ReviewPage {
        session.reviewPage(sort: sort, unreviewedOnly: unreviewedOnly, round: round, offset: offset, limit: limit)
    }

    public func accept(itemID: Int64) async throws -> ReviewItem {
        try await pause()
        let item = try session.accept(itemID: itemID)
        try save()
        return item
    }

    public func override(itemID: Int64, label: String) async throws -> ReviewItem {
        try await pause()
        let item = try session.override(itemID: itemID, label: label)
        try save()
        return item
    }

    public func bulkAcceptPreview(minConfidence: Double) async throws -> BulkAcceptResult {
        session.bulkAcceptPreview(minConfidence: minConfidence)
    }

    public func bulkAccept(minConfidence: Double) async throws -> BulkAcceptResult {
        try await pause()
        let result = session.bulkAccept(minConfidence: minConfidence)
        try save()
        return result
    }

    public func undoReview() async throws -> ReviewUndoResult? {
        try await pause()
        let result = session.undoReview()
        try save()
        return result
    }

    public func dashboard() async throws -> DashboardSnapshot { session.dashboard() }

    public func disputes() async throws -> DisputeList { session.disputes() }

    public func adjudicate(itemID: Int64, label: String) async throws {
        try await pause()
        try session.adjudicate(itemID: itemID, label: label)
        try save()
    }

    public func retryLLM() async { session.llm.pausedReason = nil }

    public nonisolated func events() -> AsyncStream<BackendEvent> { stream }
}
