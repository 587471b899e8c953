import Foundation
import IMFLNumerics

/// The IMFL round loop for one session.
///
/// `run()` is the long-running service: it embeds what is missing, then for every round of the
/// schedule selects items with the query strategy, fills the expert and LLM queues, has the LLM
/// label its queue with retrieved expert examples, retrains the classifier once all labels of
/// the round are in, evaluates it on the test split and stores everything. Returning ends the
/// session; cancelling the task that runs it stops the loop, and a new engine over the same
/// store resumes exactly where it stopped (everything it needs is in the store).
///
/// The UI calls `nextExpertItem()`, `submit`, `undo`, `override` at any time; they write to
/// the store and return at once. Embedding, k-means, training and LLM calls run off the actor,
/// so those calls never wait for them. Progress is published on `events`.
///
/// LLM calls run concurrently, up to `configuration.llmConcurrency` in flight (see
/// `RoundEngine+LLMQueue.swift`), and with the `overlapped` pipeline the expert labels round
/// r+1 while the LLM finishes round r, so the expert never waits on the LLM.
///
///     let engine = RoundEngine(store: db, embedder: minilm, annotator: llm, configuration: config)
///     async let loop: Void = engine.run()
///     for await event in engine.events { … }
public actor RoundEngine {
    public nonisolated let events: AsyncStream<EngineEvent>
    let eventSink: AsyncStream<EngineEvent>.Continuation
    private let wakeStream: AsyncStream<Void>
    let wakeSink: AsyncStream<Void>.Continuation

    let store: any EngineStore
    let embedder: any Embedder
    let annotator: any Annotator
    let configuration: EngineConfiguration
    let classIndex: [String: Int]

    var items: [Int64: EngineItem] = [:]
    var poolIDs: [Int64] = []
    private var testIDs: [Int64] = []
    /// Without a test file: the pool items held out for the expert to label, never trained on.
    var evaluation = EvaluationSample(itemIDs: [], rounds: 1)
    var vectorRow: [Int64: Int] = [:]
    var vectors = Matrix(rows: 0, cols: 0)
    /// The annotation log, replayed: the one source of every label, note, skip and review.
    var log = AnnotationLog()
    var rounds: [Int: RoundRecord] = [:]
    var queues: [Int: [QueueEntry]] = [:]
    /// The expert items of each round the LLM labels too (shadow labels), drawn once per round.
    var shadowQueues: [Int: [QueueEntry]] = [:]
    var models: [Int: any Classifier] = [:]
    /// Classifiers trained on the expert labels of rounds ≤ r, which rank the overlapped
    /// pipeline's early selections.
    private var expertModels: [Int: any Classifier] = [:]
    /// Set when the pool has nothing left to select: no round opens after the open ones.
    private var poolExhausted = false
    var running = false
    /// The LLM queue's state: calls in flight, failures, pauses.
    var llm = LLMQueueState()
    /// Items an undo gave back to the expert, latest first: shown before the queue's order.
    var returned: [Int64] = []
    /// k-means clusters of the LLM-labeled items for Review, and how many items they cover.
    var reviewClusters: (count: Int, clusters: [Int64: Int])?
    /// The classifier Review compares LLM labels with, and the log position it was fitted at.
    var reviewJudge: (lastID: Int64, model: (any Classifier)?)?
    /// Whose turn it is to write: see `serialized(_:)`.
    var writeTurns = WriteTurns()
    /// The store, when several processes share it (a shared session); nil for a folder.
    let shared: (any SharedEngineStore)?
    /// Whether this engine runs the rounds or follows the one that does (`serve()`).
    var role = EngineRole.alone
    /// Who holds this engine's claims on expert items: the expert's name and this engine's own
    /// mark, so that one expert in two terminals is two holders.
    let claimHolder: String
    /// The expert item this engine's expert was last handed (and holds a claim on).
    var claimed: Int64?
    /// Items waiting for the expert that other experts hold, when the last claim found none free.
    var heldByOthers = 0

    public init(
        store: any EngineStore, embedder: any Embedder, annotator: any Annotator,
        configuration: EngineConfiguration
    ) {
        self.store = store
        self.embedder = embedder
        self.annotator = annotator
        self.configuration = configuration
        shared = store as? any SharedEngineStore
        claimHolder = "\(configuration.annotator)#\(UUID().uuidString.prefix(8).lowercased())"
        classIndex = Dictionary(configuration.labels.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        (events, eventSink) = AsyncStream.makeStream(of: EngineEvent.self, bufferingPolicy: .bufferingNewest(4096))
        (wakeStream, wakeSink) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    // MARK: - The service

    /// Runs the session until its last round is finished (or the pool is used up).
    ///
    /// One loop decides what is next from the store's state, so a restarted engine picks up
    /// where the last one stopped: train a round whose labels are all in, open the next round
    /// when the pipeline allows, hand queued items to the LLM up to its concurrency, else wait
    /// for a label, an answer or a timer. LLM calls are child tasks of this one, so cancelling
    /// `run()` cancels them, and an answer that arrives is committed in its own transaction.
    /// - Throws: `CancellationError` when cancelled, store and embedder errors.
    public func run() async throws {
        guard !running else { throw EngineError.alreadyRunning }
        running = true
        defer { eventSink.finish() }
        try await load()
        try await embedMissing()
        var wakes = wakeStream.makeAsyncIterator()
        try await withThrowingDiscardingTaskGroup { group in
            for r in openRounds { eventSink.yield(.queues(queueSizes(r))) }
            while true {
                try Task.checkCancellation()
                if let r = roundToTrain() {
                    try await train(round: r)
                } else if let r = roundToSelect() {
                    if try await select(round: r) == false { poolExhausted = true }
                } else if openRounds.isEmpty {
                    group.cancelAll()
                    eventSink.yield(.finished)
                    return
                } else {
                    dispatchLLMCalls(into: &group)
                    _ = await wakes.next(isolation: #isolation)
                }
            }
        }
    }

    /// Rounds whose queues are filled and not yet trained, in order.
    var openRounds: [Int] {
        rounds.values.filter { $0.status != .finished }.map(\.round).sorted()
    }

    /// The earliest round that is ready to train: every item of its queue has a label in
    /// force (or it is already training after a restart), and every earlier round is finished.
    private func roundToTrain() -> Int? {
        guard let r = openRounds.first, let record = rounds[r] else { return nil }
        return record.status == .training || isComplete(r) ? r : nil
    }

    /// The round to select next, if the pipeline allows opening it now.
    func roundToSelect() -> Int? {
        let opened = rounds.keys.max() ?? 0
        guard !poolExhausted, opened < configuration.schedule.rounds.count else { return nil }
        guard let last = rounds[opened] else { return 1 }
        if last.status == .finished { return opened + 1 }
        // The expert is done with round r when every item of it is labeled or passed over.
        if overlapsAfter(opened), Set(expertPending(opened)).isSubset(of: log.skipOrder) { return opened + 1 }
        return nil
    }

    /// Whether round r+1 is selected while round r is still open: with the overlapped
    /// pipeline, when round r has expert items (their end is what opens the next round).
    private func overlapsAfter(_ r: Int) -> Bool {
        configuration.pipeline == .overlapped && (rounds[r]?.human ?? 0) > 0
    }

    /// Reads the session back from the store.
    func load() async throws {
        let pool = try await store.items(in: .pool), test = try await store.items(in: .test)
        for item in pool + test { items[item.id] = item }
        poolIDs = pool.map(\.id)
        testIDs = test.filter { $0.gold.map { classIndex[$0] != nil } ?? false }.map(\.id)
        evaluation = EvaluationSample(testItems: test, rounds: configuration.schedule.rounds.count)
        log = AnnotationLog(try await store.annotationLog())
        for r in try await store.rounds() {
            rounds[r.round] = r
            queues[r.round] = try await store.queue(round: r.round)
        }
    }

    private func embedMissing() async throws {
        let all = vectorItemIDs
        let have = try await store.itemIDsWithVectors(modelID: embedder.modelID)
        let missing = all.filter { !have.contains($0) }
        let batch = max(1, configuration.embeddingBatch)
        var done = 0
        if !missing.isEmpty { eventSink.yield(.embedding(done: 0, total: missing.count)) }
        for start in stride(from: 0, to: missing.count, by: batch) {
            try Task.checkCancellation()
            let ids = Array(missing[start ..< min(start + batch, missing.count)])
            let texts = ids.map { items[$0]!.text }
            let m = try await Self.embed(embedder, texts)
            guard m.cols == embedder.dimension, m.rows == ids.count else {
                throw EngineError.embedderDimension(expected: embedder.dimension, got: m.cols)
            }
            try await store.saveVectors(m, for: ids, modelID: embedder.modelID)
            done += ids.count
            eventSink.yield(.embedding(done: done, total: missing.count))
        }
        try await loadVectors(all)
    }

    /// Every item a vector is kept for, in the order of the engine's vector rows: the pool,
    /// then the test items by id.
    var vectorItemIDs: [Int64] { poolIDs + items.values.filter { $0.split == .test }.map(\.id).sorted() }

    /// Reads the stored vectors of `ids` into the engine's rows.
    func loadVectors(_ ids: [Int64]) async throws {
        vectors = try await store.vectors(for: ids, modelID: embedder.modelID)
        for (i, id) in ids.enumerated() { vectorRow[id] = i }
    }

    // MARK: - Selection

    /// Fills the queues of round `r`. Returns false when the pool has nothing left to label.
    private func select(round r: Int) async throws -> Bool {
        guard let budget = configuration.schedule.budget(ofRound: r) else { return false }
        eventSink.yield(.selecting(round: r))
        let queued = Set(queues.values.joined().map(\.itemID))
        let candidates = poolIDs.filter { !queued.contains($0) && log.current($0) == nil }
        guard !candidates.isEmpty else { return false }
        let early = overlapsAfter(r - 1)
        let input = QueryInput(
            pool: vectors.rows(candidates.map { vectorRow[$0]! }),
            current: early ? try await expertModel(through: r - 1) : try await model(after: r - 1),
            previous: early ? try await expertModel(through: r - 2) : try await model(after: r - 2))
        // LLM labels in doubt take places in this round's expert batch, never extra ones.
        let routed = r > 1 ? doubtfulLLMLabels(limit: routedPlaces(ofBatch: budget.human), judge: input.current) : []
        let count = min(budget.total - routed.count, candidates.count)
        let seed = configuration.seed &+ UInt64(r) &* 0x9E37_79B9_7F4A_7C15
        let ranked = await Self.rank(configuration.strategy, input, count: count, seed: seed)
        try Task.checkCancellation()
        let human = min(budget.human - routed.count, ranked.count)
        let selected = ranked.enumerated().map { position, item in
            QueueEntry(round: r, itemID: candidates[item.index], fidelity: position < human ? .human : .llm,
                       rank: position < human ? position : position + routed.count)
        }
        let entries = Array(selected.prefix(human)
            + routed.enumerated().map { QueueEntry(round: r, itemID: $1, fidelity: .human, rank: human + $0) }
            + selected.dropFirst(human))
        let record = RoundRecord(round: r, status: .labeling, human: human + routed.count, llm: ranked.count - human)
        try await serialized {
            try await store.beginRound(record, queue: entries)
            rounds[r] = record
            queues[r] = entries
        }
        eventSink.yield(.roundStarted(round: r, expert: record.human, llm: record.llm))
        eventSink.yield(.queues(queueSizes(r)))
        return true
    }

    /// The classifier trained at the end of round `r` (nil before round 1), rebuilt from the
    /// log prefix it was trained on when it is not in memory (after a restart).
    func model(after r: Int) async throws -> (any Classifier)? {
        guard r >= 1, let record = rounds[r], let through = record.trainedThrough else { return nil }
        if let m = models[r] { return m }
        let training = try await roundTraining(through: through, round: r)
        let fitted = try await Self.fit(configuration.makeClassifier(configuration.labels.count, vectors.cols), training.data)
        models[r] = fitted
        return fitted
    }

    /// A classifier trained on the expert labels (first-hand and overrides) in force that
    /// were given in rounds ≤ `r`; nil when there are none.
    private func expertModel(through r: Int) async throws -> (any Classifier)? {
        guard r >= 1 else { return nil }
        if let m = expertModels[r] { return m }
        let fitted = try await expertOnlyModel(round: r)
        expertModels[r] = fitted
        return fitted
    }

    /// A classifier fitted now on the expert labels in force of rounds ≤ `r`, and on nothing
    /// the LLM said; nil when there are none.
    func expertOnlyModel(round r: Int) async throws -> (any Classifier)? {
        var data = trainingSet(through: log.lastID, round: r).0
        let keep = data.fidelities.indices.filter { data.fidelities[$0] == .human }
        guard !keep.isEmpty else { return nil }
        data = TrainingSet(features: data.features.rows(keep), labels: keep.map { data.labels[$0] },
                           fidelities: keep.map { data.fidelities[$0] })
        return try await Self.fit(configuration.makeClassifier(configuration.labels.count, vectors.cols), data)
    }

    // MARK: - Queues

    /// Queue entries of round `r` and fidelity `f` with no label in force, by rank.
    func pending(_ r: Int, _ f: Fidelity) -> [QueueEntry] {
        (queues[r] ?? []).filter { $0.fidelity == f && (f == .human ? awaitsExpert($0.itemID) : !log.isSettled($0.itemID)) }
    }

    /// Whether an item of an expert queue still waits for the expert: it has no expert label
    /// in force and was not set aside. An LLM label routed to the expert for doubt
    /// (`RoundEngine+Routing.swift`) has a label in force and still waits.
    func awaitsExpert(_ itemID: Int64) -> Bool {
        !log.hasExpertLabel(itemID) && log.ignored[itemID] == nil
    }

    private func isComplete(_ r: Int) -> Bool {
        (queues[r] ?? []).allSatisfy { $0.fidelity == .human ? !awaitsExpert($0.itemID) : log.isSettled($0.itemID) }
            && evaluation.pending(byRound: r, log).isEmpty
            && pendingShadows(r).isEmpty
    }

    func queueSizes(_ r: Int) -> QueueSizes {
        QueueSizes(round: r, expert: expertPending(r).count, llm: pending(r, .llm).count)
    }

    /// Items of round `r` waiting for the expert: its expert queue and the evaluation items
    /// due by round `r`, interleaved.
    func expertPending(_ r: Int) -> [Int64] {
        EvaluationSample.interleave(query: pending(r, .human).map(\.itemID), evaluation: evaluation.pending(byRound: r, log))
    }

    /// Appends events in one transaction, replays them, and tells observers. Called inside
    /// `serialized(_:)`, with the checks that decided the events.
    @discardableResult
    func append(_ events: [Annotation]) async throws -> [Annotation] {
        let signed = events.map { event in
            var e = event
            if e.isExpertAction || e.kind == .undo { e.annotator = configuration.annotator }
            return e
        }
        let stored = try await store.append(contentsOf: signed)
        if shared != nil, let first = stored.first?.id, first > log.lastID + 1 {
            // Other processes appended in between: replay theirs and these in log order.
            replay(try await store.annotations(after: log.lastID))
        } else {
            replay(stored)
        }
        return stored
    }

    /// Applies events the store has appended (by this engine or, in a shared session, by
    /// another) to the replayed log, and tells observers.
    func replay(_ events: [Annotation]) {
        var touched = Set<Int>()
        for event in events where log.event(event.id ?? 0) == nil {
            log.apply(event)
            switch event.kind {
            case .label: eventSink.yield(.labeled(itemID: event.itemID, label: event.label ?? "", source: event.source ?? .human))
            case .undo: eventSink.yield(.undone(itemID: event.itemID))
            case .accept, .skip, .note, .ignore: break
            }
            if let r = queueRound(of: event.itemID) ?? labelingRound { touched.insert(r) }
        }
        for r in touched.sorted() { eventSink.yield(.queues(queueSizes(r))) }
        wakeSink.yield()
    }

    // MARK: - Training and evaluation

    private func train(round r: Int) async throws {
        var record = rounds[r]!
        if record.status == .labeling {
            record = try await serialized {
                var training = record
                training.status = .training
                training.trainedThrough = log.lastID
                try await store.updateRound(training)
                rounds[r] = training
                return training
            }
        }
        eventSink.yield(.training(round: r))
        let through = record.trainedThrough ?? log.lastID
        let prefix = log.prefix(through: through, round: r)
        let training = try await roundTraining(through: through, round: r)
        let data = training.data
        let scored = evaluation.scored(testIDs: testIDs, items: items, log: prefix, classIndex: classIndex)
        let test = vectors.rows(scored.ids.map { vectorRow[$0]! })
        let classifier = try await Self.fit(configuration.makeClassifier(configuration.labels.count, vectors.cols), data)
        let predicted = await Self.predict(classifier, test)
        try Task.checkCancellation()
        models[r] = classifier
        let gold = scored.gold
        let reviewed = prefix.judgedLLMLabels()
        let metrics = RoundMetrics(
            round: r,
            evaluation: Evaluation(gold: gold, predicted: predicted, classes: configuration.labels.count),
            llmAgreement: LLMAgreement(llm: reviewed.map { classIndex[$0.llm]! },
                                       expert: reviewed.map { classIndex[$0.expert]! },
                                       classes: configuration.labels.count),
            humanLabels: data.fidelities.filter { $0 == .human }.count,
            llmLabels: data.fidelities.filter { $0 == .llm }.count,
            llmEstimate: training.estimate, llmLabelUse: training.report)
        record.status = .finished
        record.trainedThrough = through
        let finished = record
        try await serialized {
            try await store.finishRound(finished, metrics: metrics)
            rounds[r] = finished
        }
        eventSink.yield(.roundFinished(metrics))
    }

    /// What the classifier of round `round` trains on: the labels in force of its log prefix,
    /// with the session's `llm_labels` option applied (fitted off the actor, since `auto`
    /// fits the cross-validated comparison classifiers).
    func roundTraining(through: Int64, round: Int) async throws -> RoundTraining {
        let prefix = log.prefix(through: through, round: round)
        return try await Self.makeTraining(prefix, items: items, classIndex: classIndex, vectorRow: vectorRow,
                                           vectors: vectors, configuration: configuration)
    }

    @concurrent static func makeTraining(
        _ log: AnnotationLog, items: [Int64: EngineItem], classIndex: [String: Int], vectorRow: [Int64: Int],
        vectors: Matrix, configuration: EngineConfiguration
    ) async throws -> RoundTraining {
        try RoundTraining.make(log, items: items, classIndex: classIndex, vectorRow: vectorRow, vectors: vectors,
                               configuration: configuration)
    }

    /// Every pool label in force after replaying the log up to `through`, counting only the
    /// events of rounds ≤ `round` (with the overlapped pipeline the expert may already be
    /// labeling later rounds; their labels belong to those rounds' classifiers), in item order.
    func trainingSet(through: Int64, round: Int) -> (TrainingSet, AnnotationLog) {
        let prefix = log.prefix(through: through, round: round)
        let data = TrainingSet.labelsInForce(prefix, items: items, classIndex: classIndex, vectorRow: vectorRow, vectors: vectors)
        return (data, prefix)
    }

    /// Runs `body` when no other write of this engine is under way, in the order asked.
    ///
    /// The store is asynchronous, so the actor can take another call while a write awaits
    /// it. A write checks the replayed log, appends, then applies what it appended; two of
    /// them interleaved could both pass their checks (two labels for one item) or apply
    /// events out of log order. Every write runs its check, its store call and its update of
    /// the engine's state inside one turn; reads never wait.
    /// - Parameter catchingUp: in a shared session, whether to read what other processes
    ///   appended first, so that the checks run on the log as it is now; a label of the item
    ///   this engine's expert holds the claim on needs no such read (no other expert labels it).
    func serialized<T>(catchingUp: Bool = true, _ body: () async throws -> T) async throws -> T {
        if !writeTurns.take() {
            await withCheckedContinuation { writeTurns.wait($0) }
        }
        defer { writeTurns.next() }
        if shared != nil, catchingUp { try await catchUp() }
        return try await body()
    }

    // MARK: - Work off the actor

    @concurrent static func embed(_ embedder: any Embedder, _ texts: [String]) async throws -> Matrix {
        try embedder.embed(texts)
    }

    @concurrent static func rank(
        _ strategy: any QueryStrategy, _ input: QueryInput, count: Int, seed: UInt64
    ) async -> [RankedItem] {
        strategy.select(input, count: count, seed: seed)
    }

    @concurrent static func fit(_ classifier: any Classifier, _ data: TrainingSet) async throws -> any Classifier {
        var model = classifier
        if data.count > 0 { try model.fit(data) }
        return model
    }

    @concurrent static func predict(_ classifier: any Classifier, _ features: Matrix) async -> [Int] {
        features.rows == 0 ? [] : classifier.predict(features)
    }
}
