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
///     let engine = RoundEngine(store: db, embedder: minilm, annotator: llm, configuration: config)
///     async let loop: Void = engine.run()
///     for await event in engine.events { … }
public actor RoundEngine {
    public nonisolated let events: AsyncStream<EngineEvent>
    private let eventSink: AsyncStream<EngineEvent>.Continuation
    private let wakeStream: AsyncStream<Void>
    private let wakeSink: AsyncStream<Void>.Continuation

    private let store: any EngineStore
    private let embedder: any Embedder
    private let annotator: any Annotator
    private let configuration: EngineConfiguration
    private let search: any NeighbourSearch
    private let classIndex: [String: Int]

    private var items: [Int64: EngineItem] = [:]
    private var poolIDs: [Int64] = []
    private var testIDs: [Int64] = []
    /// Without a test file: the pool items held out for the expert to label, never trained on.
    private var evaluation = EvaluationSample(itemIDs: [], rounds: 1)
    private var vectorRow: [Int64: Int] = [:]
    private var vectors = Matrix(rows: 0, cols: 0)
    private var records: [AnnotationRecord] = []
    private var log = LabelLog()
    private var rounds: [Int: RoundRecord] = [:]
    private var queues: [Int: [QueueEntry]] = [:]
    private var models: [Int: any Classifier] = [:]
    private var running = false
    private var loaded = false
    private var llmPaused = false
    private var llmFailures = 0

    public init(
        store: any EngineStore, embedder: any Embedder, annotator: any Annotator,
        configuration: EngineConfiguration, search: any NeighbourSearch = CosineTopK()
    ) {
        self.store = store
        self.embedder = embedder
        self.annotator = annotator
        self.configuration = configuration
        self.search = search
        classIndex = Dictionary(configuration.labels.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        (events, eventSink) = AsyncStream.makeStream(of: EngineEvent.self, bufferingPolicy: .bufferingNewest(4096))
        (wakeStream, wakeSink) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    // MARK: - The service

    /// Runs the session until its last round is finished (or the pool is used up).
    /// - Throws: `CancellationError` when cancelled, store and embedder errors.
    public func run() async throws {
        guard !running else { throw EngineError.alreadyRunning }
        running = true
        defer { eventSink.finish() }
        try load()
        try await embedMissing()
        var wakes = wakeStream.makeAsyncIterator()
        while true {
            try Task.checkCancellation()
            switch phase() {
            case let .select(r):
                if try await select(round: r) == false { eventSink.yield(.finished); return }
            case let .label(r):
                try await label(round: r, wakes: &wakes)
            case let .train(r):
                try await train(round: r)
            case .done:
                eventSink.yield(.finished)
                return
            }
        }
    }

    private enum Phase { case select(Int), label(Int), train(Int), done }

    private func phase() -> Phase {
        guard let last = rounds.keys.max().flatMap({ rounds[$0] }) else { return .select(1) }
        switch last.status {
        case .labeling: return .label(last.round)
        case .training: return .train(last.round)
        case .finished: return last.round >= configuration.schedule.rounds.count ? .done : .select(last.round + 1)
        }
    }

    /// Reads the session back from the store.
    private func load() throws {
        let pool = try store.items(in: .pool), test = try store.items(in: .test)
        for item in pool + test { items[item.id] = item }
        poolIDs = pool.map(\.id)
        testIDs = test.filter { $0.gold.map { classIndex[$0] != nil } ?? false }.map(\.id)
        evaluation = EvaluationSample(testItems: test, rounds: configuration.schedule.rounds.count)
        records = try store.annotations()
        log = LabelLog(records)
        for r in try store.rounds() {
            rounds[r.round] = r
            queues[r.round] = try store.queue(round: r.round)
        }
        loaded = true
    }

    private func embedMissing() async throws {
        let all = poolIDs + items.values.filter { $0.split == .test }.map(\.id).sorted()
        let have = try store.itemIDsWithVectors(modelID: embedder.modelID)
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
            try store.saveVectors(m, for: ids, modelID: embedder.modelID)
            done += ids.count
            eventSink.yield(.embedding(done: done, total: missing.count))
        }
        vectors = try store.vectors(for: all, modelID: embedder.modelID)
        for (i, id) in all.enumerated() { vectorRow[id] = i }
    }

    // MARK: - Selection

    /// Fills the queues of round `r`. Returns false when the pool has nothing left to label.
    private func select(round r: Int) async throws -> Bool {
        guard let budget = configuration.schedule.budget(ofRound: r) else { return false }
        eventSink.yield(.selecting(round: r))
        let queued = Set(queues.values.joined().map(\.itemID))
        let candidates = poolIDs.filter { !queued.contains($0) && log.current($0) == nil }
        guard !candidates.isEmpty else { return false }
        let input = QueryInput(
            pool: vectors.rows(candidates.map { vectorRow[$0]! }),
            current: try await model(after: r - 1), previous: try await model(after: r - 2))
        let count = min(budget.total, candidates.count)
        let seed = configuration.seed &+ UInt64(r) &* 0x9E37_79B9_7F4A_7C15
        let ranked = await Self.rank(configuration.strategy, input, count: count, seed: seed)
        try Task.checkCancellation()
        let human = min(budget.human, ranked.count)
        let entries = ranked.enumerated().map { position, item in
            QueueEntry(round: r, itemID: candidates[item.index], fidelity: position < human ? .human : .llm, rank: position)
        }
        let record = RoundRecord(round: r, status: .labeling, human: human, llm: ranked.count - human)
        try store.beginRound(record, queue: entries)
        rounds[r] = record
        queues[r] = entries
        eventSink.yield(.roundStarted(round: r, expert: human, llm: ranked.count - human))
        eventSink.yield(.queues(queueSizes(r)))
        return true
    }

    /// The classifier trained at the end of round `r` (nil before round 1), rebuilt from the
    /// log prefix it was trained on when it is not in memory (after a restart).
    private func model(after r: Int) async throws -> (any Classifier)? {
        guard r >= 1, let record = rounds[r], let through = record.trainedThrough else { return nil }
        if let m = models[r] { return m }
        let (data, _) = trainingSet(through: through)
        let fitted = try await Self.fit(configuration.makeClassifier(configuration.labels.count, vectors.cols), data)
        models[r] = fitted
        return fitted
    }

    // MARK: - Labeling

    /// Waits for the round's labels: the LLM works through its queue here while the expert's
    /// labels arrive through `submit`.
    private func label(round r: Int, wakes: inout AsyncStream<Void>.Iterator) async throws {
        // Tells a UI attached to a resumed session what is waiting.
        eventSink.yield(.queues(queueSizes(r)))
        while true {
            try Task.checkCancellation()
            if isComplete(r) { break }
            let expertDone = pending(r, .human).isEmpty
            if !llmPaused, configuration.llmStart == .concurrent || expertDone, let entry = pending(r, .llm).first {
                try await annotate(entry)
            } else {
                _ = await wakes.next(isolation: #isolation)
            }
        }
        var record = rounds[r]!
        record.status = .training
        record.trainedThrough = records.last?.id ?? 0
        try store.updateRound(record)
        rounds[r] = record
    }

    private func annotate(_ entry: QueueEntry) async throws {
        let request = AnnotationRequest(
            itemID: entry.itemID, text: items[entry.itemID]!.text,
            examples: neighbours(of: entry.itemID, k: configuration.fewShot).reversed()
                .map { FewShotExample(text: $0.text, label: $0.label) })
        do {
            let answer = try await annotator.annotate(request)
            try Task.checkCancellation()
            guard classIndex[answer.label] != nil else { throw EngineError.unknownLabel(answer.label) }
            llmFailures = 0
            guard log.current(entry.itemID) == nil else { return }
            try append(NewAnnotation(itemID: entry.itemID, round: entry.round, label: answer.label,
                                     source: .llm, confidence: answer.confidence))
        } catch {
            if Task.isCancelled || error is CancellationError { throw CancellationError() }
            llmFailures += 1
            eventSink.yield(.llmError(itemID: entry.itemID, message: String(describing: error)))
            if llmFailures >= configuration.maxConsecutiveLLMFailures {
                llmPaused = true
                eventSink.yield(.llmPaused(reason: "\(llmFailures) LLM calls failed in a row: \(error)"))
            } else {
                try await Task.sleep(for: configuration.retryDelay * (1 << (llmFailures - 1)))
            }
        }
    }

    /// Queue entries of round `r` and fidelity `f` with no label in force, by rank.
    private func pending(_ r: Int, _ f: Fidelity) -> [QueueEntry] {
        (queues[r] ?? []).filter { $0.fidelity == f && log.current($0.itemID) == nil }
    }

    private func isComplete(_ r: Int) -> Bool {
        (queues[r] ?? []).allSatisfy { log.current($0.itemID) != nil } && evaluation.pending(byRound: r, log).isEmpty
    }

    private func queueSizes(_ r: Int) -> QueueSizes {
        QueueSizes(round: r, expert: pending(r, .human).count + evaluation.pending(byRound: r, log).count,
                   llm: pending(r, .llm).count)
    }

    private func append(_ annotation: NewAnnotation) throws {
        let record = try store.appendAnnotation(annotation)
        records.append(record)
        log.apply(record)
        if let label = annotation.label {
            eventSink.yield(.labeled(itemID: annotation.itemID, label: label, source: annotation.source))
        } else {
            eventSink.yield(.undone(itemID: annotation.itemID))
        }
        if let r = labelingRound { eventSink.yield(.queues(queueSizes(r))) }
        wakeSink.yield()
    }

    // MARK: - Training and evaluation

    private func train(round r: Int) async throws {
        eventSink.yield(.training(round: r))
        var record = rounds[r]!
        let through = record.trainedThrough ?? (records.last?.id ?? 0)
        let (data, prefix) = trainingSet(through: through)
        let scored = evaluation.scored(testIDs: testIDs, items: items, log: prefix, classIndex: classIndex)
        let test = vectors.rows(scored.ids.map { vectorRow[$0]! })
        let classifier = try await Self.fit(configuration.makeClassifier(configuration.labels.count, vectors.cols), data)
        let predicted = await Self.predict(classifier, test)
        try Task.checkCancellation()
        models[r] = classifier
        let gold = scored.gold
        let reviewed = prefix.reviewedLLMLabels()
        let metrics = RoundMetrics(
            round: r,
            evaluation: Evaluation(gold: gold, predicted: predicted, classes: configuration.labels.count),
            llmAgreement: LLMAgreement(llm: reviewed.map { classIndex[$0.llm]! },
                                       expert: reviewed.map { classIndex[$0.expert]! },
                                       classes: configuration.labels.count),
            humanLabels: data.fidelities.filter { $0 == .human }.count,
            llmLabels: data.fidelities.filter { $0 == .llm }.count)
        record.status = .finished
        record.trainedThrough = through
        try store.finishRound(record, metrics: metrics)
        rounds[r] = record
        eventSink.yield(.roundFinished(metrics))
    }

    /// Every pool label in force after replaying the log up to `through`, in item order.
    private func trainingSet(through: Int64) -> (TrainingSet, LabelLog) {
        let prefix = LabelLog(records.prefix { $0.id <= through })
        let data = TrainingSet.labelsInForce(prefix, items: items, classIndex: classIndex, vectorRow: vectorRow, vectors: vectors)
        return (data, prefix)
    }

    // MARK: - Work off the actor

    @concurrent private static func embed(_ embedder: any Embedder, _ texts: [String]) async throws -> Matrix {
        try embedder.embed(texts)
    }

    @concurrent private static func rank(
        _ strategy: any QueryStrategy, _ input: QueryInput, count: Int, seed: UInt64
    ) async -> [RankedItem] {
        strategy.select(input, count: count, seed: seed)
    }

    @concurrent private static func fit(_ classifier: any Classifier, _ data: TrainingSet) async throws -> any Classifier {
        var model = classifier
        if data.count > 0 { try model.fit(data) }
        return model
    }

    @concurrent private static func predict(_ classifier: any Classifier, _ features: Matrix) async -> [Int] {
        features.rows == 0 ? [] : classifier.predict(features)
    }

    // MARK: - Calls from the UI

    /// The round whose queues are open for labels, if any.
    private var labelingRound: Int? {
        rounds.values.filter { $0.status == .labeling }.map(\.round).max()
    }

    /// The next item waiting for the expert (highest ranked first), with its neighbours.
    /// - Parameter skipped: items the expert passed over, in the order skipped: they come
    ///   after every other waiting item, in that order.
    public func nextExpertItem(neighbours k: Int = 5, skipped: [Int64] = []) -> ExpertTask? {
        guard let r = labelingRound else { return nil }
        let query = pending(r, .human)
        let waiting = EvaluationSample.interleave(query: query.map(\.itemID), evaluation: evaluation.pending(byRound: r, log))
        let passedOver = Set(skipped)
        let next = waiting.first { !passedOver.contains($0) } ?? skipped.first { waiting.contains($0) }
        guard let id = next, let item = items[id] else { return nil }
        let entry = query.first { $0.itemID == id }
        return ExpertTask(itemID: item.id, text: item.text, round: r, rank: entry?.rank ?? -1,
                          neighbours: neighbours(of: item.id, k: k), purpose: entry == nil ? .evaluation : .query)
    }

    /// The latest classifier's most probable label for an item and its probability
    /// (max_c p(c|x)); nil before the first round is trained.
    public func prediction(for itemID: Int64) -> (label: String, confidence: Double)? {
        guard let model = models.keys.max().flatMap({ models[$0] }), let row = vectorRow[itemID] else { return nil }
        let p = model.predictProbabilities(vectors.rows([row]))
        guard p.cols == configuration.labels.count, p.cols > 0 else { return nil }
        let best = (0 ..< p.cols).max { p[0, $0] < p[0, $1] }!
        return (configuration.labels[best], Double(p[0, best]))
    }

    /// Whether an item belongs to the evaluation sample (its label measures F1 only).
    public func isEvaluationItem(_ itemID: Int64) -> Bool { evaluation.contains(itemID) }

    /// Unlabeled items left in the current round's queues (nil between rounds).
    public func currentQueueSizes() -> QueueSizes? { labelingRound.map(queueSizes) }

    /// The metrics of every finished round.
    public func roundMetrics() throws -> [RoundMetrics] { try store.metrics() }

    /// Whether LLM labeling waits for `resumeLLM()` after repeated failures.
    public var isLLMPaused: Bool { llmPaused }

    /// The `k` expert-labeled pool items most similar to `itemID`, most similar first: the
    /// few-shot examples an LLM prompt for the item gets, and what the UI shows beside it.
    public func neighbours(of itemID: Int64, k: Int) -> [LabeledNeighbour] {
        guard let row = vectorRow[itemID], k > 0 else { return [] }
        let labeled = log.labeledItems.filter { $0 != itemID && items[$0]?.split == .pool && log.hasExpertLabel($0) }
        guard !labeled.isEmpty else { return [] }
        let found = search.nearest(vectors.rows([row]), in: vectors.rows(labeled.map { vectorRow[$0]! }), k: k)[0]
        return found.map { hit in
            let id = labeled[hit.index]
            let record = log.current(id)!
            return LabeledNeighbour(itemID: id, text: items[id]!.text, label: record.annotation.label!,
                             source: record.annotation.source, similarity: hit.similarity)
        }
    }

    /// The expert labels an item of the current round's expert queue; committed to the store
    /// before this returns.
    /// - Throws: `EngineError` when the label is unknown, or the item is not waiting for the expert.
    public func submit(itemID: Int64, label: String) throws {
        guard classIndex[label] != nil else { throw EngineError.unknownLabel(label) }
        guard let r = labelingRound, queues[r]?.contains(where: { $0.itemID == itemID && $0.fidelity == .human }) == true
                || evaluation.due(byRound: r).contains(itemID)
        else { throw EngineError.notInExpertQueue(itemID: itemID) }
        guard log.current(itemID) == nil else { throw EngineError.alreadyLabeled(itemID: itemID) }
        try append(NewAnnotation(itemID: itemID, round: r, label: label, source: .human))
    }

    /// The expert replaces an LLM label (or confirms it by giving the same label). The override
    /// counts as an expert label from the next training on, and as a review of the LLM.
    public func override(itemID: Int64, label: String) throws {
        guard classIndex[label] != nil else { throw EngineError.unknownLabel(label) }
        guard log.llmLabel(itemID) != nil else { throw EngineError.noLLMLabel(itemID: itemID) }
        let r = labelingRound ?? rounds.keys.max() ?? 1
        try append(NewAnnotation(itemID: itemID, round: r, label: label, source: .override))
    }

    /// Takes back the expert's latest label still in force: a label of the round being labeled,
    /// or an override from any round. Appends an undo event; nothing is deleted.
    /// - Returns: the item whose label was taken back (it is waiting for the expert again).
    @discardableResult
    public func undo() throws -> Int64 {
        guard let target = log.latestExpertEvent() else { throw EngineError.nothingToUndo }
        let a = target.annotation
        if a.source == .human {
            guard let r = labelingRound, a.round == r else { throw EngineError.nothingToUndo }
        }
        let r = labelingRound ?? rounds.keys.max() ?? 1
        try append(NewAnnotation(itemID: a.itemID, round: r, label: nil, source: .human, undoes: target.id))
        return a.itemID
    }

    /// Lets LLM labeling continue after it paused on repeated failures.
    public func resumeLLM() {
        guard llmPaused else { return }
        llmPaused = false
        llmFailures = 0
        eventSink.yield(.llmResumed)
        wakeSink.yield()
    }
}
