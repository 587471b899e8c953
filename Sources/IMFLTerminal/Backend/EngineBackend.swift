import Foundation
import IMFLCore

/// The real session behind the UI: a thin adapter over the round engine, which owns the
/// annotation log. It maps the engine's types to the screens' and its events to the UI's; every
/// read and write goes through the engine, never to the database.
///
/// Every mutating call returns after the engine has committed its events, which is what lets
/// the UI show the next item only once the label is safe.
public actor EngineBackend: LabelingBackend {
    private let config: SessionConfig
    private let guidelines: String?
    private let engine: RoundEngine
    private let schedule: Schedule
    /// The session's prompt builder: the screens mark where its cut ends the LLM's view.
    private let prompt: PromptBuilder
    /// Neighbours shown beside an item: the same number the LLM prompt carries.
    private let k: Int
    private var progress: [BackgroundTask: TaskProgress] = [:]
    /// The latest round's macro-F1, for the end-of-session sentence.
    private var lastF1: (round: Int, macroF1: Double)?
    private var llm = LLMStatus()
    /// The session's first-hand expert labels as last told to the UI.
    private var expertLabels: Int?
    /// When recent LLM labels arrived, for the "≈ N s left" estimate; the first entry is when
    /// the LLM got busy, so that a burst of answers from concurrent calls counts the time
    /// they took, not the moment they arrived together.
    private var llmLabelTimes: [ContinuousClock.Instant] = []
    private var embedding: TaskProgress?
    private var selecting: Int?
    private var embeddingStarted: ContinuousClock.Instant?
    private let stream: AsyncStream<BackendEvent>
    private let continuation: AsyncStream<BackendEvent>.Continuation

    public init(session: Session, engine: RoundEngine) throws {
        try self.init(config: session.config, guidelines: try? session.guidelines(), engine: engine)
    }

    /// - Parameters:
    ///   - config: the session's settings: labels, schedule, the prompt's limits.
    ///   - guidelines: the guidelines file's text, if the session has one.
    public init(config: SessionConfig, guidelines: String?, engine: RoundEngine) throws {
        self.config = config
        self.guidelines = guidelines
        self.engine = engine
        self.schedule = try config.schedule()
        self.prompt = config.annotatorSettings.promptBuilder(labels: config.task.labels)
        self.k = try config.engineConfiguration().fewShot
        (stream, continuation) = AsyncStream.makeStream(of: BackendEvent.self)
    }

    /// Forwards the engine's events to the UI until the engine's stream ends. Runs beside the
    /// engine's `run()` and the UI loop.
    public func run() async {
        if let m = try? await engine.roundMetrics().last { lastF1 = (m.round, m.evaluation.macroF1) }
        for await event in engine.events {
            for message in translate(event) { continuation.yield(message) }
            // The session's count, whoever labeled (another expert, or before this sitting:
            // the engine reads the log only once it runs).
            let labeled = await engine.expertLabelCount
            if labeled != expertLabels {
                expertLabels = labeled
                continuation.yield(.expertLabels(labeled))
            }
            let now = await engine.progress()
            continuation.yield(.activity(activity(after: event, now)))
            // The LLM queue's bar follows the round the LLM works on (with overlapped rounds,
            // not the round the expert is in).
            if let r = now.llmRound ?? now.rounds.last {
                let p = TaskProgress(done: r.llmDone, total: r.llmTotal, round: r.round)
                if progress[.llmQueue] != p {
                    progress[.llmQueue] = p
                    continuation.yield(.progress(.llmQueue, p))
                }
            }
        }
        continuation.finish()
    }

    /// The engine's state in words, after `event`.
    private func activity(after event: EngineEvent, _ progress: EngineProgress) -> String {
        if case .embedding = event {} else { embedding = embedding.flatMap { $0.done < $0.total ? $0 : nil } }
        if case .selecting(let r) = event { selecting = r } else if case .roundStarted = event { selecting = nil }
        return EngineActivity(
            progress: progress, embedding: embedding, embeddingSeconds: embeddingSecondsLeft(), selecting: selecting,
            secondsPerLLMLabel: secondsPerLLMLabel(), now: Date(), lastF1: lastF1, shared: engine.isShared
        ).sentence
    }

    /// Seconds per LLM label over the last labels (nil before three have arrived).
    private func secondsPerLLMLabel() -> Double? {
        guard llmLabelTimes.count >= 4, let first = llmLabelTimes.first, let last = llmLabelTimes.last else { return nil }
        return (last - first).seconds / Double(llmLabelTimes.count - 1)
    }

    private func embeddingSecondsLeft() -> Double? {
        guard let p = embedding, let start = embeddingStarted, p.done > 0 else { return nil }
        return (ContinuousClock.now - start).seconds / Double(p.done) * Double(p.total - p.done)
    }

    public func retryLLM() async { await engine.resumeLLM() }

    public nonisolated func events() -> AsyncStream<BackendEvent> { stream }

    /// Tells the expert that the engine stopped with an error; labels already given are safe.
    public func engineStopped(_ error: any Error) {
        continuation.yield(.notice("The engine stopped: \(error). Labels so far are saved; quit and reopen to retry."))
    }

    // MARK: - Label screen

    public func sessionInfo() async throws -> SessionInfo {
        SessionInfo(
            name: config.task.name, labels: config.task.labels,
            guidelines: guidelines ?? "This session has no guidelines file (task.guidelines in session.toml).",
            rounds: schedule.rounds.count, expertLabels: await engine.expertLabelCount)
    }

    public func nextExpertItem() async throws -> ExpertItem? {
        guard let task = try await engine.claimNextExpertItem(neighbours: k) else { return nil }
        return await expertItem(task)
    }

    public func submitLabel(itemID: Int64, label: String) async throws -> LabelCommit {
        let round = try await engineCall { try await self.engine.submit(itemID: itemID, label: label) }
        return LabelCommit(itemID: itemID, label: label, round: round, expertLabelCount: await engine.expertLabelCount)
    }

    public func skip(itemID: Int64) async throws {
        try await engineCall { try await self.engine.skip(itemID: itemID) }
    }

    public func ignore(itemID: Int64, reason: String) async throws {
        try await engineCall { try await self.engine.ignore(itemID: itemID, reason: reason) }
    }

    public func undo() async throws -> UndoResult? {
        guard let outcome = try await undo(.expertLabel), let target = outcome.undone.first else { return nil }
        let round = target.round ?? 0
        guard let task = await engine.expertTask(target.itemID, round: round, k: k) else { return nil }
        // On a shared session the item is this expert's again (no other expert is shown it).
        _ = try? await engine.claim(target.itemID)
        return UndoResult(item: await expertItem(task), withdrawnLabel: target.label ?? "", round: round,
                          afterTraining: outcome.afterTraining, ignored: target.kind == .ignore,
                          expertLabelCount: await engine.expertLabelCount)
    }

    public func setNote(itemID: Int64, note: String) async throws {
        try await engineCall { try await self.engine.note(itemID: itemID, text: note) }
    }

    // MARK: - Review screen

    public func reviewPage(sort: ReviewSort, unreviewedOnly: Bool, round: Int?, offset: Int, limit: Int) async throws -> ReviewPage {
        let from = max(0, offset), to = max(0, offset) + max(0, limit)
        let rows = await engine.reviewRows(order: sort, unreviewedOnly: unreviewedOnly, round: round, window: from ..< to)
        let start = min(from, rows.count)
        let window = rows[start ..< min(rows.count, to)]
        var items = [ReviewItem]()
        for row in window { items.append(await reviewItem(row)) }
        return ReviewPage(sort: sort, offset: start, items: items, total: rows.count, unreviewedOnly: unreviewedOnly, round: round)
    }

    public func accept(itemID: Int64) async throws -> ReviewItem {
        _ = try await engineCall { try await self.engine.accept(itemIDs: [itemID]) }
        return try await reviewItem(itemID)
    }

    public func override(itemID: Int64, label: String) async throws -> ReviewItem {
        _ = try await engineCall { try await self.engine.override(itemID: itemID, label: label) }
        return try await reviewItem(itemID)
    }

    public func undoReview() async throws -> ReviewUndoResult? {
        guard let outcome = try await undo(.review) else { return nil }
        var kind: ReviewUndoResult.Kind = outcome.undone.count > 1 || outcome.undone.first?.batch != nil ? .bulkAccept
            : outcome.undone.first?.kind == .accept ? .accept : .override
        // An accept on an item the experts labeled (not the LLM) was an adjudicator's decision.
        if kind == .accept, let id = outcome.undone.first?.itemID, await engine.currentLabel(id)?.disputed == true {
            kind = .adjudication
        }
        var shown = [String]()
        for event in outcome.undone { shown.append(await engine.key(of: event.itemID) ?? String(event.itemID)) }
        return ReviewUndoResult(kind: kind, itemIDs: outcome.undone.map(\.itemID), displayIDs: shown)
    }

    public func disputes() async throws -> DisputeList {
        var items = [DisputeItem]()
        for (id, labels) in await engine.disputes() {
            items.append(DisputeItem(itemID: id, displayID: await engine.key(of: id) ?? String(id),
                                     text: await engine.text(of: id) ?? "", labels: labels))
        }
        let team = await engine.team
        let why: String? = await engine.isAdjudicator ? nil : EngineError.notAnAdjudicator(name: team.annotator, adjudicators: team.adjudicators).description
        return DisputeList(items: items, cannotSettle: why)
    }

    public func adjudicate(itemID: Int64, label: String) async throws {
        _ = try await engineCall { try await self.engine.adjudicate(itemID: itemID, label: label) }
    }

    public func bulkAcceptPreview(minConfidence: Double) async throws -> BulkAcceptResult {
        let p = await engine.bulkAcceptPreview(minConfidence: minConfidence)
        return BulkAcceptResult(minConfidence: minConfidence, accepted: p.matching, unreviewed: p.unreviewed,
                                withoutConfidence: p.withoutConfidence)
    }

    public func bulkAccept(minConfidence: Double) async throws -> BulkAcceptResult {
        let p = await engine.bulkAcceptPreview(minConfidence: minConfidence)
        let n = try await engineCall { try await self.engine.bulkAccept(minConfidence: minConfidence) }
        return BulkAcceptResult(minConfidence: minConfidence, accepted: n, unreviewed: p.unreviewed,
                                withoutConfidence: p.withoutConfidence)
    }

    // MARK: - Dashboard

    public func dashboard() async throws -> DashboardSnapshot {
        let d = try await engineCall { try await self.engine.dashboard() }
        var snapshot = DashboardSnapshot(
            labels: config.task.labels,
            rounds: d.metrics.map { RoundReport($0, labels: config.task.labels) },
            schedule: schedule.rounds.map { b in
                ScheduleEntry(round: b.round, expertPlanned: b.human, expertUsed: d.used[b.round]?.expert ?? 0,
                              llmPlanned: b.llm, llmUsed: d.used[b.round]?.llm ?? 0)
            },
            currentRound: d.currentRound,
            promptTokens: d.llmCalls.promptTokens, completionTokens: d.llmCalls.completionTokens,
            expertCost: Double(d.expertLabels + d.overrides) * config.budget.humanLabelCost, llmCost: d.llmCalls.cost,
            agreementCompared: d.agreement.compared, agreementAgreed: d.agreement.agreed,
            progress: progress, llm: llm,
            llmEstimate: d.shadowLabelsOn ? (d.llmEstimate?.summary ?? "LLM accuracy: no shadow label compared yet") : nil,
            llmLabelUse: d.metrics.last.flatMap { m in m.llmLabelUse.map { "r\(m.round) \($0.summary)" } })
        snapshot.team = d.team
        snapshot.llmByExpert = d.llmByExpert
        return snapshot
    }

    // MARK: - Mapping

    private func engineCall<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as EngineError { throw BackendError(error.description) }
    }

    private func undo(_ scope: UndoScope) async throws -> UndoOutcome? {
        do {
            return try await engine.undo(scope)
        } catch EngineError.nothingToUndo {
            return nil
        } catch let error as EngineError {
            throw BackendError(error.description)
        }
    }

    private func expertItem(_ task: ExpertTask) async -> ExpertItem {
        ExpertItem(
            itemID: task.itemID, text: task.text, round: task.round,
            prediction: await engine.prediction(for: task.itemID).map(Self.prediction),
            neighbours: task.neighbours, note: task.note,
            remainingInRound: await engine.currentQueueSizes()?.expert ?? 0, isEvaluation: task.purpose == .evaluation,
            // An expert item reaches the LLM only as a retrieved example, cut at the example limit.
            datasetID: task.key, llmVisibleCharacters: prompt.exampleVisibleCharacters(task.text))
    }

    private func reviewItem(_ itemID: Int64) async throws -> ReviewItem {
        guard let row = await engine.reviewRow(itemID) else {
            throw BackendError("item \(itemID) has no LLM label")
        }
        return await reviewItem(row)
    }

    private func reviewItem(_ row: ReviewRow) async -> ReviewItem {
        let status: ReviewStatus = switch row.review {
        case .overridden? where row.source != .llm: .overridden(row.label)
        case .accepted?, .bulkAccepted?: .accepted
        default: .unreviewed
        }
        // Labels from before the log recorded prompts: the most similar expert labels now.
        let seen = !row.examples.isEmpty
        let examples = seen ? row.examples : await engine.neighbours(of: row.itemID, k: k)
        return ReviewItem(
            itemID: row.itemID, text: row.text, round: row.round, llmLabel: row.llmLabel,
            llmConfidence: row.llmConfidence, prediction: row.prediction.map(Self.prediction), cluster: row.cluster,
            status: status, neighbours: examples, neighboursAsSeen: seen,
            bulkAccepted: row.review == .bulkAccepted, note: row.note,
            datasetID: row.key, llmVisibleCharacters: prompt.itemVisibleCharacters(row.text))
    }

    private static func prediction(_ p: ClassPrediction) -> Prediction {
        Prediction(label: p.label, confidence: p.confidence)
    }

    private func translate(_ event: EngineEvent) -> [BackendEvent] {
        switch event {
        case .embedding(let done, let total):
            let p = TaskProgress(done: done, total: total)
            if done == 0 { embeddingStarted = .now }
            embedding = p
            progress[.embedding] = p
            return [.progress(.embedding, p)]
        case .selecting(let round):
            return [.notice("Round \(round): choosing items (k-means over the pool)…")]
        case .roundStarted(let round, let expert, let llmCount):
            return [.expertQueueChanged(count: expert, round: round),
                    .notice("Round \(round): \(expert) items for you, \(llmCount) for the LLM")]
        case .queues(let sizes):
            return [.expertQueueChanged(count: sizes.expert, round: sizes.round)]
        case .labeled(_, _, let source):
            guard source == .llm else { return [] }
            llmLabelTimes.append(.now)
            if llmLabelTimes.count > 13 { llmLabelTimes.removeFirst() }
            return [.reviewChanged]
        case .llmCalls(_, let inFlight):
            if inFlight > 0, llmLabelTimes.isEmpty { llmLabelTimes.append(.now) }
            return []
        case .undone:
            return []
        case .llmError(_, let message):
            llm.errorCount += 1
            llm.lastError = message
            return [.llmStatus(llm)]
        case .llmPaused(let reason, _):
            llm.pausedReason = reason
            return [.llmStatus(llm)]
        case .llmRetrying:
            return []
        case .llmResumed:
            llm.pausedReason = nil
            return [.llmStatus(llm), .notice("The LLM answers again; LLM labeling goes on.")]
        case .training(let round):
            let p = TaskProgress(done: 0, total: 1)
            progress[.retraining] = p
            return [.progress(.retraining, p), .notice("Round \(round): retraining the classifier…")]
        case .roundFinished(let m):
            let p = TaskProgress(done: 1, total: 1)
            progress[.retraining] = p
            let report = RoundReport(m, labels: config.task.labels)
            lastF1 = (m.round, m.evaluation.macroF1)
            return [.progress(.retraining, p), .roundFinished(report), .reviewChanged,
                    .notice(String(format: "Round %d done: macro-F1 %.1f", m.round, m.evaluation.macroF1 * 100))]
        case .finished:
            return [.notice(EngineActivity.finished(lastF1, shared: engine.isShared))]
        case .role(.leading):
            return [.notice("This terminal now runs the session's engine (rounds, LLM labels, retraining).")]
        case .role(.following(let engine)):
            return [.notice("\(EngineActivity.leaderName(engine)) runs the session's engine; your labels reach it at once.")]
        case .role(.alone):
            return []
        }
    }
}

extension RoundReport {
    /// The dashboard's view of a round's metrics, with macro-F1's bootstrap interval.
    init(_ m: RoundMetrics, labels: [String]) {
        self.init(
            round: m.round, macroF1: m.evaluation.macroF1, accuracy: m.evaluation.accuracy,
            perClassF1: Dictionary(uniqueKeysWithValues: zip(labels, m.evaluation.perClass.map(\.f1))),
            interval: m.evaluation.confusion.macroF1Interval(), evaluated: m.evaluation.confusion.total)
    }
}
