import Foundation
import GRDB
import IMFLNumerics

/// The one door to a session's data. It owns the GRDB writer, runs the migrations when it
/// opens, and offers writes named for what they do. Every write is its own transaction and
/// is committed (WAL, `synchronous = FULL`) when the call returns, which is what lets the UI
/// promise that a label is safe before the next item is shown.
public final class AppDatabase: Sendable {
    /// The writer; reads go through `reader`.
    private let dbWriter: any DatabaseWriter

    /// Opens (creating when needed) a database and migrates it.
    /// - Parameter dbWriter: a `DatabasePool` on a session file, or a `DatabaseQueue` in tests.
    public init(_ dbWriter: any DatabaseWriter) throws {
        self.dbWriter = dbWriter
        isImmutableSnapshot = false
        try Schema.migrator.migrate(dbWriter)
    }

    /// True when the database was opened as an immutable file: its folder cannot be written,
    /// so SQLite could not share the write-ahead log, and labels not yet checkpointed into the
    /// main file (a session being labeled right now) are not seen.
    public let isImmutableSnapshot: Bool

    /// The writer, for extensions of this type in other files.
    var writer: any DatabaseWriter { dbWriter }

    /// Read-only access for views and exports.
    public var reader: any DatabaseReader { dbWriter }

    /// Opens the session database at `path` in WAL mode.
    /// - Parameter readOnly: open without write access (status, export) so that a session
    ///   being labeled elsewhere can still be read.
    public static func open(path: String, readOnly: Bool = false) throws -> AppDatabase {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.readonly = readOnly
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        }
        if readOnly {
            do {
                return try AppDatabase(readOnly: DatabasePool(path: path, configuration: config), immutable: false)
            } catch let error as DatabaseError where [.SQLITE_CANTOPEN, .SQLITE_READONLY].contains(error.resultCode.primaryResultCode) {
                // A read-only mount, or another user's folder: SQLite cannot create or write
                // the -shm/-wal files it shares with writers. An immutable open reads the
                // main file alone.
                let uri = "file:" + (path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path) + "?immutable=1"
                return try AppDatabase(readOnly: DatabaseQueue(path: uri, configuration: config), immutable: true)
            }
        }
        return try AppDatabase(DatabasePool(path: path, configuration: config))
    }

    /// A read-only database is checked to be migrated rather than migrated.
    private init(readOnly reader: any DatabaseWriter, immutable: Bool) throws {
        self.dbWriter = reader
        isImmutableSnapshot = immutable
        let complete = try reader.read { db in try Schema.migrator.hasCompletedMigrations(db) }
        guard complete else {
            throw SessionError.schema("the session database was written by another version of imfl; open it once for writing to upgrade it")
        }
    }

    /// An empty in-memory database, for tests.
    public static func inMemory() throws -> AppDatabase {
        try AppDatabase(DatabaseQueue())
    }
}

// MARK: - Database Access: Writes

extension AppDatabase {
    /// Writes a whole imported dataset in one transaction: either every item and label is
    /// stored or nothing is.
    /// - Parameter progress: called every 5,000 items and at the end with (items written, total).
    public func importDataset(
        labels: [String], pool: [Item], test: [Item], meta: [String: String] = [:],
        progress: ((Int, Int) -> Void)? = nil
    ) throws {
        let total = pool.count + test.count
        try dbWriter.write { db in
            for (position, name) in labels.enumerated() {
                try db.execute(sql: "INSERT INTO label (name, position) VALUES (?, ?)", arguments: [name, position])
            }
            let insert = try db.makeStatement(
                sql: "INSERT INTO item (key, text, split, gold, position) VALUES (?, ?, ?, ?, ?)")
            var done = 0
            for item in pool + test {
                try insert.execute(arguments: [item.key, item.text, item.split.rawValue, item.gold, item.position])
                done += 1
                if done % 5_000 == 0 { progress?(done, total) }
            }
            for (key, value) in meta {
                try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
            }
        }
        progress?(total, total)
    }

    /// Appends one event to the annotation log and returns it with its id. Durable on return.
    @discardableResult
    public func append(_ annotation: Annotation) throws -> Annotation {
        try append(contentsOf: [annotation])[0]
    }

