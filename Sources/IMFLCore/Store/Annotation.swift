import Foundation
import GRDB

/// One event of the append-only annotation log: the only record type of an annotation, used by
/// the store, the engine, the UI adapter, export, status and simulate alike. Events are never
/// updated or deleted; what an item's label is now is found by replaying them (`AnnotationLog`).
public struct Annotation: Sendable, Hashable, Codable, Identifiable {
    /// What an event does.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A label from a source (expert, LLM, expert override, model).
        case label
        /// The expert reviewed an LLM label and kept it.
        case accept
        /// Takes back the event named by `supersedes` (an undo of an undo restores that event).
        case undo
        /// The expert passed over the item; it goes back to the queue's end.
        case skip
        /// A free-text note on the item (an empty note clears it).
        case note
        /// The expert set the item aside (unsure, off-topic, disputed; `note` says why): it leaves
        /// the expert queue, is exported as ignored and is never trained on.
        case ignore
    }

    /// Position in the log, strictly increasing in append order; nil until the store appends it.
    public var id: Int64?
    public var itemID: Int64
    public var kind: Kind
    public var label: String?
    public var source: LabelSource?
    /// Who made it: "expert", a user name, or "llm".
    public var annotator: String
    /// The round the event belongs to: for a label, the round that queued the item (or, for an
    /// override, the round open when it was made); for an undo, the round of the event it takes
    /// back. Training for round r counts only events of rounds ≤ r.
    public var round: Int?
    /// The annotator's probability for `label`, when it reported one.
    public var confidence: Double?
    public var note: String?
    /// For an undo: the event it takes back.
    public var supersedes: Int64?
    public var createdAt: Date
    /// For an LLM label: the items whose expert labels the prompt carried as examples, least
    /// similar first (the prompt's order), so that Review shows what the LLM saw.
    public var examples: [Int64]?
    /// For an LLM label: the hash of the prompt (the answer cache's key).
    public var promptHash: String?
    /// Events appended together by one expert action (a bulk accept) share this key, so that
    /// one undo takes the whole action back.
    public var batch: Int64?

    public init(
        id: Int64? = nil, itemID: Int64, kind: Kind, label: String? = nil, source: LabelSource? = nil,
        annotator: String = "expert", round: Int? = nil, confidence: Double? = nil, note: String? = nil,
        supersedes: Int64? = nil, createdAt: Date = Date(), examples: [Int64]? = nil,
        promptHash: String? = nil, batch: Int64? = nil
    ) {
        self.id = id
        self.itemID = itemID
        self.kind = kind
        self.label = label
        self.source = source
        self.annotator = annotator
        self.round = round
        self.confidence = confidence
        self.note = note
        self.supersedes = supersedes
        self.createdAt = createdAt
        self.examples = examples
        self.promptHash = promptHash
        self.batch = batch
    }

    /// A label event.
    public static func label(
        _ label: String, itemID: Int64, source: LabelSource, round: Int, confidence: Double? = nil,
        examples: [Int64]? = nil, promptHash: String? = nil
    ) -> Annotation {
        Annotation(itemID: itemID, kind: .label, label: label, source: source,
                   annotator: source == .llm || source == .shadow ? "llm" : "expert", round: round, confidence: confidence,
                   examples: examples, promptHash: promptHash)
    }

    /// An undo of `target`, logged in the target's round.
    public static func undo(_ target: Annotation, batch: Int64? = nil) -> Annotation {
        Annotation(itemID: target.itemID, kind: .undo, annotator: "expert", round: target.round,
                   supersedes: target.id, batch: batch)
    }

    /// An event from the expert (a label, override, accept, skip, note or ignore), as opposed to the LLM.
    public var isExpertAction: Bool {
        switch kind {
        case .label: source == .human || source == .override
        case .accept, .skip, .note, .ignore: true
        case .undo: false
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, label, source, annotator, round, confidence, note, supersedes, createdAt, promptHash, batch
        case itemID = "itemId"
        case examples
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(Int64.self, forKey: .id)
        itemID = try c.decode(Int64.self, forKey: .itemID)
        kind = try c.decode(Kind.self, forKey: .kind)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        source = try c.decodeIfPresent(LabelSource.self, forKey: .source)
        annotator = try c.decode(String.self, forKey: .annotator)
        round = try c.decodeIfPresent(Int.self, forKey: .round)
        confidence = try c.decodeIfPresent(Double.self, forKey: .confidence)
        note = try c.decodeIfPresent(String.self, forKey: .note)
        supersedes = try c.decodeIfPresent(Int64.self, forKey: .supersedes)
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        // Stored as text ("3,17,42"): a column SQLite can show and a reader of the file can parse.
        examples = try c.decodeIfPresent(String.self, forKey: .examples).map { text in
            text.split(separator: ",").compactMap { Int64($0) }
        }
        promptHash = try c.decodeIfPresent(String.self, forKey: .promptHash)
        batch = try c.decodeIfPresent(Int64.self, forKey: .batch)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(id, forKey: .id)
        try c.encode(itemID, forKey: .itemID)
        try c.encode(kind, forKey: .kind)
        try c.encodeIfPresent(label, forKey: .label)
        try c.encodeIfPresent(source, forKey: .source)
        try c.encode(annotator, forKey: .annotator)
        try c.encodeIfPresent(round, forKey: .round)
        try c.encodeIfPresent(confidence, forKey: .confidence)
        try c.encodeIfPresent(note, forKey: .note)
        try c.encodeIfPresent(supersedes, forKey: .supersedes)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encodeIfPresent(examples.map { $0.map(String.init).joined(separator: ",") }, forKey: .examples)
        try c.encodeIfPresent(promptHash, forKey: .promptHash)
        try c.encodeIfPresent(batch, forKey: .batch)
    }
}

extension Annotation: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "annotation"

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let itemID = Column(CodingKeys.itemID)
        public static let kind = Column(CodingKeys.kind)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
