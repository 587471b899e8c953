import Foundation
import IMFLCore
import IMFLNumerics

/// The real session behind the UI: the round engine for the queues and labels, the session
/// database for notes, skips, review marks and the dashboard's figures.
///
/// Every mutating call returns after its event is committed to the session database, which
/// is what lets the UI show the next item only once the label is safe.
public actor EngineBackend: LabelingBackend {
    private let session: Session
    private let engine: RoundEngine
    private let schedule: Schedule
    /// Neighbours shown beside an item: the same number the LLM prompt carries.
    private let k: Int
    private var skipped: [Int64] = []
    /// The item an undo gave back, shown before the queue's next one.
    private var front: Int64?
    private var progress: [BackgroundTask: TaskProgress] = [:]
    private var llm = LLMStatus()
    private var clusterCache: (count: Int, clusters: [Int64: Int])?
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
        self.session = session
        self.engine = engine
        self.schedule = try session.config.schedule()
        self.k = session.config.retrieval.mode == "none" ? 0 : session.config.retrieval.k
        (stream, continuation) = AsyncStream.makeStream(of: BackendEvent.self)
        // Items skipped in an earlier sitting stay at the back of the queue.
        var order = [Int64]()
        for event in LogSnapshot(try session.database.annotationLog()).live(.skip) {
            order.removeAll { $0 == event.itemId }
            order.append(event.itemId)
        }
        skipped = order
    }

    /// Forwards the engine's events to the UI until the engine's stream ends. Runs beside the
    /// engine's `run()` and the UI loop.
    public func run() async {
        for await event in engine.events {
            for message in translate(event) { continuation.yield(message) }
            let now = await engine.progress()
            continuation.yield(.activity(activity(after: event, now)))
            // The LLM queue's bar follows the round the LLM works on (with overlapped rounds,
            // not the round the expert is in).
            if let r = now.llmRound ?? now.rounds.last {
                let p = TaskProgress(done: r.llmDone, total: r.llmTotal)
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
            secondsPerLLMLabel: secondsPerLLMLabel(), now: Date()
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
            name: session.config.task.name, labels: session.config.task.labels,
            guidelines: (try? session.guidelines()) ?? nil ?? "This session has no guidelines file (task.guidelines in session.toml).",
            rounds: schedule.rounds.count, expertLabels: try expertLabelCount())
    }

    public func nextExpertItem() async throws -> ExpertItem? {
        if let id = front {
            if try session.database.currentLabels()[id] == nil, let item = try await expertItem(id) { return item }
            front = nil
        }
        guard let task = await engine.nextExpertItem(neighbours: k, skipped: skipped) else { return nil }
        return await expertItem(task)
    }

    public func submitLabel(itemID: Int64, label: String) async throws -> LabelCommit {
        try await engineCall { try await self.engine.submit(itemID: itemID, label: label) }
        if front == itemID { front = nil }
        skipped.removeAll { $0 == itemID }
        let round = await engine.currentQueueSizes()?.round ?? 0
        return LabelCommit(itemID: itemID, label: label, round: round, expertLabelCount: try expertLabelCount())
    }

    public func skip(itemID: Int64) async throws {
        let round = await engine.currentQueueSizes()?.round
        try session.database.append(Annotation(itemId: itemID, kind: .skip, annotator: "expert", round: round))
        if front == itemID { front = nil }
        skipped.removeAll { $0 == itemID }
        skipped.append(itemID)
    }

    public func undo() async throws -> UndoResult? {
        let itemID: Int64
        do {
            itemID = try await engine.undo()
        } catch EngineError.nothingToUndo {
            return nil
        } catch {
            throw BackendError("\(error)")
        }
        let log = try session.database.annotationLog()
        let undone = log.last(where: { $0.kind == .undo }).flatMap { undo in log.first { $0.id == undo.supersedes } }
        if undone?.source == .human { front = itemID }
        guard let item = try await expertItem(itemID) else { return nil }
        return UndoResult(item: item, withdrawnLabel: undone?.label ?? "", round: undone?.round ?? item.round)
    }

    public func setNote(itemID: Int64, note: String) async throws {
        try session.database.append(Annotation(itemId: itemID, kind: .note, annotator: "expert", note: note))
    }

    // MARK: - Review screen

    public func reviewPage(sort: ReviewSort, offset: Int, limit: Int) async throws -> ReviewPage {
        var items = try await reviewItems(snapshot())
        switch sort {
        case .lowestConfidence:
            items.sort { ($0.llmConfidence ?? 2, $0.itemID) < ($1.llmConfidence ?? 2, $1.itemID) }
        case .disagreement:
            func key(_ item: ReviewItem) -> (Int, Double, Int64) {
                guard let p = item.prediction else { return (1, 0, item.itemID) }
                return (p.label == item.effectiveLabel ? 1 : 0, -p.confidence, item.itemID)
            }
            items.sort { key($0) < key($1) }
        case .cluster:
            items.sort { ($0.cluster, $0.llmConfidence ?? 2, $0.itemID) < ($1.cluster, $1.llmConfidence ?? 2, $1.itemID) }
        }
        let start = min(max(0, offset), items.count)
        return ReviewPage(sort: sort, offset: start, items: Array(items[start ..< min(items.count, start + limit)]), total: items.count)
    }

    public func accept(itemID: Int64) async throws -> ReviewItem {
        guard let current = try snapshot().current[itemID], let llmLabel = current.llmLabel else {
            throw BackendError("item \(itemID) has no LLM label to accept")
        }
        try session.database.append(Annotation(itemId: itemID, kind: .accept, label: llmLabel, annotator: "expert", round: current.round))
        return try await reviewItem(itemID)
    }

    public func override(itemID: Int64, label: String) async throws -> ReviewItem {
        try await engineCall { try await self.engine.override(itemID: itemID, label: label) }
        return try await reviewItem(itemID)
    }

    public func bulkAccept(minConfidence: Double) async throws -> Int {
        let events = try snapshot().llmLabels.values
            .filter { !$0.reviewed && ($0.confidence ?? -1) >= minConfidence }
            .map { Annotation(itemId: $0.itemId, kind: .accept, label: $0.label, annotator: "expert", round: $0.round) }
        try session.database.append(contentsOf: events)
        return events.count
    }

    // MARK: - Dashboard

    public func dashboard() async throws -> DashboardSnapshot {
        let db = session.database
        let metrics = await (try? engine.roundMetrics()) ?? []
        let snapshot = try snapshot()
        var used = [Int: (human: Int, llm: Int)]()
        for event in snapshot.live(.label) {
            let r = event.round ?? 0
            switch event.source {
            case .human: used[r, default: (0, 0)].human += 1
            case .llm: used[r, default: (0, 0)].llm += 1
            default: break
            }
        }
        let current = snapshot.current
        let reviewed = current.values.filter { $0.llmLabel != nil && $0.reviewed }
        let totals = try db.llmCallTotals()
        let currentRound = await engine.currentQueueSizes()?.round ?? min(schedule.rounds.count, metrics.count + 1)
        let expertLabels = current.values.filter { $0.source == .human || $0.source == .override }.count
        return DashboardSnapshot(
            labels: session.config.task.labels,
            rounds: metrics.map { RoundReport($0, labels: session.config.task.labels) },
            schedule: schedule.rounds.map { b in
                ScheduleEntry(round: b.round, expertPlanned: b.human, expertUsed: used[b.round]?.human ?? 0,
                              llmPlanned: b.llm, llmUsed: used[b.round]?.llm ?? 0)
            },
            currentRound: currentRound,
            promptTokens: totals.promptTokens, completionTokens: totals.completionTokens,
            expertCost: Double(expertLabels) * session.config.budget.humanLabelCost, llmCost: totals.cost,
            currency: "",
            agreementCompared: reviewed.count,
            agreementAgreed: reviewed.filter { $0.label == $0.llmLabel }.count,
            progress: progress, llm: llm)
    }

    // MARK: - Helpers

    private func engineCall(_ body: () async throws -> Void) async throws {
        do { try await body() } catch let error as EngineError { throw BackendError(error.description) }
    }

    private func expertLabelCount() throws -> Int {
        try session.database.currentLabels().values.filter { $0.source == .human }.count
    }

    private func expertItem(_ task: ExpertTask) async -> ExpertItem {
        let prediction = await engine.prediction(for: task.itemID).map { Prediction(label: $0.label, confidence: $0.confidence) }
        let note = try? session.database.currentNotes()[task.itemID]
        return ExpertItem(
            itemID: task.itemID, text: task.text, round: task.round, prediction: prediction,
            neighbours: task.neighbours.map(Self.neighbour), note: note,
            remainingInRound: await engine.currentQueueSizes()?.expert ?? 0, isEvaluation: task.purpose == .evaluation)
    }

    private func expertItem(_ itemID: Int64) async throws -> ExpertItem? {
        guard let item = try session.database.items(ids: [itemID]).first else { return nil }
        let round = await engine.currentQueueSizes()?.round ?? 0
        let task = ExpertTask(itemID: itemID, text: item.text, round: round, rank: 0,
                              neighbours: await engine.neighbours(of: itemID, k: k),
                              purpose: await engine.isEvaluationItem(itemID) ? .evaluation : .query)
        return await expertItem(task)
    }

    private static func neighbour(_ n: LabeledNeighbour) -> Neighbour {
        Neighbour(itemID: n.itemID, text: n.text, label: n.label, source: n.source, similarity: Double(n.similarity))
    }

    /// The annotation log read once, with what the screens derive from it.
    private struct LogSnapshot {
        let log: [Annotation]
        let cancelled: Set<Int64>
        let current: [Int64: CurrentLabel]

        init(_ log: [Annotation]) {
            self.log = log
            cancelled = AnnotationLog.cancelledIDs(log)
            current = AnnotationLog.currentLabels(log)
        }

        /// Events of `kind` that no undo cancels, in log order.
        func live(_ kind: Annotation.Kind) -> [Annotation] {
            log.filter { $0.kind == kind && !cancelled.contains($0.id ?? -1) }
        }

        /// The LLM's label events in force, by item, with whether the expert has reviewed them.
        var llmLabels: [Int64: (itemId: Int64, label: String, confidence: Double?, round: Int?, reviewed: Bool)] {
            var result = [Int64: (itemId: Int64, label: String, confidence: Double?, round: Int?, reviewed: Bool)]()
            for event in live(.label) where event.source == .llm {
                guard let label = event.label else { continue }
                result[event.itemId] = (event.itemId, label, event.confidence, event.round, current[event.itemId]?.reviewed ?? false)
            }
            return result
        }
    }

    private func snapshot() throws -> LogSnapshot {
        LogSnapshot(try session.database.annotationLog())
    }

    /// Review rows for the LLM-labeled items (all of them, or only `only`).
    private func reviewItems(_ snapshot: LogSnapshot, only: Int64? = nil) async throws -> [ReviewItem] {
        let events = snapshot.llmLabels
        let wanted = only.map { id in events.filter { $0.key == id } } ?? events
        let texts = Dictionary(uniqueKeysWithValues: try session.database.items(ids: Array(wanted.keys)).map { ($0.id!, $0.text) })
        let clusters = try clustersOf(Array(events.keys))
        var items = [ReviewItem]()
        for (id, event) in wanted {
            let status: ReviewStatus = switch snapshot.current[id] {
            case let c? where c.source == .override: .overridden(c.label)
            case let c? where c.reviewed: .accepted
            default: .unreviewed
            }
            let prediction = await engine.prediction(for: id).map { Prediction(label: $0.label, confidence: $0.confidence) }
            items.append(ReviewItem(
                itemID: id, text: texts[id] ?? "", round: event.round ?? 0, llmLabel: event.label,
                llmConfidence: event.confidence, prediction: prediction, cluster: clusters[id] ?? 0,
                status: status, neighbours: []))
        }
        return items
    }

    private func reviewItem(_ itemID: Int64) async throws -> ReviewItem {
        guard var item = try await reviewItems(snapshot(), only: itemID).first else {
            throw BackendError("item \(itemID) has no LLM label")
        }
        item.neighbours = await engine.neighbours(of: itemID, k: k).map(Self.neighbour)
        return item
    }

    /// k-means clusters of the LLM-labeled items (k = twice the label count), so the review
    /// screen can show similar items together. Recomputed when the set of items grows.
    private func clustersOf(_ ids: [Int64]) throws -> [Int64: Int] {
        if let cache = clusterCache, cache.count == ids.count { return cache.clusters }
        let sorted = ids.sorted()
        let (found, vectors) = try session.database.embeddings(model: session.config.embedder.model, itemIds: sorted)
        guard vectors.rows > 0 else { return [:] }
        let result = KMeans.fit(vectors, k: 2 * session.config.task.labels.count, seed: 1)
        let clusters = Dictionary(uniqueKeysWithValues: zip(found, result.assignments))
        clusterCache = (ids.count, clusters)
        return clusters
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
            return [.expertQueueChanged(count: expert),
                    .notice("Round \(round): \(expert) items for you, \(llmCount) for the LLM")]
        case .queues(let sizes):
            return [.expertQueueChanged(count: sizes.expert)]
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
            let report = RoundReport(m, labels: session.config.task.labels)
            return [.progress(.retraining, p), .roundFinished(report), .reviewChanged,
                    .notice(String(format: "Round %d done: macro-F1 %.1f", m.round, m.evaluation.macroF1 * 100))]
        case .finished:
            return [.notice("Session finished: every round is labeled and trained. Export with `imfl export`.")]
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
