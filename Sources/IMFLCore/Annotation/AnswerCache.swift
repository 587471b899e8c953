import Foundation

/// An answer as stored in the answer cache, with the accounting of the call that produced it.
public struct CachedAnswer: Sendable, Hashable, Codable {
    public var label: String
    public var confidence: Double?
    public var probabilities: [String: Double]
    public var model: String
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var createdAt: Date

    public init(
        label: String, confidence: Double?, probabilities: [String: Double], model: String,
        promptTokens: Int?, completionTokens: Int?, createdAt: Date = Date()
    ) {
        self.label = label
        self.confidence = confidence
        self.probabilities = probabilities
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.createdAt = createdAt
    }

    public var answer: AnnotationAnswer {
        AnnotationAnswer(label: label, confidence: confidence, probabilities: probabilities)
    }

    /// The stored form (JSON with sorted keys and ISO 8601 dates), the same in every store, so
    /// that a cache entry copies between them as it is.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}

/// Answers already paid for, keyed by the hex SHA-256 of the request (model, prompt and
/// parameters, see ``ChatRequest/hash``), so that a rerun or a simulation never pays twice.
/// Only valid answers (inside the label set) are stored.
///
/// The session store implements this on SQLite; ``InMemoryAnswerCache`` serves tests.
public protocol AnswerCache: Sendable {
    /// The answer stored under `key`, or nil when there is none. A missing key is not an error.
    /// - Throws: only when the store itself fails; the annotator then calls the LLM anyway.
    func cachedAnswer(forKey key: String) async throws -> CachedAnswer?

    /// Stores `answer` under `key`, replacing any earlier one. Must be durable when it returns
    /// (a crash after it must not lose the answer), and safe to call concurrently.
    /// - Throws: when the store fails; the annotator still returns the answer.
    func storeAnswer(_ answer: CachedAnswer, forKey key: String) async throws
}

/// One LLM call, for the session's `llm_calls` log: what it cost and how it went.
public struct LLMCallRecord: Sendable, Hashable, Codable {
    /// The item labeled, when the call was for one.
    public var itemID: Int64?
    public var model: String
    /// Hex SHA-256 of the request, the same as its answer-cache key.
    public var promptHash: String
    public var promptTokens: Int?
    /// Prompt tokens the server evaluated rather than took from its prompt cache; nil when
    /// the server does not report it, and for a cache hit.
    public var promptTokensEvaluated: Int?
    public var completionTokens: Int?
    /// Wall time, retries and backoff included; 0 for a cache hit.
    public var latencySeconds: Double
    /// In the currency of the configured prices; 0 for a cache hit.
    public var cost: Double
    /// HTTP attempts; 0 for a cache hit.
    public var attempts: Int
    /// True when the answer came from the cache and no request was sent.
    public var cached: Bool
    /// Why the call failed (an ``LLMError`` description, never containing the API key); nil on success.
    public var error: String?
    public var startedAt: Date

    public init(
        itemID: Int64?, model: String, promptHash: String, promptTokens: Int?, promptTokensEvaluated: Int? = nil,
        completionTokens: Int?, latencySeconds: Double, cost: Double, attempts: Int, cached: Bool, error: String?,
        startedAt: Date
    ) {
        self.itemID = itemID
        self.model = model
        self.promptHash = promptHash
        self.promptTokens = promptTokens
        self.promptTokensEvaluated = promptTokensEvaluated
        self.completionTokens = completionTokens
        self.latencySeconds = latencySeconds
        self.cost = cost
        self.attempts = attempts
        self.cached = cached
        self.error = error
        self.startedAt = startedAt
    }
}

/// The append-only log of LLM calls (the session's `llm_calls` table).
///
/// The session store implements this on SQLite; ``InMemoryCallLog`` serves tests.
public protocol LLMCallLog: Sendable {
    /// Appends `record`. Records are never updated or deleted. Safe to call concurrently.
    /// - Throws: when the store fails; the annotator's answer is still returned.
    func record(_ record: LLMCallRecord) async throws
}

/// Totals over a call log, for `imfl status` and the dashboard.
public struct LLMCallTotals: Sendable, Hashable {
    public var calls = 0
    public var failures = 0
    public var cacheHits = 0
    public var promptTokens = 0
    /// Prompt tokens the server evaluated, over the calls that report it; nil when none does.
    public var promptTokensEvaluated: Int?
    /// Prompt tokens sent in the calls that report `promptTokensEvaluated`, so that the two
    /// compare like with like.
    public var promptTokensWithEvaluated = 0
    public var completionTokens = 0
    public var cost = 0.0
    public var latencySeconds = 0.0

    public init() {}

    public init<S: Sequence>(_ records: S) where S.Element == LLMCallRecord {
        for record in records { add(record) }
    }

    public mutating func add(_ record: LLMCallRecord) {
        calls += 1
        if record.error != nil { failures += 1 }
        if record.cached { cacheHits += 1 }
        promptTokens += record.promptTokens ?? 0
        if let evaluated = record.promptTokensEvaluated {
            promptTokensEvaluated = (promptTokensEvaluated ?? 0) + evaluated
            promptTokensWithEvaluated += record.promptTokens ?? 0
        }
        completionTokens += record.completionTokens ?? 0
        cost += record.cost
        latencySeconds += record.latencySeconds
    }
}
