import Foundation
import GRDB
@testable import IMFLCore
import Testing

/// A session written before the annotation log knew `ignore` and `shadow` upgrades with every
/// event, id and link intact, and then accepts the new kinds.
@Suite struct SchemaMigrationTests {
    private func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("imfl-migration-\(UUID().uuidString).sqlite").path
    }

    @Test func annotationKindsMigrationKeepsEveryEventAndWidensTheChecks() throws {
        let path = temporaryPath()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        do {
            let old = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(old, upTo: "llmCall.promptTokensEvaluated")
            try old.write { db in
                try db.execute(sql: "INSERT INTO label (name, position) VALUES ('a', 0), ('b', 1)")
                try db.execute(sql: "INSERT INTO item (key, text, split, position) VALUES ('k1', 'one', 'pool', 0), ('k2', 'two', 'pool', 1)")
                let at = "2026-01-02 03:04:05.000"
                try db.execute(sql: """
                    INSERT INTO annotation (itemId, kind, label, source, annotator, round, createdAt, examples, promptHash)
                        VALUES (1, 'label', 'a', 'llm', 'llm', 1, ?, '2', 'h1');
                    INSERT INTO annotation (itemId, kind, label, source, annotator, round, createdAt)
                        VALUES (2, 'label', 'b', 'human', 'expert', 1, ?);
                    INSERT INTO annotation (itemId, kind, annotator, round, supersedes, createdAt)
                        VALUES (2, 'undo', 'expert', 1, 2, ?);
                    """, arguments: [at, at, at])
                // A gap in the ids, as an aborted transaction can leave: the next id must still
                // come after the largest ever given.
                try db.execute(sql: "UPDATE sqlite_sequence SET seq = 10 WHERE name = 'annotation'")
            }
        }
        let before: [Annotation] = try DatabaseQueue(path: path).read { db in try Annotation.fetchAll(db, sql: "SELECT * FROM annotation ORDER BY id") }

        let database = try AppDatabase.open(path: path)
        #expect(try database.annotationLog() == before)
        let ignore = try database.append(Annotation(itemID: 2, kind: .ignore, round: 1, note: "off-topic"))
        let shadow = try database.append(.label("b", itemID: 2, source: .shadow, round: 1))
        #expect(ignore.id == 11)
        #expect(shadow.id == 12)
        #expect(shadow.annotator == "llm")
        let log = AnnotationLog(try database.annotationLog())
        #expect(log.ignored[2]?.note == "off-topic")
        #expect(log.current(2) == nil)
        #expect(log.isSettled(2))
        #expect(log.label(1) == "a")

        // The CHECKs still refuse what the log cannot replay.
        let raw = try DatabaseQueue(path: path)
        #expect(throws: DatabaseError.self) {
            try raw.write { db in
                try db.execute(sql: "INSERT INTO annotation (itemId, kind, annotator, createdAt) VALUES (1, 'bogus', 'expert', '2026-01-01')")
            }
        }
        #expect(throws: DatabaseError.self) {
            try raw.write { db in
                try db.execute(sql: "INSERT INTO annotation (itemId, kind, label, annotator, createdAt) VALUES (1, 'label', 'a', 'expert', '2026-01-01')")
            }
        }
        // The self-reference of `supersedes` survives the rebuild.
        let fks: [Row] = try raw.read { db in try Row.fetchAll(db, sql: "PRAGMA foreign_key_list(annotation)") }
        #expect(fks.contains { ($0["table"] as String?) == "annotation" && ($0["from"] as String?) == "supersedes" })
    }
}
