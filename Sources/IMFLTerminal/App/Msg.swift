/// Something that happened: a key, a resize, a backend answer or an engine event. The
/// runtime feeds messages to `reduce` one at a time.
public enum Msg: Sendable {
    case key(Key)
    case resize(width: Int, height: Int)
    case sessionLoaded(SessionInfo)
    case itemLoaded(ExpertItem?)
    case labelCommitted(LabelCommit)
    case skipped(itemID: Int64)
    case ignored(itemID: Int64)
    case undone(UndoResult?)
    case noteSaved(itemID: Int64, note: String)
    case reviewLoaded(ReviewPage)
    case reviewUpdated(ReviewItem)
    case bulkAccepted(BulkAcceptResult)
    case bulkPreview(BulkAcceptResult)
    case reviewUndone(ReviewUndoResult?)
    case dashboardLoaded(DashboardSnapshot)
    case disputesLoaded(DisputeList)
    case adjudicated(itemID: Int64, label: String)
    case event(BackendEvent)
    /// The backend call behind `effect` threw `message`.
    case failed(Effect, message: String)
}

/// Work for the runtime: each case is one backend call (or quitting). The runtime runs it
/// off the UI's path and sends the answer back as a `Msg`.
public enum Effect: Sendable, Equatable {
    case loadSession
    case loadNextItem
    case submitLabel(itemID: Int64, label: String)
    case skip(itemID: Int64)
    case ignore(itemID: Int64, reason: String)
    case undo
    case setNote(itemID: Int64, note: String)
    case loadReview(sort: ReviewSort, unreviewedOnly: Bool, round: Int?, offset: Int, limit: Int)
    case accept(itemID: Int64)
    case override(itemID: Int64, label: String)
    case bulkAccept(minConfidence: Double)
    case previewBulkAccept(minConfidence: Double)
    case undoReview
    case loadDashboard
    case loadDisputes
    case adjudicate(itemID: Int64, label: String)
    case retryLLM
    case quit
}

extension Effect {
    /// Runs the backend call and turns its outcome into the message `reduce` expects.
    public func perform(on backend: any LabelingBackend) async -> Msg? {
        do {
            switch self {
            case .loadSession: return .sessionLoaded(try await backend.sessionInfo())
            case .loadNextItem: return .itemLoaded(try await backend.nextExpertItem())
            case .submitLabel(let id, let label): return .labelCommitted(try await backend.submitLabel(itemID: id, label: label))
            case .skip(let id):
                try await backend.skip(itemID: id)
                return .skipped(itemID: id)
            case .ignore(let id, let reason):
                try await backend.ignore(itemID: id, reason: reason)
                return .ignored(itemID: id)
            case .undo: return .undone(try await backend.undo())
            case .setNote(let id, let note):
                try await backend.setNote(itemID: id, note: note)
                return .noteSaved(itemID: id, note: note)
            case .loadReview(let sort, let unreviewedOnly, let round, let offset, let limit):
                return .reviewLoaded(try await backend.reviewPage(sort: sort, unreviewedOnly: unreviewedOnly, round: round, offset: offset, limit: limit))
            case .accept(let id): return .reviewUpdated(try await backend.accept(itemID: id))
            case .override(let id, let label): return .reviewUpdated(try await backend.override(itemID: id, label: label))
            case .bulkAccept(let t): return .bulkAccepted(try await backend.bulkAccept(minConfidence: t))
            case .previewBulkAccept(let t): return .bulkPreview(try await backend.bulkAcceptPreview(minConfidence: t))
            case .undoReview: return .reviewUndone(try await backend.undoReview())
            case .loadDashboard: return .dashboardLoaded(try await backend.dashboard())
            case .loadDisputes: return .disputesLoaded(try await backend.disputes())
            case .adjudicate(let id, let label):
                try await backend.adjudicate(itemID: id, label: label)
                return .adjudicated(itemID: id, label: label)
            case .retryLLM:
                await backend.retryLLM()
                return nil
            case .quit: return nil
            }
        } catch {
            return .failed(self, message: "\(error)")
        }
    }
}
