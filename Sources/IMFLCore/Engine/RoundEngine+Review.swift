import IMFLNumerics

/// Orders of the review list.
public enum ReviewOrder: String, Sendable, CaseIterable, Codable {
    /// Least sure first: the LLM's probability of its label, or, where the endpoint gave none,
    /// the classifier's probability of that label.
    case lowestConfidence = "lowest-confidence"
    /// LLM labels that a classifier not trained on them disagrees with first, most confident
    /// disagreement first.
    case disagreement
    /// Grouped by k-means cluster, least sure first within a cluster.
    case cluster
}

/// One LLM label as the Review screen lists it.
public struct ReviewRow: Sendable, Equatable {
    public var itemID: Int64
    /// The item's id in the imported file.
    public var key: String?
    public var text: String
    /// The round that queued the item.
    public var round: Int
    public var llmLabel: String
    /// The LLM's probability of its label; nil when the endpoint gave no log-probabilities.
    public var llmConfidence: Double?
    /// The guess of a classifier trained on the expert's labels alone, never on an LLM label:
    /// the round's classifier learned from this very label and almost always agrees with it,
    /// which would leave the disagreement order empty. Nil before the expert's first label.
    public var prediction: ClassPrediction?
    public var cluster: Int
    /// The label in force and its source (`override` once the expert replaced the LLM's).
    public var label: String
    public var source: LabelSource
    public var review: CurrentLabel.Review?
    /// The examples the LLM's prompt carried, with the labels they had then, most similar
    /// first; empty when the log does not record them (labels from before it did).
    public var examples: [LabeledExample]
    public var note: String?

    /// How sure the label is, for ordering: the LLM's confidence, else the classifier's
    /// probability of the LLM's label.
    public var sureness: Double? { llmConfidence ?? prediction?.probabilities[llmLabel] }
}

/// The Review screen's list: the engine replays the log, clusters off the actor and orders.
extension RoundEngine {
    /// Every LLM label in force (overridden ones included) in `order`.
    /// - Parameters:
    ///   - unreviewedOnly: only the labels the expert has not judged yet.
    ///   - round: only the labels of that round's LLM queue; nil: every round's.
    ///   - window: the positions of the ordered list whose `examples` are filled (the screen's
    ///     page); the other rows carry none, since ordering never needs them. Nil fills all.
    public func reviewRows(order: ReviewOrder, unreviewedOnly: Bool = false, round: Int? = nil, window: Range<Int>? = nil) async -> [ReviewRow] {
        let labeled = log.currentLabels.values.filter { c in
            c.llm != nil && (!unreviewedOnly || c.review == nil) && (round == nil || c.llm?.round == round)
        }
        let clusters = await clustersOfLLMLabels()
        let judge = await expertJudge()
        var rows = labeled.compactMap { row(for: $0, clusters: clusters, judge: judge) }
        func sure(_ row: ReviewRow) -> Double { row.sureness ?? 2 }
        switch order {
        case .lowestConfidence:
            rows.sort { (sure($0), $0.itemID) < (sure($1), $1.itemID) }
        case .disagreement:
            func key(_ row: ReviewRow) -> (Int, Double, Int64) {
                guard let p = row.prediction else { return (1, 0, row.itemID) }
                return (p.label == row.label ? 1 : 0, -p.confidence, row.itemID)
            }
            rows.sort { key($0) < key($1) }
        case .cluster:
            rows.sort { ($0.cluster, sure($0), $0.itemID) < ($1.cluster, sure($1), $1.itemID) }
        }
        for i in window.map({ $0.clamped(to: rows.indices) }) ?? rows.indices {
            rows[i].examples = log.current(rows[i].itemID)?.llm.map(examples(seenBy:)) ?? []
        }
        return rows
    }

    /// One item's row, with its examples (after an accept or override, the screen refreshes
    /// that row alone); nil when the item has no LLM label.
    public func reviewRow(_ itemID: Int64) async -> ReviewRow? {
        guard let current = log.current(itemID), let llm = current.llm else { return nil }
        var row = row(for: current, clusters: await clustersOfLLMLabels(), judge: await expertJudge())
        row?.examples = examples(seenBy: llm)
        return row
    }

    /// The row of one LLM-labeled item, without its examples.
    private func row(for current: CurrentLabel, clusters: [Int64: Int], judge: (any Classifier)?) -> ReviewRow? {
        guard let llm = current.llm, let llmLabel = llm.label, let item = items[current.itemID] else { return nil }
        return ReviewRow(
            itemID: item.id, key: item.key, text: item.text, round: current.round ?? llm.round ?? 1, llmLabel: llmLabel,
            llmConfidence: llm.confidence, prediction: judge.flatMap { prediction(for: item.id, by: $0) },
            cluster: clusters[item.id] ?? 0, label: current.label, source: current.source, review: current.review,
            examples: [], note: log.note(item.id))
    }

