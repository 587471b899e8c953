/// Everything stored for a session, behind one protocol: the round engine's part
/// (`EngineStore`: items, vectors, the annotation log, rounds, queues, metrics), the LLM's
/// answer cache and call log, and what the commands read outside the engine (the label set
/// and the session's metadata). A session folder's SQLite database implements it, and so does
/// a shared session on PostgreSQL, so that `imfl status`, `imfl export` and `imfl model export`
/// read either store the same way.
public protocol SessionStore: EngineStore, AnswerCache, LLMCallLog {
    /// The label set in key order, as the session was created with it.
    func labels() async throws -> [String]
    /// A value from the session's key-value metadata (`name`, `createdAt`, `imflVersion`).
    func meta(_ key: String) async throws -> String?
    /// Every row of the session, read consistently, for `imfl copy`.
    func snapshot() async throws -> SessionSnapshot
}

extension SessionStore {
    /// The log replayed: labels, notes and skips in force.
    public func replayedLog() async throws -> AnnotationLog {
        AnnotationLog(try await annotationLog())
    }
}
