import Foundation
import GRDB

/// One event of the append-only annotation log. The current label of an item is derived from
/// its events (see `AnnotationLog`), never stored in place.
public struct Annotation: Sendable, Hashable, Codable, Identifiable {
    /// What an event does.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A label from a source (expert, LLM, expert override, model).
        case label
        /// The expert reviewed an LLM label and kept it.
        case accept
        /// Cancels the event named by `supersedes`.
        case undo
        /// The expert passed over the item; it goes back to the queue's end.
        case skip
        /// A free-text note on the item.
        case note
    }

    public var id: Int64?
    public var itemId: Int64
    public var kind: Kind
    public var label: String?
    public var source: LabelSource?
    /// Who made it: "expert", a user name, or the LLM model id.
    public var annotator: String
    public var round: Int?
    public var confidence: Double?
    public var note: String?
    public var supersedes: Int64?
    public var createdAt: Date

    public init(
        id: Int64? = nil, itemId: Int64, kind: Kind, label: String? = nil, source: LabelSource? = nil,
        annotator: String, round: Int? = nil, confidence: Double? = nil, note: String? = nil,
        supersedes: Int64? = nil, createdAt: Date = Date()
    ) {
        self.id = id
        self.itemId = itemId
        self.kind = kind
        self.label = label
        self.source = source
        self.annotator = annotator
        self.round = round
        self.confidence = confidence
        self.note = note
        self.supersedes = supersedes
        self.createdAt = createdAt
    }
}

extension Annotation: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "annotation"

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let itemId = Column(CodingKeys.itemId)
        public static let kind = Column(CodingKeys.kind)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
