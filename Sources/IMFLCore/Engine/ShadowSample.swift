import IMFLNumerics

/// The shadow labels of a session (or of the log prefix a round trained on), paired with the
/// expert's labels in force on the same items: what the live estimate of the LLM's accuracy
/// and the `[learner] llm_labels` options read.
struct ShadowSample {
    /// The shadow items, in item order, and their pairs.
    var itemIDs: [Int64]
    var pairs: [ShadowPair]

    /// Every shadow label in force in `log` on a pool item whose label in force is the expert's
    /// (not a disputed one: experts who disagree give nothing sure to compare with).
    init(_ log: AnnotationLog, items: [Int64: EngineItem], classIndex: [String: Int]) {
        var ids = [Int64](), pairs = [ShadowPair]()
        for (id, shadow) in log.shadowLabels.sorted(by: { $0.key < $1.key }) where items[id]?.split == .pool {
            guard let current = log.current(id), current.source.fidelity == .human, !current.disputed,
                  let expert = classIndex[current.label], let answer = shadow.label, let llm = classIndex[answer] else { continue }
            ids.append(id)
            pairs.append(ShadowPair(llm: llm, confidence: shadow.confidence, expert: expert))
        }
        itemIDs = ids
        self.pairs = pairs
    }

    /// The estimate of the LLM's accuracy these pairs give.
    func estimate(classes: Int) -> LLMAccuracyEstimate {
        LLMAccuracyEstimate(shadow: pairs.map(\.llm), expert: pairs.map(\.expert), classes: classes)
    }

    /// Fills each pair's `classifier` with the prediction of a classifier trained on the
    /// expert labels of `data` without that item: k-fold (k = 5, or fewer with fewer shadow
    /// items), so that the classifier is judged on items it did not see, as the LLM is.
    /// - Parameter rowOfItem: the row of each item in `data` and in `vectors`.
    mutating func crossValidate(
        _ data: TrainingSet, rowOfItem: [Int64: Int], vectors: Matrix,
        makeClassifier: () -> any Classifier
    ) throws {
        let folds = min(5, pairs.count)
        guard folds > 0 else { return }
        let expertRows = data.fidelities.indices.filter { data.fidelities[$0] == .human }
        for fold in 0 ..< folds {
            let held = pairs.indices.filter { $0 % folds == fold && rowOfItem[itemIDs[$0]] != nil }
            let heldItems = Set(held.map { itemIDs[$0] })
            let heldRows = Set(heldItems.compactMap { rowOfItem[$0] })
            let train = expertRows.filter { !heldRows.contains($0) }
            guard !train.isEmpty else { continue }
            var model = makeClassifier()
            try model.fit(data.subset(rows: train))
            let predicted = model.predict(vectors.rows(held.map { rowOfItem[itemIDs[$0]]! }))
            for (i, p) in zip(held, predicted) { pairs[i].classifier = p }
        }
    }
}

/// What a round trains on, decided in one place for the engine and for `SessionModel`, so an
/// exported model is the one the session trained.
struct RoundTraining {
    var data: TrainingSet
    var estimate: LLMAccuracyEstimate?
    var report: LLMLabelReport?

    /// The labels in force of `log` (a round's prefix), with the session's `llm_labels` option
    /// applied using the prefix's shadow labels.
    static func make(
        _ log: AnnotationLog, items: [Int64: EngineItem], classIndex: [String: Int], vectorRow: [Int64: Int],
        vectors: Matrix, configuration: EngineConfiguration
    ) throws -> RoundTraining {
        let (all, trainingItems) = TrainingSet.labelsInForceWithItems(
            log, items: items, classIndex: classIndex, vectorRow: vectorRow, vectors: vectors)
        var sample = ShadowSample(log, items: items, classIndex: classIndex)
        let classes = configuration.labels.count
        let estimate = sample.pairs.isEmpty ? nil : sample.estimate(classes: classes)
        guard all.fidelities.contains(.llm) || !sample.pairs.isEmpty else { return RoundTraining(data: all) }
        if configuration.llmLabelUse == .auto, !sample.pairs.isEmpty {
            let rowOfTrainingItem = Dictionary(uniqueKeysWithValues: trainingItems.enumerated().map { ($1, $0) })
            try sample.crossValidate(all, rowOfItem: rowOfTrainingItem, vectors: all.features) {
                configuration.makeClassifier(classes, vectors.cols)
            }
        }
        let (data, report) = configuration.llmLabelUse.apply(to: all, shadow: sample.pairs, labels: configuration.labels)
        return RoundTraining(data: data, estimate: estimate, report: all.fidelities.contains(.llm) ? report : nil)
    }
}
