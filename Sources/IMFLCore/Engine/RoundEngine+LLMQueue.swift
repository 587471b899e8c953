import Foundation

/// The LLM queue's state inside the engine.
struct LLMQueueState: Sendable {
    /// Items with a call in flight, and the round each belongs to.
    var inFlight: [Int64: Int] = [:]
    /// Failed calls in a row (reset by any answer).
    var failures = 0
    /// No call is sent before this instant (backoff after a failure).
    var backoffUntil: ContinuousClock.Instant?
    /// Labeling is paused after repeated failures until this instant; then one trial call goes out.
    var pauseEnds: ContinuousClock.Instant?
    /// Pauses in a row without an answer in between (each doubles the next pause).
    var pauses = 0
    /// A trial call after a pause is in flight: nothing else is sent until it answers.
    var probing = false
    /// The trial call's item.
    var probe: Int64?
    /// A timer task is set to wake the loop at `backoffUntil` or `pauseEnds`.
    var timerSet: ContinuousClock.Instant?
}

/// The engine's LLM queue: queued items go to the annotator concurrently, up to the endpoint's
/// concurrency, earliest round first and within a round in the order of the session's prompt
/// layout (see `RoundEngine+PromptLayout.swift`); each answer is committed in its own
/// transaction the moment it arrives.
///
/// Failures back off (doubling `retryDelay`), and after `maxConsecutiveLLMFailures` in a row
/// labeling pauses for `llmPause`; the pause ends with one trial call (a half-open probe): its
/// answer resumes full concurrency, its failure pauses again for twice as long (at most 8×).
/// `resumeLLM()` ends a pause at once. The expert is never blocked by any of this.
extension RoundEngine {
    /// Whether the LLM may start on round `r`'s queue: at once (`LLMStart.concurrent`), or once
    /// the round's expert items are labeled, so that its prompts carry them (the paper's order).
    private func llmMayStart(_ r: Int) -> Bool {
        configuration.llmStart == .concurrent || pending(r, .human).isEmpty
    }

    /// Starts calls for queued items until `llmConcurrency` are in flight (one while probing
    /// after a pause), and sets a timer when a backoff or pause holds them back.
    func dispatchLLMCalls(into group: inout ThrowingDiscardingTaskGroup<any Error>) {
        let clock = ContinuousClock()
        if let until = llm.pauseEnds {
            guard clock.now >= until else { return setTimer(until, in: &group) }
            llm.pauseEnds = nil
            llm.probing = true
            eventSink.yield(.llmRetrying)
        }
        if let until = llm.backoffUntil {
            guard clock.now >= until else { return setTimer(until, in: &group) }
            llm.backoffUntil = nil
        }
        let limit = llm.probing ? 1 : configuration.llmConcurrency
        for r in openRounds where rounds[r]?.status == .labeling && llmMayStart(r) {
            // Shadow labels first, so the round's estimate is in as soon as it can be.
            for entry in pendingShadows(r) where llm.inFlight[entry.itemID] == nil {
                guard llm.inFlight.count < limit else { return }
                if llm.probing { llm.probe = entry.itemID }
                let examples = neighbours(of: entry.itemID, k: configuration.fewShot, round: entry.round)
                startCall(entry, examples: Array(examples.reversed()), in: &group)
            }
            for (entry, examples) in llmCalls(pending(r, .llm), round: r) where llm.inFlight[entry.itemID] == nil {
                guard llm.inFlight.count < limit else { return }
                if llm.probing { llm.probe = entry.itemID }
                startCall(entry, examples: examples, in: &group)
            }
        }
    }

    /// - Parameter entry: an LLM queue entry, or an expert entry for a shadow label (whose
    ///   examples never include the item itself: `neighbours(of:)` leaves it out).
    /// - Parameter examples: the prompt's examples in the prompt's order (most similar last
    ///   under the default layout); their ids are stored with the answer.
    private func startCall(
        _ entry: QueueEntry, examples: [LabeledExample], in group: inout ThrowingDiscardingTaskGroup<any Error>
    ) {
        let request = AnnotationRequest(
            itemID: entry.itemID, text: items[entry.itemID]!.text,
            examples: examples.map { FewShotExample(text: $0.text, label: $0.label) })
        let exampleIDs = examples.map(\.itemID)
        llm.inFlight[entry.itemID] = entry.round
        eventSink.yield(.llmCalls(round: entry.round, inFlight: inFlightCount(entry.round)))
        let annotator = annotator
        group.addTask {
            let result: Result<AnnotationAnswer, any Error>
            do { result = .success(try await annotator.annotate(request)) } catch { result = .failure(error) }
            try await self.finishCall(entry, result, examples: exampleIDs)
        }
    }

