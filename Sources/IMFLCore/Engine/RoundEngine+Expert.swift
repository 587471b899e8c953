import Foundation

/// What an undo took back.
public struct UndoOutcome: Sendable, Equatable {
    /// The events taken back (one, or every accept of a bulk accept).
    public var undone: [Annotation]
    /// The events belonged to a round already trained: the change counts from the next
    /// retrain on, and that round's figures stay as they were measured.
    public var afterTraining: Bool
}

/// What a bulk accept at a threshold would do, shown before the expert confirms it.
public struct BulkAcceptPreview: Sendable, Equatable {
    /// Unreviewed LLM labels whose confidence is at least the threshold: what it would accept.
    public var matching: Int
    /// Unreviewed LLM labels in all.
    public var unreviewed: Int
    /// Unreviewed LLM labels without a confidence (the endpoint gave no log-probabilities):
    /// a threshold never accepts them.
    public var withoutConfidence: Int
}

/// The calls the expert's UI makes. Each checks the request against the log, appends its
/// events in one transaction (durable when the call returns) and answers at once; nothing here
/// waits for embedding, training or the LLM.
extension RoundEngine {
    /// The latest open round: where overrides made now are logged.
    var labelingRound: Int? { openRounds.last }

    /// The open round an item is queued in, if any.
    func queueRound(of itemID: Int64) -> Int? {
        openRounds.first { r in queues[r]?.contains { $0.itemID == itemID } == true }
    }

    /// The round an item waits for the expert in, whatever that round's state: the round whose
    /// expert queue holds it, or for an evaluation item the first round it is due by.
    func expertRound(of itemID: Int64) -> Int? {
        let all = rounds.keys.sorted()
        if let r = all.first(where: { r in queues[r]?.contains { $0.itemID == itemID && $0.fidelity == .human } == true }) {
            return r
        }
        guard evaluation.contains(itemID) else { return nil }
        return all.first { evaluation.due(byRound: $0).contains(itemID) }
    }

    /// The round the expert is working on: the earliest open round with expert items
    /// waiting, else the latest open round.
    private var expertRound: Int? {
        openRounds.first { !expertPending($0).isEmpty } ?? labelingRound
    }

