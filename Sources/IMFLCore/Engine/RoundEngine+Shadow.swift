import IMFLNumerics

/// Shadow labels: the LLM also labels a seeded random share of each round's expert batch
/// (`[llm] shadow`), with prompts retrieved without the item itself. The answers are logged as
/// label events of source `shadow`: never trained on, never an item's label, not LLM labels in
/// Review or in the budget; compared with the expert's labels they estimate the LLM's accuracy
/// on the items the session selects, with no extra expert work (`LLMAccuracyEstimate`).
extension RoundEngine {
    /// The expert entries of round `r` that get a shadow label: round(share × expert batch)
    /// of them, at least one when the share is above 0, drawn with the session's seed and the
    /// round, so that a session replays identically.
    func shadowEntries(_ r: Int) -> [QueueEntry] {
        if let known = shadowQueues[r] { return known }
        let expert = (queues[r] ?? []).filter { $0.fidelity == .human }
        let share = configuration.shadowShare
        guard share > 0, !expert.isEmpty else { return [] }
        let count = min(expert.count, max(1, Int((Double(expert.count) * share).rounded())))
        var random = SeededGenerator(seed: configuration.seed ^ 0x5AD0_5AD0, stream: UInt64(r))
        let chosen = random.sample(count, from: expert.count).sorted().map { expert[$0] }
        if queues[r] != nil { shadowQueues[r] = chosen }
        return chosen
    }

    /// Shadow entries of round `r` without a shadow label in force, in rank order.
    func pendingShadows(_ r: Int) -> [QueueEntry] {
        shadowEntries(r).filter { log.shadowLabels[$0.itemID] == nil }
    }

    /// The live estimate of the LLM's accuracy from every shadow label so far (nil before the
    /// first one can be compared with an expert label).
    public func llmEstimate() -> LLMAccuracyEstimate? {
        let sample = ShadowSample(log, items: items, classIndex: classIndex)
        return sample.pairs.isEmpty ? nil : sample.estimate(classes: configuration.labels.count)
    }
}
