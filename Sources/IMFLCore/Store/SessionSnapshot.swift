import Foundation

/// Every row of a session, as `imfl copy` moves it from one store to another: the items with
/// their ids, the whole annotation log with its ids (so `supersedes` and the log's order stay
/// true), rounds, queues, metrics, vectors, the LLM call log and the answer cache. Restored
/// into an empty store, it gives back the same session, event for event.
public struct SessionSnapshot: Sendable, Equatable {
    public var meta: [String: String]
    public var labels: [String]
    public var items: [Item]
    public var annotations: [Annotation]
    public var rounds: [Round]
    public var queues: [QueueEntry]
    public var metrics: [Metrics]
    public var embeddings: [Embedding]
    public var llmCalls: [LLMCall]
    public var llmCache: [CacheEntry]

    public init(
        meta: [String: String] = [:], labels: [String] = [], items: [Item] = [], annotations: [Annotation] = [],
        rounds: [Round] = [], queues: [QueueEntry] = [], metrics: [Metrics] = [], embeddings: [Embedding] = [],
        llmCalls: [LLMCall] = [], llmCache: [CacheEntry] = []
    ) {
        self.meta = meta
        self.labels = labels
        self.items = items
        self.annotations = annotations
        self.rounds = rounds
        self.queues = queues
        self.metrics = metrics
        self.embeddings = embeddings
        self.llmCalls = llmCalls
        self.llmCache = llmCache
    }

    /// A round's record with the time it last changed.
    public struct Round: Sendable, Equatable {
        public var record: RoundRecord
        public var updatedAt: Date
        public init(record: RoundRecord, updatedAt: Date) {
            self.record = record
            self.updatedAt = updatedAt
        }
    }

    /// A finished round's metrics as stored (their JSON text is copied, not re-encoded).
    public struct Metrics: Sendable, Equatable {
        public var round: Int
        public var macroF1: Double
        public var json: String
        public init(round: Int, macroF1: Double, json: String) {
            self.round = round
            self.macroF1 = macroF1
            self.json = json
        }
    }

    /// One item's vector under one embedding model, as stored (`VectorBlob`).
    public struct Embedding: Sendable, Equatable {
        public var itemID: Int64
        public var model: String
        public var vector: Data
        public init(itemID: Int64, model: String, vector: Data) {
            self.itemID = itemID
            self.model = model
            self.vector = vector
        }
    }

    /// One row of the LLM call log, with its id.
    public struct LLMCall: Sendable, Equatable {
        public var id: Int64
        public var record: LLMCallRecord
        public init(id: Int64, record: LLMCallRecord) {
            self.id = id
            self.record = record
        }
    }

    /// One answer-cache entry as stored.
    public struct CacheEntry: Sendable, Equatable {
        public var key: String
        public var response: String
        public var createdAt: Date
        public init(key: String, response: String, createdAt: Date) {
            self.key = key
            self.response = response
            self.createdAt = createdAt
        }
    }

    /// The snapshot with every date rounded to the millisecond: what a session folder keeps
    /// (SQLite stores dates as text to the millisecond), for comparing sessions across stores.
    public var toMilliseconds: SessionSnapshot {
        func ms(_ date: Date) -> Date { SQLiteDate.rounded(date) }
        var copy = self
        copy.annotations = annotations.map { var a = $0; a.createdAt = ms(a.createdAt); return a }
        copy.rounds = rounds.map { var r = $0; r.updatedAt = ms(r.updatedAt); return r }
        copy.llmCalls = llmCalls.map { var c = $0; c.record.startedAt = ms(c.record.startedAt); return c }
        copy.llmCache = llmCache.map { var e = $0; e.createdAt = ms(e.createdAt); return e }
        return copy
    }
}