    /// Items waiting for the expert, in the order they are offered: items an undo gave back
    /// first (latest first), then by round and rank (a finished round's item whose label was
    /// undone comes before the open rounds'), skipped items last in the order skipped.
    func expertWaiting() -> [(round: Int, id: Int64)] {
        var seen = Set<Int64>()
        let inOrder = rounds.keys.sorted().flatMap { r in (expertPending(r) + secondLabelPending(r)).map { (round: r, id: $0) } }
            .filter { seen.insert($0.id).inserted }
        let byID = Dictionary(inOrder.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let skipped = log.skipOrder.filter { byID[$0] != nil && !returned.contains($0) }
        let back = Set(skipped)
        return returned.compactMap { byID[$0] }
            + inOrder.filter { !back.contains($0.id) && !returned.contains($0.id) }
            + skipped.compactMap { byID[$0] }
    }

    /// The overlap items of round `r`: a seeded share (`[team] overlap`) of its expert queue
    /// that a second expert labels too. A pure function of the queue and the seed, so every
    /// engine of a session picks the same ones.
    func overlapItems(_ r: Int) -> Set<Int64> {
        guard configuration.overlap > 0 else { return [] }
        let entries = (queues[r] ?? []).filter { $0.fidelity == .human }
        let count = min(entries.count, Int((configuration.overlap * Double(entries.count)).rounded(.up)))
        let seed = configuration.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(r)
        func draw(_ id: Int64) -> UInt64 {
            var z = seed ^ UInt64(bitPattern: id) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 31)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 29)
        }
        return Set(entries.map(\.itemID).sorted { draw($0) < draw($1) }.prefix(count))
    }

    /// Overlap items of round `r` one other expert has labeled, waiting for this engine's
    /// expert to label them too, in rank order. The round does not wait for them: its
    /// classifier trains on the first label, and a second that disagrees holds the item out
    /// of training until an adjudicator settles it.
    func secondLabelPending(_ r: Int) -> [Int64] {
        let overlap = overlapItems(r)
        guard !overlap.isEmpty else { return [] }
        return (queues[r] ?? []).filter { overlap.contains($0.itemID) }.map(\.itemID).filter(awaitsSecondLabel)
    }

    /// Whether the item is an overlap item waiting for this expert's second label.
    func needsSecondLabel(_ itemID: Int64) -> Bool {
        guard awaitsSecondLabel(itemID), let r = expertRound(of: itemID) else { return false }
        return overlapItems(r).contains(itemID)
    }

    /// Whether the item has exactly one expert's label, not this expert's, that no
    /// adjudicator has settled (whether it is an overlap item is the caller's to know).
    private func awaitsSecondLabel(_ itemID: Int64) -> Bool {
        guard let byName = log.expertLabelsByAnnotator[itemID], byName.count == 1, byName[configuration.annotator] == nil,
              let current = log.current(itemID) else { return false }
        return current.source == .human && !current.adjudicated
    }

    /// The next item waiting for the expert, with its neighbours.
    public func nextExpertItem(neighbours k: Int = 5) -> ExpertTask? {
        guard let next = expertWaiting().first else { return nil }
        return expertTask(next.id, round: next.round, k: k)
    }

    /// An item as the expert is asked about it.
    public func expertTask(_ itemID: Int64, round: Int, k: Int) -> ExpertTask? {
        guard let item = items[itemID] else { return nil }
        let entry = queues[round]?.first { $0.itemID == itemID }
        return ExpertTask(itemID: item.id, text: item.text, round: round, rank: entry?.rank ?? -1,
                          neighbours: neighbours(of: item.id, k: k), purpose: entry == nil ? .evaluation : .query,
                          note: log.note(itemID), key: item.key)
    }

    /// The expert labels an item waiting for them (in an open round, or in a finished one after
    /// its label was undone); committed to the store before this returns.
    /// - Returns: the round the label belongs to.
    /// - Throws: `EngineError` when the label is unknown, or the item is not waiting for the expert.
    @discardableResult
    public func submit(itemID: Int64, label: String) async throws -> Int {
        try await serialized(catchingUp: claimed != itemID) {
            guard classIndex[label] != nil else { throw EngineError.unknownLabel(label) }
            guard let r = expertRound(of: itemID) else { throw EngineError.notInExpertQueue(itemID: itemID) }
            guard awaitsExpert(itemID) || needsSecondLabel(itemID) else { throw EngineError.alreadyLabeled(itemID: itemID) }
            try await append([.label(label, itemID: itemID, source: .human, round: r)])
            returned.removeAll { $0 == itemID }
            try await releaseClaim(afterLabeling: itemID)
            return r
        }
    }

    /// The expert passes over an item: it comes back after every other waiting item.
    public func skip(itemID: Int64) async throws {
        try await serialized {
            guard let r = expertRound(of: itemID), awaitsExpert(itemID) || needsSecondLabel(itemID) else {
                throw EngineError.notInExpertQueue(itemID: itemID)
            }
            try await append([Annotation(itemID: itemID, kind: .skip, round: r)])
            returned.removeAll { $0 == itemID }
            try await releaseClaim(on: itemID)
        }
    }

    /// The expert sets an item aside instead of labeling it (unsure, off-topic, disputed), with
    /// an optional reason: it stops waiting, its round can close without it, it is exported as
    /// ignored and never trained on. Undo on the Label screen brings it back.
    public func ignore(itemID: Int64, reason: String? = nil) async throws {
        try await serialized {
            if needsSecondLabel(itemID), let first = log.expertLabelsByAnnotator[itemID]?.keys.first {
                throw EngineError.labeledByAnotherExpert(itemID: itemID, annotator: first)
            }
            guard let r = expertRound(of: itemID), awaitsExpert(itemID) else {
                throw EngineError.notInExpertQueue(itemID: itemID)
            }
            let why = reason.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
            try await append([Annotation(itemID: itemID, kind: .ignore, round: r, note: why)])
            returned.removeAll { $0 == itemID }
            try await releaseClaim(on: itemID)
        }
    }

    /// A free-text note on any item; an empty note clears it.
    public func note(itemID: Int64, text: String) async throws {
        try await serialized {
            guard items[itemID] != nil else { throw EngineError.unknownItem(itemID: itemID) }
            try await append([Annotation(itemID: itemID, kind: .note, round: log.current(itemID)?.round, note: text)])
        }
    }

    /// The expert judges an LLM label by giving their own: a different label is an override
    /// (an expert label from the next training on); the LLM's own label is an accept. Picking
    /// the LLM's label on an item already overridden takes the override back and accepts.
    @discardableResult
    public func override(itemID: Int64, label: String) async throws -> [Annotation] {
        try await serialized {
            guard classIndex[label] != nil else { throw EngineError.unknownLabel(label) }
            guard let current = log.current(itemID), let llmLabel = current.llmLabel else { throw EngineError.noLLMLabel(itemID: itemID) }
            if label == llmLabel {
                let takeBack = current.source == .override ? [Annotation.undo(current.event)] : []
                return try await append(takeBack + [accept(current)])
            }
            if current.source == .override, current.label == label { return [] }
            let r = labelingRound ?? rounds.keys.max() ?? 1
            return try await append([.label(label, itemID: itemID, source: .override, round: r)])
        }
    }

    /// The expert keeps LLM labels as they are. Several items are one action (one undo).
    @discardableResult
    public func accept(itemIDs: [Int64]) async throws -> [Annotation] {
        try await serialized { try await acceptInTurn(itemIDs) }
    }

    private func acceptInTurn(_ itemIDs: [Int64]) async throws -> [Annotation] {
        let batch = itemIDs.count > 1 ? log.lastID + 1 : nil
        var events = [Annotation]()
        for id in itemIDs {
            guard let current = log.current(id), current.llm != nil else { throw EngineError.noLLMLabel(itemID: id) }
            guard current.source == .llm, current.review == nil else { continue }
            var event = accept(current)
            event.batch = batch
            events.append(event)
        }
        return events.isEmpty ? [] : try await append(events)
    }

    private func accept(_ current: CurrentLabel) -> Annotation {
        Annotation(itemID: current.itemID, kind: .accept, label: current.llmLabel, round: current.round)
    }

    /// Unreviewed LLM labels in force, by item.
    private var unreviewedLLMLabels: [CurrentLabel] {
        log.currentLabels.values.filter { $0.source == .llm && $0.review == nil }.sorted { $0.itemID < $1.itemID }
    }

    /// What `bulkAccept(minConfidence:)` would accept.
    public func bulkAcceptPreview(minConfidence: Double) -> BulkAcceptPreview {
        let open = unreviewedLLMLabels
        return BulkAcceptPreview(
            matching: open.count { ($0.confidence ?? -1) >= minConfidence }, unreviewed: open.count,
            withoutConfidence: open.count { $0.confidence == nil })
    }

    /// Accepts every unreviewed LLM label whose confidence is at least `minConfidence`, as one
    /// action. Labels without a confidence are never accepted this way.
    /// - Returns: how many were accepted.
    public func bulkAccept(minConfidence: Double) async throws -> Int {
        try await serialized {
            try await acceptInTurn(unreviewedLLMLabels.filter { ($0.confidence ?? -1) >= minConfidence }.map(\.itemID)).count
        }
    }

    /// Takes back the latest action of `scope` still in force, by appending undo events
    /// (nothing is deleted). An expert label of any round can be taken back: its item waits for
    /// the expert again, first in line; if its round was already trained, the change counts
    /// from the next retrain on.
    public func undo(_ scope: UndoScope) async throws -> UndoOutcome {
        try await serialized {
            // Each expert undoes their own actions, never another expert's on a shared session.
            let targets = log.lastUndoable(scope, by: configuration.annotator)
            guard !targets.isEmpty else { throw EngineError.nothingToUndo }
            let batch = targets.count > 1 ? log.lastID + 1 : nil
            try await append(targets.map { Annotation.undo($0, batch: batch) })
            if scope == .expertLabel, let item = targets.first?.itemID { returned.insert(item, at: 0) }
            let trained = targets.contains { t in t.round.flatMap { rounds[$0] }.map { $0.status != .labeling } ?? false }
            return UndoOutcome(undone: targets, afterTraining: trained)
        }
    }

    /// Items the experts labeled differently, not yet settled, with each expert's label.
    public func disputes() -> [(itemID: Int64, labels: [String: String])] {
        log.disputedItems.map { ($0, log.expertLabelsByAnnotator[$0] ?? [:]) }
    }

    /// An adjudicator settles an item the experts labeled differently: `label` is what it
    /// trains on from the next retrain, every expert's label stays in the log, and Review's
    /// undo takes the decision back.
    /// - Throws: `EngineError.notAnAdjudicator` unless this engine's expert is one of
    ///   `[team] adjudicators`; `.notDisputed` when the experts agree on the item.
    @discardableResult
    public func adjudicate(itemID: Int64, label: String) async throws -> Annotation {
        try await serialized {
            guard classIndex[label] != nil else { throw EngineError.unknownLabel(label) }
            guard configuration.adjudicators.contains(configuration.annotator) else {
                throw EngineError.notAnAdjudicator(name: configuration.annotator, adjudicators: configuration.adjudicators)
            }
            guard let current = log.current(itemID), current.disputed else { throw EngineError.notDisputed(itemID: itemID) }
            return try await append([Annotation(itemID: itemID, kind: .accept, label: label, round: current.round)])[0]
        }
    }

    /// The label in force for an item, with its LLM label and review.
    public func currentLabel(_ itemID: Int64) -> CurrentLabel? { log.current(itemID) }

    /// First-hand expert labels in force in the session (every round, every sitting).
    public var expertLabelCount: Int { log.expertLabelCount }

    /// The latest classifier's most probable label for an item and its probability
    /// (max_c p(c|x)); nil before the first round is trained.
    public func prediction(for itemID: Int64) -> ClassPrediction? {
        guard let r = models.keys.max() else { return nil }
        return prediction(for: itemID, by: r)
    }

    /// The prediction of the classifier trained at the end of round `r`.
    func prediction(for itemID: Int64, by r: Int) -> ClassPrediction? {
        models[r].flatMap { prediction(for: itemID, by: $0) }
    }

    /// An item's id in the imported file, which the expert knows it by.
    public func key(of itemID: Int64) -> String? { items[itemID]?.key }

    /// An item's text.
    public func text(of itemID: Int64) -> String? { items[itemID]?.text }

    /// Whether this engine's expert may settle disagreements (`[team] adjudicators`).
    public var isAdjudicator: Bool { configuration.adjudicators.contains(configuration.annotator) }

    /// This engine's expert and the session's adjudicators, for messages.
    public var team: (annotator: String, adjudicators: [String]) { (configuration.annotator, configuration.adjudicators) }

    func prediction(for itemID: Int64, by model: any Classifier) -> ClassPrediction? {
        guard let row = vectorRow[itemID] else { return nil }
        let p = model.predictProbabilities(vectors.rows([row]))
        guard p.cols == configuration.labels.count, p.cols > 0 else { return nil }
        let best = (0 ..< p.cols).max { p[0, $0] < p[0, $1] }!
        return ClassPrediction(label: configuration.labels[best], confidence: Double(p[0, best]),
                               probabilities: Dictionary(uniqueKeysWithValues: configuration.labels.enumerated().map { ($1, Double(p[0, $0])) }))
    }

    /// Whether an item belongs to the evaluation sample (its label measures F1 only).
    public func isEvaluationItem(_ itemID: Int64) -> Bool { evaluation.contains(itemID) }

    /// Unlabeled items left in the queues of the round the expert is working on (nil when no
    /// round is open).
    public func currentQueueSizes() -> QueueSizes? { expertRound.map(queueSizes) }

    /// What the engine is doing, for a status line: the open rounds' queues, LLM calls in
    /// flight, a pause, and whether the session is finished.
    public func progress() -> EngineProgress {
        var progress = EngineProgress(
            rounds: openRounds.map { r in
                EngineProgress.Round(
                    round: r, expertWaiting: expertPending(r).count, expertTotal: rounds[r]?.human ?? 0,
                    llmWaiting: pending(r, .llm).count, llmTotal: rounds[r]?.llm ?? 0,
                    llmInFlight: llm.inFlight.values.filter { $0 == r }.count,
                    training: rounds[r]?.status == .training)
            },
            scheduledRounds: configuration.schedule.rounds.count,
            finishedRounds: rounds.values.filter { $0.status == .finished }.count,
            llmPausedUntil: llm.pauseEnds.map { Date().addingTimeInterval(($0 - .now).seconds) }, llmRetrying: llm.probing,
            finished: running && openRounds.isEmpty && roundToSelect() == nil)
        progress.heldByOthers = heldByOthers
        if case .following(let engine) = role {
            progress.leader = engine ?? ""
            progress.finished = !rounds.isEmpty && rounds.count >= configuration.schedule.rounds.count && openRounds.isEmpty
        }
        return progress
    }

    /// The metrics of every finished round.
    public func roundMetrics() async throws -> [RoundMetrics] { try await store.metrics() }

    /// Whether LLM labeling is paused after repeated failures.
    public var isLLMPaused: Bool { llm.pauseEnds != nil || llm.probing }

    /// The `k` expert-labeled pool items retrieved for `itemID`, most similar first: the
    /// few-shot examples an LLM prompt for the item gets, and what the UI shows beside it.
    /// They come from an index over the expert-labeled items, as `configuration.retrieval`
    /// says (most similar or random, label-diverse or not); ties go to the lower item id.
    /// - Parameter round: only expert labels given in rounds ≤ `round` (an LLM item of round r
    ///   is asked with the examples its round had, whatever later rounds added since).
    public func neighbours(of itemID: Int64, k: Int, round: Int? = nil) -> [LabeledExample] {
        guard let row = vectorRow[itemID], k > 0 else { return [] }
        let labeled = log.labeledItems.filter { id in
            guard id != itemID, items[id]?.split == .pool, let current = log.current(id),
                  current.source.fidelity == .human else { return false }
            return round.map { (current.event.round ?? 0) <= $0 } ?? true
        }
        guard !labeled.isEmpty else { return [] }
        let retrieval = configuration.retrieval
        let index = retrieval.index(over: vectors.rows(labeled.map { vectorRow[$0]! }))
        // The index holds rows of the engine's own vectors: the dimensions always fit.
        let hits = try! retrieval.examples(
            for: vectors.row(row), k: k, in: index, rowLabels: labeled.map { log.label($0)! },
            labelSet: configuration.labels)
        return hits.map { hit in
            let id = labeled[hit.row]
            let current = log.current(id)!
            return LabeledExample(itemID: id, text: items[id]!.text, label: current.label,
                                  source: current.source, similarity: Double(hit.score))
        }
    }
}

/// A classifier's guess for an item.
public struct ClassPrediction: Sendable, Equatable {
    public var label: String
    /// max_c p(c|x).
    public var confidence: Double
    /// p(c|x) per label.
    public var probabilities: [String: Double]
}
