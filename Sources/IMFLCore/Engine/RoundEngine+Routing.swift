import IMFLNumerics

/// Routing by doubt (CoAnnotating, Li et al., EMNLP Findings 2023: send the items the LLM is
/// unsure of to humans): LLM labels that look wrong go back to the expert in the next round,
/// instead of on training the classifier. They take places in that round's expert batch, so
/// the schedule's expert budget is never exceeded; EEQ fills the rest of the batch.
///
/// An LLM label is in doubt when its confidence is below the cut the shadow labels give
/// (`LLMLabelUse.threshold`, when the endpoint reports confidence), or when the classifier
/// that ranks the round predicts another label. The most doubtful go first: those to which
/// the classifier gives the lowest probability. Only LLM labels of finished rounds that no
/// one reviewed are considered, so routing never races the LLM queue.
extension RoundEngine {
    /// Places of an expert batch of `human` items that LLM labels in doubt may take
    /// (`[llm] route_doubtful` of it, rounded down).
    func routedPlaces(ofBatch human: Int) -> Int {
        Self.routedPlaces(ofBatch: human, share: configuration.routeShare)
    }

    /// The places of an expert batch of `human` items that LLM labels in doubt may take at a
    /// share `share`; `imfl plan` prints the same figure.
    public static func routedPlaces(ofBatch human: Int, share: Double) -> Int {
        Int((Double(human) * min(1, max(0, share))).rounded(.down))
    }

    /// Up to `limit` items whose LLM label is in doubt, most doubtful first.
    /// - Parameter judge: the classifier that ranks the round (nil in round 1).
    func doubtfulLLMLabels(limit: Int, judge: (any Classifier)?) -> [Int64] {
        guard limit > 0 else { return [] }
        let finished = Set(rounds.values.filter { $0.status == .finished }.map(\.round))
        let expertQueued = Set(queues.values.joined().filter { $0.fidelity == .human }.map(\.itemID))
        let candidates = log.currentLabels.values.filter { c in
            c.source == .llm && c.review == nil && finished.contains(c.round ?? 0) && items[c.itemID]?.split == .pool
                && !expertQueued.contains(c.itemID) && vectorRow[c.itemID] != nil && classIndex[c.label] != nil
        }.sorted { $0.itemID < $1.itemID }
        guard !candidates.isEmpty else { return [] }
        let cut = LLMLabelUse.threshold(ShadowSample(log, items: items, classIndex: classIndex).pairs)
        let p = judge?.predictProbabilities(vectors.rows(candidates.map { vectorRow[$0.itemID]! }))
        var doubtful: [(id: Int64, support: Double)] = []
        for (i, c) in candidates.enumerated() {
            let y = classIndex[c.label]!
            let unsure = cut.map { (c.confidence ?? 1) < $0 } ?? false
            var support = 1.0, disagrees = false
            if let p {
                support = Double(p[i, y])
                disagrees = (0 ..< p.cols).contains { p[i, $0] > p[i, y] }
            }
            if unsure || disagrees { doubtful.append((c.itemID, support)) }
        }
        return doubtful.sorted { ($0.support, $0.id) < ($1.support, $1.id) }.prefix(limit).map(\.id)
    }
}
