import Foundation

/// Whether an engine runs a session's rounds.
public enum EngineRole: Sendable, Equatable {
    /// The only engine of a folder's session (`run()`).
    case alone
    /// The engine that runs a shared session's rounds for every expert on it.
    case leading
    /// An engine of a shared session that another process leads: it replays what is written
    /// and serves its own expert. `engine` is who leads, as the leader said.
    case following(engine: String?)
}

/// Several experts on one shared session (`SharedEngineStore`): every expert's `imfl label`
/// runs an engine; one leads, the others follow and take over when it goes.
extension RoundEngine {
    /// Whether the session is shared (a PostgreSQL session), where commands that rewrite a
    /// folder's session.toml, such as `imfl extend`, do not apply.
    public nonisolated var isShared: Bool { shared != nil }

    /// Serves a shared session until its last round is finished: leads it (`run()`) when no
    /// other process does, else follows the one that does and tries to lead again every
    /// `electionInterval`, so that when the leader's process ends one of the followers
    /// resumes the rounds from the log. Meanwhile it replays what others write as they write
    /// it and keeps its expert's claim alive. For a folder's session it is `run()`.
    /// - Throws: `CancellationError` when cancelled, store errors.
    public func serve(electionInterval: Duration = .seconds(2)) async throws {
        guard let shared else { return try await run() }
        guard role == .alone, !running else { throw EngineError.alreadyRunning }
        role = .following(engine: nil)
        try await load()
        try await loadVectorsIfComplete()
        try await fitLatestModel()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                for await change in shared.changes() {
                    // A failed read is tried again at the next change (a dropped connection
                    // comes back as `.resync`).
                    do { try await refresh(change) } catch is CancellationError { throw CancellationError() } catch {}
                }
            }
            group.addTask { [self] in
                let every = Duration.seconds(max(1, configuration.claimLease / 3))
                while true {
                    try await Task.sleep(for: every)
                    do { try await renewClaim() } catch is CancellationError { throw CancellationError() } catch {}
                }
            }
            while true {
                try Task.checkCancellation()
                if try await shared.tryLeadEngine(holder: "\(configuration.annotator) (pid \(getpid()))") {
                    setRole(.leading)
                    try await run()
                    group.cancelAll()
                    return
                }
                setRole(.following(engine: try await shared.engineHolder()))
                try await Task.sleep(for: electionInterval)
            }
        }
    }

    private func setRole(_ new: EngineRole) {
        guard role != new else { return }
        role = new
        eventSink.yield(.role(new))
    }

    /// Catches up with what other processes wrote: the log's new events, and for a change of
    /// rounds, the rounds the leader opened, trained or finished.
    func refresh(_ change: StoreChange) async throws {
        guard change != .log else { return try await serialized {} }
        try await serialized { try await reloadRounds() }
        // Off the write turn: the expert's next label need not wait for a fit.
        try await fitLatestModel()
    }

    /// Replays the events appended since the last one replayed. Called inside a write turn.
    func catchUp() async throws {
        let tail = try await store.annotations(after: log.lastID)
        if !tail.isEmpty { replay(tail) }
    }

    /// Takes the rounds' records (and a new round's queue) from the store, and tells
    /// observers what changed as the leader's own engine would have.
    private func reloadRounds() async throws {
        var finished = [Int]()
        for record in try await store.rounds() {
            let before = rounds[record.round]
            guard before != record else { continue }
            if before == nil {
                queues[record.round] = try await store.queue(round: record.round)
                rounds[record.round] = record
                eventSink.yield(.roundStarted(round: record.round, expert: record.human, llm: record.llm))
                eventSink.yield(.queues(queueSizes(record.round)))
            }
            rounds[record.round] = record
            if record.status == .training, before?.status != .training { eventSink.yield(.training(round: record.round)) }
            if record.status == .finished, before?.status != .finished { finished.append(record.round) }
        }
        if !finished.isEmpty {
            for m in try await store.metrics() where finished.contains(m.round) { eventSink.yield(.roundFinished(m)) }
        }
        if vectorRow.isEmpty { try await loadVectorsIfComplete() }
        if role != .leading, !rounds.isEmpty, rounds.count >= configuration.schedule.rounds.count,
           rounds.values.allSatisfy({ $0.status == .finished }) {
            eventSink.yield(.finished)
        }
        wakeSink.yield()
    }

    /// A follower fits the latest finished round's classifier from the log, as the leader
    /// trained it, so that its expert sees the model's guess beside each item too.
    private func fitLatestModel() async throws {
        guard !vectorRow.isEmpty, let r = rounds.values.filter({ $0.status == .finished }).map(\.round).max(),
              models[r] == nil else { return }
        _ = try await model(after: r)
    }

    /// A follower reads the vectors once the leader has embedded every item (until then it
    /// shows items without neighbours).
    private func loadVectorsIfComplete() async throws {
        let all = vectorItemIDs
        let have = try await store.itemIDsWithVectors(modelID: embedder.modelID)
        guard !all.isEmpty, all.allSatisfy(have.contains) else { return }
        try await loadVectors(all)
    }

    // MARK: - Claims

    /// The next item waiting for this engine's expert that no other expert holds, claimed for
    /// them; in a folder's session, `nextExpertItem`.
    /// - Throws: store errors (the claim is a write on the server).
    public func claimNextExpertItem(neighbours k: Int = 5) async throws -> ExpertTask? {
        guard let shared else { return nextExpertItem(neighbours: k) }
        // An item another expert has just labeled may look free here: its claim was given
        // back (an overlap item) or ran out, and this replay may not have the label yet.
        // Catching up after the claim sees it (the label was committed before the claim was
        // free), and the item is passed over.
        while true {
            let waiting = expertWaiting()
            // The first few dozen are enough: each other expert holds at most a couple.
            let candidates = Array(waiting.prefix(64))
            let id = try await shared.claim(firstOf: candidates.map(\.id), holder: claimHolder, lease: configuration.claimLease)
            try await hold(id)
            let held = id == nil ? try await shared.claimedByOthers(waiting.map(\.id), holder: claimHolder) : 0
            if held != heldByOthers {
                heldByOthers = held
                // Observers put the new count into words (the expert sees why nothing is shown).
                if let r = openRounds.first { eventSink.yield(.queues(queueSizes(r))) }
            }
            guard let id else { return nil }
            try await serialized {}
            if let entry = expertWaiting().first(where: { $0.id == id }) { return expertTask(id, round: entry.round, k: k) }
            try await releaseClaim(on: id)
        }
    }

    /// Claims one item for this engine's expert (an item an undo gave back): false when
    /// another expert holds it.
    public func claim(_ itemID: Int64) async throws -> Bool {
        guard let shared else { return true }
        guard try await shared.claim(firstOf: [itemID], holder: claimHolder, lease: configuration.claimLease) == itemID else {
            return false
        }
        try await hold(itemID)
        return true
    }

    /// Makes `itemID` the item this engine's expert holds (nil: none), giving back the one
    /// held before.
    private func hold(_ itemID: Int64?) async throws {
        if let shared, let old = claimed, old != itemID { try await shared.releaseClaim(itemID: old, holder: claimHolder) }
        claimed = itemID
    }

    /// Gives back the claim on an item the expert is done with (skipped, set aside, or
    /// labeled when it is an overlap item a second expert labels too).
    func releaseClaim(on itemID: Int64) async throws {
        guard let shared, claimed == itemID else { return }
        claimed = nil
        try await shared.releaseClaim(itemID: itemID, holder: claimHolder)
    }

    /// After a label: the claim is given back only where a second expert may want the item
    /// (an overlap item); any other labeled item waits for nobody, and its claim lapses.
    func releaseClaim(afterLabeling itemID: Int64) async throws {
        guard shared != nil, claimed == itemID else { return }
        if let r = expertRound(of: itemID), overlapItems(r).contains(itemID) {
            try await releaseClaim(on: itemID)
        } else {
            claimed = nil
        }
    }

    /// Keeps the claim on the item on screen alive while this process runs; while others
    /// hold every item waiting, asks observers to look again (a claim whose terminal died
    /// runs out without anyone writing).
    private func renewClaim() async throws {
        if claimed == nil, heldByOthers > 0, let r = openRounds.first { eventSink.yield(.queues(queueSizes(r))) }
        guard let shared, let item = claimed else { return }
        try await shared.renewClaim(itemID: item, holder: claimHolder, lease: configuration.claimLease)
    }
}
