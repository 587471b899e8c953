import GRDB

/// The session database's migrations. Migrations only grow: a shipped migration is never
/// edited, and they use table and column names as strings, not application types, so that an
/// old session always upgrades the same way.
///
/// There is deliberately no `eraseDatabaseOnSchemaChange`, not even in debug builds: a session
/// holds an expert's labels, and a developer build opening a real session must not wipe it.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1") { db in
            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }

            try db.create(table: "label") { t in
                t.primaryKey("name", .text)
                t.column("position", .integer).notNull().unique()
            }

            try db.create(table: "item") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("key", .text).notNull().unique()
                t.column("text", .text).notNull()
                t.column("split", .text).notNull().indexed()
                    .check(sql: "split IN ('pool', 'test')")
                t.column("gold", .text).references("label", column: "name")
                t.column("position", .integer).notNull()
            }

            // The append-only annotation log. Rows are never updated or deleted: an undo is
            // a row of its own whose `supersedes` names the row it cancels.
            try db.create(table: "annotation") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("itemId", .integer).notNull()
                    .references("item", onDelete: .cascade)
                t.column("kind", .text).notNull()
                    .check(sql: "kind IN ('label', 'accept', 'undo', 'skip', 'note')")
                t.column("label", .text).references("label", column: "name")
                t.column("source", .text)
                    .check(sql: "source IN ('human', 'llm', 'override', 'model')")
                t.column("annotator", .text).notNull()
                t.column("round", .integer)
                t.column("confidence", .double)
                t.column("note", .text)
                t.column("supersedes", .integer).references("annotation")
                t.column("createdAt", .datetime).notNull()
                t.check(sql: "kind <> 'label' OR (label IS NOT NULL AND source IS NOT NULL)")
                t.check(sql: "kind <> 'accept' OR label IS NOT NULL")
                t.check(sql: "kind <> 'undo' OR supersedes IS NOT NULL")
            }
            try db.create(index: "annotation_on_itemId", on: "annotation", columns: ["itemId", "id"])

            try db.create(table: "round") { t in
                t.primaryKey("number", .integer)
                t.column("status", .text).notNull().check(sql: "status IN ('labeling', 'training', 'finished')")
                t.column("human", .integer).notNull()
                t.column("llm", .integer).notNull()
                t.column("trainedThrough", .integer)
                t.column("updatedAt", .datetime).notNull()
            }

            // Which items a round sent to which fidelity, in rank order, so that a session
            // reopened mid-round resumes with the same queues.
            try db.create(table: "queueEntry") { t in
                t.column("round", .integer).notNull().references("round", onDelete: .cascade)
                t.column("itemId", .integer).notNull().references("item", onDelete: .cascade)
                t.column("fidelity", .text).notNull().check(sql: "fidelity IN ('human', 'llm')")
                t.column("rank", .integer).notNull()
                t.primaryKey(["round", "itemId"])
            }

            // A finished round's evaluation (F1, accuracy, per class, LLM agreement) as JSON.
            try db.create(table: "roundMetrics") { t in
                t.primaryKey("round", .integer).references("round", onDelete: .cascade)
                t.column("macroF1", .double).notNull()
                t.column("json", .text).notNull()
            }

            try db.create(table: "embedding") { t in
                t.column("itemId", .integer).notNull().references("item", onDelete: .cascade)
                t.column("model", .text).notNull()
                t.column("vector", .blob).notNull()
                t.primaryKey(["itemId", "model"])
            }

            // One row per LLM request. Prompts are not stored (they would copy the items'
            // text many times over); their hash, which is also the answer-cache key, is.
            try db.create(table: "llmCall") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("itemId", .integer).references("item", onDelete: .setNull)
                t.column("model", .text).notNull()
                t.column("promptHash", .text).notNull()
                t.column("promptTokens", .integer)
                t.column("completionTokens", .integer)
                t.column("latencySeconds", .double).notNull()
                t.column("cost", .double).notNull()
                t.column("attempts", .integer).notNull()
                t.column("cached", .boolean).notNull()
                t.column("error", .text)
                t.column("startedAt", .datetime).notNull()
            }

            try db.create(table: "llmCache") { t in
                t.primaryKey("key", .text)
                t.column("response", .text).notNull()
                t.column("createdAt", .datetime).notNull()
            }
        }

        // What each LLM label's prompt carried (example item ids and the prompt's hash), and a
        // key shared by the events of one expert action (a bulk accept), so that one undo takes
        // it back whole.
        migrator.registerMigration("v2-annotation-provenance") { db in
            try db.alter(table: "annotation") { t in
                t.add(column: "examples", .text)
                t.add(column: "promptHash", .text)
                t.add(column: "batch", .integer)
            }
        }

        // The prompt tokens the server evaluated, as opposed to those it reused from the KV
        // cache of an earlier prompt's shared prefix; NULL where the server does not report it
        // and for calls logged before this column existed.
        migrator.registerMigration("llmCall.promptTokensEvaluated") { db in
            try db.alter(table: "llmCall") { t in
                t.add(column: "promptTokensEvaluated", .integer)
            }
        }
        // Widens the annotation log's two CHECKs: `ignore` (the expert set an item aside as
        // unsure, off-topic or disputed: logged and exported, never trained on) and `shadow`
        // (an LLM label of an expert item, asked only to measure the annotator). SQLite cannot
        // alter a CHECK, so the table is rebuilt with every row and id kept.
        migrator.registerMigration("v3-annotation-kinds") { db in
            // The AUTOINCREMENT counter goes with the dropped table; it is carried over so that
            // no id is ever given twice.
            let sequence = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'annotation'")
            try db.execute(sql: """
                CREATE TABLE annotation_v3 (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    itemId INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL CHECK (kind IN ('label', 'accept', 'undo', 'skip', 'note', 'ignore')),
                    label TEXT REFERENCES label(name),
                    source TEXT CHECK (source IN ('human', 'llm', 'override', 'model', 'shadow')),
                    annotator TEXT NOT NULL,
                    round INTEGER,
                    confidence DOUBLE,
                    note TEXT,
                    supersedes INTEGER REFERENCES annotation(id),
                    createdAt DATETIME NOT NULL,
                    examples TEXT,
                    promptHash TEXT,
                    batch INTEGER,
                    CHECK (kind <> 'label' OR (label IS NOT NULL AND source IS NOT NULL)),
                    CHECK (kind <> 'accept' OR label IS NOT NULL),
                    CHECK (kind <> 'undo' OR supersedes IS NOT NULL)
                );
                INSERT INTO annotation_v3
                    (id, itemId, kind, label, source, annotator, round, confidence, note, supersedes,
                     createdAt, examples, promptHash, batch)
                    SELECT id, itemId, kind, label, source, annotator, round, confidence, note, supersedes,
                           createdAt, examples, promptHash, batch FROM annotation;
                DROP TABLE annotation;
                ALTER TABLE annotation_v3 RENAME TO annotation;
                CREATE INDEX annotation_on_itemId ON annotation(itemId, id);
                """)
            if let sequence {
                let kept = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'annotation'") ?? 0
                try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = 'annotation'")
                try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES ('annotation', ?)", arguments: [max(sequence, kept)])
            }
        }
        // Which expert's terminal holds which expert item, until when: several experts on one
        // shared session claim items here so that no item is shown to two of them (unless the
        // team's overlap asks for it). A folder's session has one writer and never claims; the
        // table is here so that both stores have the same migrations.
        migrator.registerMigration("v4-expert-claims") { db in
            try db.create(table: "claim") { t in
                t.primaryKey("itemId", .integer).references("item", onDelete: .cascade)
                t.column("holder", .text)
                t.column("expiresAt", .datetime)
            }
        }
        return migrator
    }
}
