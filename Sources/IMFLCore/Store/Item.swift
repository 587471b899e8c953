import Foundation
import GRDB

/// A text to label. `key` is the user's own id from the imported file; `id` is the row id.
public struct Item: Sendable, Hashable, Codable, Identifiable {
    public var id: Int64?
    public var key: String
    public var text: String
    public var split: Split
    /// The reference label from the imported file: required on the test split, optional in
    /// the pool (where only simulations read it).
    public var gold: String?
    /// Order of the item in its file.
    public var position: Int

    public init(id: Int64? = nil, key: String, text: String, split: Split, gold: String?, position: Int) {
        self.id = id
        self.key = key
        self.text = text
        self.split = split
        self.gold = gold
        self.position = position
    }
}

extension Item: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "item"

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let key = Column(CodingKeys.key)
        public static let split = Column(CodingKeys.split)
        public static let position = Column(CodingKeys.position)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension DerivableRequest<Item> {
    /// Items of one split in file order.
    public func filter(split: Split) -> Self {
        filter(Item.Columns.split == split.rawValue).order(Item.Columns.position)
    }
}
