import Foundation

/// A shared session's migrations: the SQLite schema's (`Schema`), under the same names and in
/// the same order, written for PostgreSQL. The tables, columns (quoted, so their case is kept),
/// keys and CHECKs are the same, so that a session copies between the two stores row for row
/// with its ids. Applied migrations are recorded in the session schema's `migrations` table;
/// like GRDB's, a migration never changes once shipped.
///
/// Types: SQLite's INTEGER keys become `bigint` (`bigserial` where SQLite autoincrements, so
/// that id order is append order), DATETIME becomes `timestamptz`, BLOB `bytea`, DOUBLE
/// `double precision`.
enum PostgresSchema {
    struct Migration: Sendable {
        var name: String
        var sql: String

        /// The migration's statements, one by one: the extended query protocol that carries
        /// parameters runs one statement per request. Statements end at a semicolon that ends
        /// a line.
        var statements: [String] {
            sql.components(separatedBy: ";\n")
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                .map { $0.hasSuffix(";") ? String($0.dropLast()) : $0 }
                .filter { !$0.isEmpty }
        }
    }

    static let migrations: [Migration] = [
        Migration(name: "v1", sql: """
            CREATE TABLE meta (
                key text PRIMARY KEY,
                value text NOT NULL
            );
            CREATE TABLE label (
                name text PRIMARY KEY,
                position integer NOT NULL UNIQUE
            );
            CREATE TABLE item (
                id bigserial PRIMARY KEY,
                key text NOT NULL UNIQUE,
                text text NOT NULL,
                split text NOT NULL CHECK (split IN ('pool', 'test')),
                gold text REFERENCES label(name),
                position integer NOT NULL
            );
            CREATE INDEX item_on_split ON item(split);
            -- The append-only annotation log: rows are never updated or deleted; an undo is a
            -- row of its own whose supersedes names the row it cancels.
            CREATE TABLE annotation (
                id bigserial PRIMARY KEY,
                "itemId" bigint NOT NULL REFERENCES item(id) ON DELETE CASCADE,
                kind text NOT NULL CONSTRAINT annotation_kind_check
                    CHECK (kind IN ('label', 'accept', 'undo', 'skip', 'note')),
                label text REFERENCES label(name),
                source text CONSTRAINT annotation_source_check
                    CHECK (source IN ('human', 'llm', 'override', 'model')),
                annotator text NOT NULL,
                round integer,
                confidence double precision,
                note text,
                supersedes bigint REFERENCES annotation(id),
                "createdAt" timestamptz NOT NULL,
                CHECK (kind <> 'label' OR (label IS NOT NULL AND source IS NOT NULL)),
                CHECK (kind <> 'accept' OR label IS NOT NULL),
                CHECK (kind <> 'undo' OR supersedes IS NOT NULL)
            );
            CREATE INDEX "annotation_on_itemId" ON annotation("itemId", id);
            CREATE TABLE round (
                number integer PRIMARY KEY,
                status text NOT NULL CHECK (status IN ('labeling', 'training', 'finished')),
                human integer NOT NULL,
                llm integer NOT NULL,
                "trainedThrough" bigint,
                "updatedAt" timestamptz NOT NULL
            );
            CREATE TABLE "queueEntry" (
                round integer NOT NULL REFERENCES round(number) ON DELETE CASCADE,
                "itemId" bigint NOT NULL REFERENCES item(id) ON DELETE CASCADE,
                fidelity text NOT NULL CHECK (fidelity IN ('human', 'llm')),
                rank integer NOT NULL,
                PRIMARY KEY (round, "itemId")
            );
            CREATE TABLE "roundMetrics" (
                round integer PRIMARY KEY REFERENCES round(number) ON DELETE CASCADE,
                "macroF1" double precision NOT NULL,
                json text NOT NULL
            );
            CREATE TABLE embedding (
                "itemId" bigint NOT NULL REFERENCES item(id) ON DELETE CASCADE,
                model text NOT NULL,
                vector bytea NOT NULL,
                PRIMARY KEY ("itemId", model)
            );
            CREATE TABLE "llmCall" (
                id bigserial PRIMARY KEY,
                "itemId" bigint REFERENCES item(id) ON DELETE SET NULL,
                model text NOT NULL,
                "promptHash" text NOT NULL,
                "promptTokens" integer,
                "completionTokens" integer,
                "latencySeconds" double precision NOT NULL,
                cost double precision NOT NULL,
                attempts integer NOT NULL,
                cached boolean NOT NULL,
                error text,
                "startedAt" timestamptz NOT NULL
            );
            CREATE TABLE "llmCache" (
                key text PRIMARY KEY,
                response text NOT NULL,
                "createdAt" timestamptz NOT NULL
            );
            """),
        Migration(name: "v2-annotation-provenance", sql: """
            ALTER TABLE annotation ADD COLUMN examples text, ADD COLUMN "promptHash" text, ADD COLUMN batch bigint;
            """),
        Migration(name: "llmCall.promptTokensEvaluated", sql: """
            ALTER TABLE "llmCall" ADD COLUMN "promptTokensEvaluated" integer;
            """),
        // PostgreSQL alters a CHECK in place; the rows and the id sequence stay as they are.
        Migration(name: "v3-annotation-kinds", sql: """
            ALTER TABLE annotation DROP CONSTRAINT annotation_kind_check,
                ADD CONSTRAINT annotation_kind_check
                    CHECK (kind IN ('label', 'accept', 'undo', 'skip', 'note', 'ignore')),
                DROP CONSTRAINT annotation_source_check,
                ADD CONSTRAINT annotation_source_check
                    CHECK (source IN ('human', 'llm', 'override', 'model', 'shadow'));
            """),
        // A claim is free when its holder is NULL or its lease has expired.
        Migration(name: "v4-expert-claims", sql: """
            CREATE TABLE claim (
                "itemId" bigint PRIMARY KEY REFERENCES item(id) ON DELETE CASCADE,
                holder text,
                "expiresAt" timestamptz
            );
            """),
    ]

    /// The table of applied migrations, created with the schema.
    static let migrationsTable = """
        CREATE TABLE IF NOT EXISTS migrations (
            identifier text PRIMARY KEY,
            "appliedAt" timestamptz NOT NULL DEFAULT now()
        )
        """
}
