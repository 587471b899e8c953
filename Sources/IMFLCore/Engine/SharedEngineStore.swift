/// What a store that several processes write at once adds for the engine: a shared session
/// on PostgreSQL, where every expert's `imfl label` runs a `RoundEngine` over the same log.
///
/// Exactly one of those engines runs the rounds (selection, the LLM queue, retraining): the
/// one whose `tryLeadEngine` succeeded. The others follow: they replay what the leader and
/// the other experts append, hand their own expert the items nobody else holds, and try to
/// lead again from time to time, so that when the leader's process ends another takes over
/// and resumes from the log, as a restarted engine does.
///
/// Claims keep two experts off one item: an engine claims the item it is about to show, for a
/// lease it renews while the item is on screen and gives back once the item is labeled,
/// skipped or set aside. A process that dies stops renewing, and its item goes to another
/// expert when the lease runs out.
public protocol SharedEngineStore: EngineStore {
    /// Tries to become the session's one engine: true when this store now holds the engine
    /// lock, which it keeps until its connection ends. `holder` says who leads, for the others
    /// to show.
    func tryLeadEngine(holder: String) async throws -> Bool
    /// Who leads the session's engine, as its holder said (nil before anyone has).
    func engineHolder() async throws -> String?

    /// Claims for `holder` the first item of `candidates`, in their order, that no other
    /// holder has a live claim on, for `lease` seconds; an item `holder` already holds is
    /// claimed again (its lease starts over). Nil when others hold every candidate.
    func claim(firstOf candidates: [Int64], holder: String, lease: Double) async throws -> Int64?
    /// Gives an item back: its claim ends now (only if `holder` holds it).
    func releaseClaim(itemID: Int64, holder: String) async throws
    /// Starts the lease of `holder`'s claim on an item over again (nothing when another holds it).
    func renewClaim(itemID: Int64, holder: String, lease: Double) async throws
    /// How many of `itemIDs` other holders have a live claim on.
    func claimedByOthers(_ itemIDs: [Int64], holder: String) async throws -> Int

    /// What other processes write, as they write it. The stream ends when the store closes;
    /// a gap (the notification connection dropped and came back) arrives as `.resync`.
    func changes() -> AsyncStream<StoreChange>
}

/// A write another process made to a shared session.
public enum StoreChange: Sendable, Equatable {
    /// Events were appended to the annotation log.
    case log
    /// A round began, changed state or finished.
    case rounds
    /// Notifications may have been missed: read everything again.
    case resync
}