    /// The examples an LLM label's prompt carried, most similar first, with the label each had
    /// when the prompt was built.
    func examples(seenBy llm: Annotation) -> [LabeledExample] {
        guard let ids = llm.examples, let at = llm.id, let row = vectorRow[llm.itemID] else { return [] }
        return ids.reversed().compactMap { id in
            guard let item = items[id], let then = log.label(of: id, before: at), let r = vectorRow[id] else { return nil }
            return LabeledExample(itemID: id, text: item.text, label: then.label, source: then.source,
                                  similarity: Double(zip(vectors.row(row), vectors.row(r)).reduce(0) { $0 + $1.0 * $1.1 }))
        }
    }

    /// The expert-only classifier, refitted when the log has grown since.
    private func expertJudge() async -> (any Classifier)? {
        if let j = reviewJudge, j.lastID == log.lastID { return j.model }
        let model = try? await expertOnlyModel(round: rounds.keys.max() ?? 1)
        reviewJudge = (log.lastID, model)
        return model
    }

    /// k-means clusters of the LLM-labeled items (k = twice the label count), so Review can
    /// show similar items together; computed off the actor, again only when the set grows.
    private func clustersOfLLMLabels() async -> [Int64: Int] {
        let ids = log.currentLabels.values.filter { $0.llm != nil }.map(\.itemID).sorted()
        if let cached = reviewClusters, cached.count == ids.count { return cached.clusters }
        let rows = ids.compactMap { vectorRow[$0] }
        guard rows.count == ids.count, !ids.isEmpty else { return [:] }
        let assignments = await Self.cluster(vectors.rows(rows), k: 2 * configuration.labels.count)
        let clusters = Dictionary(uniqueKeysWithValues: zip(ids, assignments))
        reviewClusters = (ids.count, clusters)
        return clusters
    }

    @concurrent static func cluster(_ vectors: Matrix, k: Int) async -> [Int] {
        KMeans.fit(vectors, k: k, seed: 1).assignments
    }
}

/// The session's figures for the dashboard, each counted once, from the log.
public struct SessionDashboard: Sendable, Equatable {
    /// Labels in force per round.
    public struct RoundUse: Sendable, Equatable {
        /// First-hand expert labels of the round's expert queue and evaluation share.
        public var expert = 0
        /// LLM labels the round's LLM queue got (kept when the expert overrode them).
        public var llm = 0
    }

    public var metrics: [RoundMetrics]
    public var used: [Int: RoundUse]
    /// The round the expert is working on.
    public var currentRound: Int
    /// First-hand expert labels in force.
    public var expertLabels: Int
    /// LLM labels the expert replaced.
    public var overrides: Int
    /// LLM labels the expert judged one by one, and how many of them were kept.
    public var agreement: Agreement
    public var llmCalls: LLMCallTotals
    /// The live estimate of the LLM's accuracy from every shadow label so far.
    public var llmEstimate: LLMAccuracyEstimate?
    /// Whether the session asks for shadow labels at all.
    public var shadowLabelsOn: Bool
    /// The experts' agreement on items more than one of them labeled; nil when none is shared.
    public var team: TeamAgreement? = nil
    /// The LLM's labels against each expert's own, by expert name.
    public var llmByExpert: [String: LLMExpertAgreement] = [:]

    public struct Agreement: Sendable, Equatable {
        public var compared: Int
        public var agreed: Int
    }
}

extension RoundEngine {
    /// Everything the dashboard shows, from the log and the store, in one call.
    public func dashboard() async throws -> SessionDashboard {
        var used = [Int: SessionDashboard.RoundUse]()
        for current in log.currentLabels.values {
            if current.source == .human { used[current.event.round ?? 0, default: .init()].expert += 1 }
            if let llm = current.llm { used[llm.round ?? 0, default: .init()].llm += 1 }
        }
        let judged = log.judgedLLMLabels()
        let metrics = try await store.metrics()
        let team = log.teamAgreement(labels: configuration.labels)
        return SessionDashboard(
            metrics: metrics, used: used,
            currentRound: currentQueueSizes()?.round ?? min(configuration.schedule.rounds.count, metrics.count + 1),
            expertLabels: log.expertLabelCount,
            overrides: log.currentLabels.values.count { $0.source == .override },
            agreement: .init(compared: judged.count, agreed: judged.count { $0.llm == $0.expert }),
            llmCalls: try await store.llmCallTotals(), llmEstimate: llmEstimate(),
            shadowLabelsOn: configuration.shadowShare > 0,
            team: team.sharedItems > 0 ? team : nil, llmByExpert: log.llmAgreementByExpert())
    }
}