    private func inFlightCount(_ r: Int) -> Int { llm.inFlight.values.filter { $0 == r }.count }

    /// Commits an answer (unless the item got a label meanwhile, e.g. the expert's), or counts
    /// a failure. A cancelled call writes nothing.
    private func finishCall(_ entry: QueueEntry, _ result: Result<AnnotationAnswer, any Error>, examples: [Int64]) async throws {
        try await serialized { try await finishCallInTurn(entry, result, examples: examples) }
    }

    private func finishCallInTurn(_ entry: QueueEntry, _ result: Result<AnnotationAnswer, any Error>, examples: [Int64]) async throws {
        llm.inFlight[entry.itemID] = nil
        eventSink.yield(.llmCalls(round: entry.round, inFlight: inFlightCount(entry.round)))
        defer { wakeSink.yield() }
        try Task.checkCancellation()
        switch result {
        case .success(let answer):
            guard classIndex[answer.label] != nil else { return failed(entry, EngineError.unknownLabel(answer.label)) }
            let resumed = llm.pauses > 0
            llm = LLMQueueState(inFlight: llm.inFlight, timerSet: llm.timerSet)
            if resumed { eventSink.yield(.llmResumed) }
            guard rounds[entry.round]?.status == .labeling else { return }
            if entry.fidelity == .human {
                guard log.shadowLabels[entry.itemID] == nil else { return }
                try await append([.label(answer.label, itemID: entry.itemID, source: .shadow, round: entry.round,
                                   confidence: answer.confidence, examples: examples, promptHash: answer.promptHash)])
                return
            }
            guard log.current(entry.itemID) == nil else { return }
            // The label records what its prompt carried, so Review can show what the LLM saw.
            try await append([.label(answer.label, itemID: entry.itemID, source: .llm, round: entry.round,
                               confidence: answer.confidence, examples: examples, promptHash: answer.promptHash)])
        case .failure(let error):
            if error is CancellationError { throw error }
            failed(entry, error)
        }
    }

    private func failed(_ entry: QueueEntry, _ error: any Error) {
        eventSink.yield(.llmError(itemID: entry.itemID, message: String(describing: error)))
        let wasProbe = llm.probe == entry.itemID
        if wasProbe { llm.probe = nil }
        // Calls that were already in flight when labeling paused say nothing new.
        guard wasProbe || (llm.pauseEnds == nil && !llm.probing) else { return }
        llm.failures += 1
        let clock = ContinuousClock()
        if wasProbe || llm.failures >= configuration.maxConsecutiveLLMFailures {
            llm.probing = false
            let pause = configuration.llmPause * (1 << min(llm.pauses, 3))
            llm.pauses += 1
            llm.pauseEnds = clock.now + pause
            let until = Date().addingTimeInterval(pause.seconds)
            eventSink.yield(.llmPaused(
                reason: "\(llm.failures) LLM call\(llm.failures == 1 ? "" : "s") failed in a row: \(error)", retryAt: until))
        } else {
            let delay = configuration.retryDelay * (1 << min(llm.failures - 1, 6))
            llm.backoffUntil = max(llm.backoffUntil ?? clock.now, clock.now + delay)
        }
    }

    /// Wakes the loop at `instant` (one timer at a time, the earliest).
    private func setTimer(_ instant: ContinuousClock.Instant, in group: inout ThrowingDiscardingTaskGroup<any Error>) {
        if let set = llm.timerSet, set <= instant, set > ContinuousClock().now { return }
        llm.timerSet = instant
        let wake = wakeSink
        group.addTask {
            try? await Task.sleep(until: instant, clock: .continuous)
            wake.yield()
        }
    }

    /// Ends a pause now: the next call is the trial call.
    public func resumeLLM() {
        guard llm.pauseEnds != nil else { return }
        llm.pauseEnds = ContinuousClock().now
        wakeSink.yield()
    }
}
