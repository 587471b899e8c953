import IMFLCore

/// An `AnswerCache` in memory, for tests of the annotator's caching.
public actor InMemoryAnswerCache: AnswerCache {
    private var answers: [String: CachedAnswer] = [:]

    public init() {}

    public func cachedAnswer(forKey key: String) -> CachedAnswer? { answers[key] }

    public func storeAnswer(_ answer: CachedAnswer, forKey key: String) { answers[key] = answer }

    public var count: Int { answers.count }
}