    /// Appends events in one transaction (one expert action, a bulk accept, one LLM answer).
    @discardableResult
    public func append(contentsOf annotations: [Annotation]) throws -> [Annotation] {
        try dbWriter.write { db in
            try annotations.map { annotation in
                var event = annotation
                try event.insert(db)
                return event
            }
        }
    }

    /// Stores vectors for items under a model id, replacing any previous vector.
    public func saveEmbeddings(model: String, itemIds: [Int64], vectors: Matrix) throws {
        precondition(itemIds.count == vectors.rows, "one vector per item")
        try dbWriter.write { db in
            let statement = try db.makeStatement(
                sql: "INSERT OR REPLACE INTO embedding (itemId, model, vector) VALUES (?, ?, ?)")
            for (row, itemId) in itemIds.enumerated() {
                let blob = VectorBlob.encode(vectors.values[row * vectors.cols ..< (row + 1) * vectors.cols])
                try statement.execute(arguments: [itemId, model, blob])
            }
        }
    }
}

// MARK: - Database Access: Reads

extension AppDatabase {
    /// The label set in key order.
    public func labels() throws -> [String] {
        try reader.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM label ORDER BY position")
        }
    }

    /// The items of one split in file order.
    public func items(split: Split) throws -> [Item] {
        try reader.read { db in try Item.all().filter(split: split).fetchAll(db) }
    }

    /// Items by row id.
    public func items(ids: [Int64]) throws -> [Item] {
        try reader.read { db in try Item.fetchAll(db, keys: ids) }
    }

    /// Number of items in a split.
    public func itemCount(split: Split) throws -> Int {
        try reader.read { db in try Item.all().filter(split: split).fetchCount(db) }
    }

    /// The whole annotation log in order, every kind of event.
    public func annotationLog() throws -> [Annotation] {
        try reader.read { db in try Annotation.order(Annotation.Columns.id).fetchAll(db) }
    }

    /// The events appended after log position `id`, in append order.
    public func annotations(after id: Int64) throws -> [Annotation] {
        try reader.read { db in try Annotation.filter(Annotation.Columns.id > id).order(Annotation.Columns.id).fetchAll(db) }
    }

    /// The stored vectors of `model` for the given items (all items when nil), in the order
    /// of `itemIds`; items without a vector are left out of the result.
    public func embeddings(model: String, itemIds: [Int64]? = nil) throws -> (itemIds: [Int64], vectors: Matrix) {
        try reader.read { db in
            let rows = try Row.fetchCursor(
                db, sql: "SELECT itemId, vector FROM embedding WHERE model = ? ORDER BY itemId",
                arguments: [model])
            var ids = [Int64]()
            var blobs = [Data]()
            while let row = try rows.next() {
                ids.append(row["itemId"])
                blobs.append(row["vector"])
            }
            let dimension = (blobs.first?.count ?? 0) / MemoryLayout<Float>.size
            let all: Matrix
            do {
                all = try VectorBlob.decode(blobs, dimension: dimension)
            } catch let error as VectorBlobError {
                throw SessionError.schema("embedding of item \(ids[error.index]) under \(model): \(error.byteCount) bytes, expected \(dimension * 4)")
            }
            guard let wanted = itemIds else { return (ids, all) }
            var byItem = [Int64: Int](minimumCapacity: ids.count)
            for (row, id) in ids.enumerated() { byItem[id] = row }
            let present = wanted.filter { byItem[$0] != nil }
            return (present, all.rows(present.map { byItem[$0]! }))
        }
    }

    /// Items of a split that have no vector for `model`, in file order.
    public func itemsMissingEmbedding(model: String, split: Split? = nil) throws -> [Item] {
        try reader.read { db in
            var request = Item.filter(sql: "id NOT IN (SELECT itemId FROM embedding WHERE model = ?)", arguments: [model])
            if let split { request = request.filter(Item.Columns.split == split.rawValue) }
            return try request.order(Item.Columns.split, Item.Columns.position).fetchAll(db)
        }
    }

    /// A value from the session's key-value metadata.
    public func meta(_ key: String) throws -> String? {
        try reader.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
        }
    }
}
