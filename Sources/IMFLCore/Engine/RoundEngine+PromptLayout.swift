/// Which prompt each queued LLM item gets and when its call goes out, under the session's
/// ``PromptLayout``. The examples come from the `fewShot` most similar expert labels of the
/// item (``RoundEngine/neighbours(of:k:round:)``), or of the items of its group under
/// `groupExamples`; the layout decides which of them a prompt carries, in which order, and
/// the order of the calls.
extension RoundEngine {
    /// Round `r`'s waiting LLM items (`waiting`, in rank order) with their prompt examples,
    /// first to last, in the order their calls should go out.
    ///
    /// `similarity` keeps rank order and looks up each item's examples only when its call is
    /// started. The other layouts plan the round's whole LLM queue, answered items included,
    /// so that the canonical example order and the groups stay the same while the round
    /// drains; that costs a neighbour search per queued item, so they plan only when a call
    /// can start.
    func llmCalls(_ waiting: [QueueEntry], round r: Int) -> AnySequence<(QueueEntry, [LabeledExample])> {
        let k = configuration.fewShot
        let layout = configuration.promptLayout
        if layout == .similarity {
            return AnySequence(waiting.lazy.map { entry in
                let ranked = self.neighbours(of: entry.itemID, k: k, round: entry.round)
                return (entry, Array(ranked.reversed()))
            })
        }
        guard llm.inFlight.count < configuration.llmConcurrency, !waiting.isEmpty else { return AnySequence([]) }
        let queued = (queues[r] ?? []).filter { $0.fidelity == .llm }
        let ranked = queued.map { neighbours(of: $0.itemID, k: k, round: $0.round) }
        var examples: [Int64: LabeledExample] = [:]
        for neighbour in ranked.joined() where examples[neighbour.itemID] == nil {
            examples[neighbour.itemID] = neighbour
        }
        let plan = PromptPlan(ranked.map { $0.map(\.itemID) }, layout: layout)
        let isWaiting = Set(waiting.map(\.itemID))
        return AnySequence(plan.order.lazy.filter { isWaiting.contains(queued[$0].itemID) }.map { i in
            (queued[i], plan.examples[i].compactMap { examples[$0] })
        })
    }
}
