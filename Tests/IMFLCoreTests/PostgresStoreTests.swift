import Foundation
import Testing
@testable import IMFLCore
import IMFLTestSupport

/// A shared session on PostgreSQL: its migrations, `imfl copy` both ways with every row intact,
/// the LLM cache and call log, and the errors a user meets. Tests that need a server run when
/// `scripts/test` has started one (IMFL_TEST_POSTGRES_URL); each uses sessions of its own.
@Suite("Shared sessions on PostgreSQL")
struct PostgresStoreTests {
    static let needsServer = "needs IMFL_TEST_POSTGRES_URL: scripts/test starts a throwaway PostgreSQL cluster and sets it"

    @Test("the PostgreSQL migrations are the SQLite schema's, by name and in order")
    func migrationNamesMatchSQLite() {
        #expect(PostgresSchema.migrations.map(\.name) == Schema.migrator.migrations)
    }

    @Test("a session URL is read, and a URL with a password, without a session or with a bad name is refused")
    func addresses() throws {
        let address = try PostgresAddress(parsing: "postgres://ana@db.example:6543/labels?session=fpb_team")
        #expect(address == PostgresAddress(user: "ana", host: "db.example", port: 6543, database: "labels", session: "fpb_team"))
        #expect(address.schema == "imfl_fpb_team")
        #expect(try PostgresAddress(parsing: "postgresql://ana@db/labels?session=a").port == 5432)
        for bad in ["postgres://ana:secret@db/labels?session=a", "postgres://ana@db/labels", "postgres://db/labels?session=a",
                    "postgres://ana@db/?session=a", "postgres://ana@db/labels?session=A-b", "postgres://ana@db/labels?session=a&x=1"] {
            #expect(throws: SessionError.self, "\(bad) was accepted") { try PostgresAddress(parsing: bad) }
        }
        // The password never shows in the message of a URL that carried one
        do {
            _ = try PostgresAddress(parsing: "postgres://ana:secret@db/labels?session=a")
        } catch {
            #expect(!String(describing: error).contains("secret"))
        }
    }

    @Test("the password comes from PGPASSWORD, else the first matching ~/.pgpass line")
    func passwords() throws {
        let address = PostgresAddress(user: "ana", host: "db", port: 5432, database: "labels", session: "s")
        #expect(address.password(environment: ["PGPASSWORD": "p1", "PGPASSFILE": "/nonexistent"]) == "p1")
        let dir = try TempDir()
        let file = try dir.write("pgpass", """
            # comment
            other:5432:labels:ana:wrong
            db:5432:labels:bob:wrong
            db:*:labels:ana:pa\\:ss
            *:*:*:*:fallback
            """)
        #expect(address.password(environment: ["PGPASSFILE": file]) == "pa:ss")
        #expect(address.session("t").password(environment: ["PGPASSFILE": file]) == "pa:ss")
        #expect(PostgresAddress(user: "eve", host: "x", database: "y", session: "s").password(environment: ["PGPASSFILE": file]) == "fallback")
        #expect(address.password(environment: ["PGPASSFILE": dir.path("missing")]) == nil)
    }

    /// A session folder with everything a session holds: two rounds labeled by the engine
    /// (labels, an undo, an override, LLM labels with their examples), vectors, metrics, LLM
    /// calls and cached answers, and guidelines.
    static func labeledFolder(_ dir: TempDir) async throws -> String {
        let items = EngineTests.sessionItems()
        let dataset = DatasetImport(
            labels: EngineTests.labels,
            pool: items.filter { $0.split == .pool }.enumerated().map { Item(key: "k\($1.id)", text: $1.text, split: .pool, gold: $1.gold, position: $0) },
            test: items.filter { $0.split == .test }.enumerated().map { Item(key: "k\($1.id)", text: $1.text, split: .test, gold: $1.gold, position: $0) },
            warnings: [])
        var config = SessionConfig(task: .init(name: "copied", description: "the sentiment of a line", labels: EngineTests.labels))
        config.task.guidelines = "rules.md"
        let folder = try Session.create(at: dir.path("session"), config: config, dataset: dataset,
                                        files: ["rules.md": Data("Label the sentiment.\n".utf8)])
        let session = try Session.open(folder)
        let db = try session.database
        var engineConfig = try EngineTests.configuration()
        engineConfig.annotator = "ana"
        let engine = RoundEngine(store: db, embedder: ClusterEmbedder(),
                                 annotator: ScriptedAnnotator(gold: EngineTests.gold, labels: EngineTests.labels), configuration: engineConfig)
        #expect(try await EngineTests.drive(engine, store: db))
        try await db.record(LLMCallRecord(itemID: 3, model: "m", promptHash: "h1", promptTokens: 120, promptTokensEvaluated: 40,
                                          completionTokens: 1, latencySeconds: 0.25, cost: 0.002, attempts: 1, cached: false,
                                          error: nil, startedAt: Date(timeIntervalSince1970: 1_765_000_000.123)))
        try await db.record(LLMCallRecord(itemID: nil, model: "m", promptHash: "h2", promptTokens: nil, completionTokens: nil,
                                          latencySeconds: 3, cost: 0, attempts: 4, cached: false, error: "HTTP 500",
                                          startedAt: Date(timeIntervalSince1970: 1_765_000_001.5)))
        try await db.storeAnswer(CachedAnswer(label: "positive", confidence: 0.75, probabilities: ["positive": 0.75],
                                              model: "m", promptTokens: 120, completionTokens: 1), forKey: "h1")
        return folder
    }

    @Test("imfl copy: folder → URL → folder keeps every row, id and date, settings and guidelines",
          .enabled(if: TestPostgres.isAvailable, Comment(rawValue: needsServer)))
    func copyRoundTrip() async throws {
        // Given a labeled session folder
        let dir = try TempDir()
        let folder = try await Self.labeledFolder(dir)
        let original = try Session.open(folder, access: .readOnly)
        let before = try original.database.snapshot()
        #expect(before.annotations.count > 40 && before.rounds.count == 2 && before.embeddings.count == 150)
        #expect(before.annotations.contains { $0.kind == .undo } && before.annotations.contains { $0.source == .override })

        // When it is copied to PostgreSQL and back to a new folder
        let address = try TestPostgres.address("copy")
        try await Session.copy(from: folder, to: address.description)
        let back = dir.path("back")
        try await Session.copy(from: address.description, to: back)

        // Then the copy holds the same rows: every event with its id, order and date
        let copy = try Session.open(back, access: .readOnly)
        let after = try copy.database.snapshot()
        #expect(after.toMilliseconds == before.toMilliseconds)
        #expect(after.annotations.map(\.id) == before.annotations.map(\.id))
        #expect(after.annotations.map(\.createdAt) == before.annotations.map(\.createdAt))
        #expect(try String(contentsOfFile: copy.configPath, encoding: .utf8) == String(contentsOfFile: original.configPath, encoding: .utf8))
        #expect(try copy.guidelines() == "Label the sentiment.\n")
        // And the shared session holds them too, with its settings, and reads back as the folder does
        let shared = try await Session.open(address: address)
        let onServer = try await shared.store.snapshot()
        #expect(onServer.meta[PostgresStore.configKey] == (try String(contentsOfFile: original.configPath, encoding: .utf8)))
        var withoutFiles = onServer
        withoutFiles.meta[PostgresStore.configKey] = nil
        withoutFiles.meta[PostgresStore.guidelinesKey] = nil
        #expect(withoutFiles.toMilliseconds == before.toMilliseconds)
        #expect(try shared.guidelines() == "Label the sentiment.\n")
        #expect(try await SessionStatus.compute(shared) == (try await SessionStatus.compute(original)))
        #expect(try await DatasetExport.labels(of: shared.store, sources: [.human, .llm, .override])
                == (try await DatasetExport.labels(of: original.store, sources: [.human, .llm, .override])))
        #expect(try await shared.store.llmCallTotals() == (try await original.store.llmCallTotals()))
        #expect(try await shared.store.cachedAnswer(forKey: "h1") == (try await original.store.cachedAnswer(forKey: "h1")))
        // And the next event appended continues the log after the copied ids
        let next = try await shared.store.append(contentsOf: [Annotation(itemID: 1, kind: .note, annotator: "bo", note: "later")])
        #expect(next.first?.id == (before.annotations.last?.id ?? 0) + 1)
        await shared.close()
        try await TestPostgres.drop(address)
    }

    @Test("a shared session created by imfl init opens with its settings; a second init of the name is refused",
          .enabled(if: TestPostgres.isAvailable, Comment(rawValue: needsServer)))
    func createAndOpen() async throws {
        let address = try TestPostgres.address("create")
        let dataset = DatasetImport(
            labels: ["no", "yes"],
            pool: (0 ..< 6).map { Item(key: "p\($0)", text: "pool \($0)", split: .pool, gold: nil, position: $0) },
            test: (0 ..< 2).map { Item(key: "t\($0)", text: "test \($0)", split: .test, gold: $0 == 0 ? "no" : "yes", position: $0) },
            warnings: [])
        let config = SessionConfig(task: .init(name: address.session, description: "", labels: ["no", "yes"]))
        try await Session.create(at: address, config: config, dataset: dataset, guidelines: "Say yes or no.")
        await #expect(throws: SessionError.sessionExists(address: address.description)) {
            try await Session.create(at: address, config: config, dataset: dataset, guidelines: nil)
        }
        let session = try await Session.open(location: address.description)
        #expect(session.isShared && session.config.task.labels == ["no", "yes"])
        #expect(try session.guidelines() == "Say yes or no.")
        #expect(try await session.store.items(in: .pool).map(\.key) == (0 ..< 6).map { "p\($0)" })
        #expect(try await session.store.items(in: .test).map(\.id) == [7, 8])
        #expect(try await (session.store as! PostgresStore).appliedMigrations() == Schema.migrator.migrations)
        #expect(throws: SessionError.needsFolder(address: address.description)) { try session.database }
        await session.close()
        try await TestPostgres.drop(address)
    }

    @Test("one writer at a time: a second process opening a shared session alone for writing is refused until the first closes, while a team member is not",
          .enabled(if: TestPostgres.isAvailable, Comment(rawValue: needsServer)))
    func oneWriterAtATime() async throws {
        let address = try TestPostgres.address("writer")
        let dataset = DatasetImport(
            labels: ["no", "yes"], pool: [Item(key: "p", text: "pool", split: .pool, gold: nil, position: 0)],
            test: [], warnings: [])
        try await Session.create(at: address, config: SessionConfig(task: .init(name: "w", description: "", labels: ["no", "yes"])),
                                 dataset: dataset, guidelines: nil)
        // Given a session open for writing
        let first = try await Session.open(address: address, access: .readWrite)
        // Then a second writer is told it is open elsewhere, and a reader is not refused
        await #expect(throws: SessionError.locked(path: address.description, pid: nil)) {
            try await Session.open(address: address, access: .readWrite)
        }
        let reader = try await Session.open(address: address, access: .readOnly)
        #expect(try await reader.store.labels() == ["no", "yes"])
        await reader.close()
        // And an expert joining the team opens it (their engine follows the lock's holder)
        let member = try await Session.open(address: address, access: .team)
        #expect(try await (member.store as! PostgresStore).tryLeadEngine(holder: "ben") == false)
        await member.close()
        // And once the first closes (or its process ends), the next writer gets it
        await first.close()
        let second = try await Session.open(address: address, access: .readWrite)
        await second.close()
        try await TestPostgres.drop(address)
    }

    /// A new one-item session at `address`, open for writing with `note` in its log, and the
    /// server process of its store's connection, for the tests that end that connection.
    static func writerWithOneNote(_ address: PostgresAddress, note: String) async throws -> (Session, PostgresStore, backend: Int32) {
        let dataset = DatasetImport(
            labels: ["no", "yes"], pool: [Item(key: "p", text: "pool", split: .pool, gold: nil, position: 0)], test: [], warnings: [])
        try await Session.create(at: address, config: SessionConfig(task: .init(name: "w", description: "", labels: ["no", "yes"])),
                                 dataset: dataset, guidelines: nil)
        let session = try await Session.open(address: address, access: .readWrite)
        let store = try #require(session.store as? PostgresStore)
        _ = try await store.append(contentsOf: [Annotation(itemID: 1, kind: .note, note: note)])
        let backend = try await store.link.withConnection { db, logger in
            var pid: Int32 = 0
            for try await value in try await db.query("SELECT pg_backend_pid()", logger: logger).decode(Int32.self) { pid = value }
            return pid
        }
        return (session, store, backend)
    }

    @Test("a dropped connection fails the request under way with a message, and the next request reconnects with the writer lock",
          .enabled(if: TestPostgres.isAvailable, Comment(rawValue: needsServer)))
    func droppedConnection() async throws {
        // Given a session open for writing, with one event in its log
        let address = try TestPostgres.address("dropped")
        let (session, store, backend) = try await Self.writerWithOneNote(address, note: "first")
        // When the server ends its connection (a restart, a network cut, an administrator)
        let admin = PostgresLink(address: address, password: nil)
        try await admin.withConnection { db, logger in
            try await db.query("SELECT pg_terminate_backend(\(backend))", logger: logger)
        }
        // Then the next request either reconnects at once (the drop was already seen) or fails
        // saying the connection dropped, and is then not in the log
        var saved = ["first"]
        do {
            _ = try await store.append(contentsOf: [Annotation(itemID: 1, kind: .note, note: "maybe")])
            saved.append("maybe")
        } catch let SessionError.server(_, reason) {
            #expect(reason.contains("dropped"))
        }
        // And the one after reconnects, continues the log, and holds the writer lock again
        _ = try await store.append(contentsOf: [Annotation(itemID: 1, kind: .note, note: "second")])
        saved.append("second")
        let log = try await store.annotationLog()
        #expect(log.map(\.note) == saved)
        #expect(log.compactMap(\.id) == log.compactMap(\.id).sorted())
        await #expect(throws: SessionError.locked(path: address.description, pid: nil)) {
            try await Session.open(address: address, access: .readWrite)
        }
        await session.close()
        await admin.close()
        try await TestPostgres.drop(address)
    }

    @Test("a writer whose connection dropped while another process took the writer lock writes nothing more, and says so",
          .enabled(if: TestPostgres.isAvailable, Comment(rawValue: needsServer)))
    func lostWriterLock() async throws {
        // Given a session open for writing (the process running its engine), one event in its log
        let address = try TestPostgres.address("lost")
        let (first, old, backend) = try await Self.writerWithOneNote(address, note: "before")
        // When its connection ends (waiting until the server has let it go, lock and all),
        let admin = PostgresLink(address: address, password: nil)
        try await admin.withConnection { db, logger in
            try await db.query("SELECT pg_terminate_backend(\(backend), 600000)", logger: logger)
        }
        // and another process takes the session for writing before it reconnects
        let second = try await Session.open(address: address, access: .readWrite)
        // Then its next request fails saying the connection dropped, or at once that the
        // engine is lost, and every request after that says the engine is lost
        var errors: [SessionError] = []
        for note in ["a", "b", "c"] {
            do {
                _ = try await old.append(contentsOf: [Annotation(itemID: 1, kind: .note, note: note)])
                Issue.record("the old writer wrote \(note) beside the new one")
            } catch let error as SessionError {
                errors.append(error)
            }
        }
        let lost = SessionError.leadLost(address: address.description)
        #expect(errors.suffix(2) == [lost, lost])
        if errors[0] != lost, case let .server(_, reason) = errors[0] { #expect(reason.contains("dropped")) }
        await #expect(throws: lost) { _ = try await old.tryLeadEngine(holder: "old") }
        #expect(lost.description.contains("Quit and run `imfl label` again"))
        // And the session holds only what was written before the drop
        #expect(try await second.store.annotationLog().map(\.note) == ["before"])
        await first.close()
        await second.close()
        await admin.close()
        try await TestPostgres.drop(address)
    }

    @Test("errors: an unknown session is named with the ones the database holds; a newer schema is refused",
          .enabled(if: TestPostgres.isAvailable, Comment(rawValue: needsServer)))
    func unknownSessionAndNewerSchema() async throws {
        // Given a session whose schema has a migration this imfl does not know
        let address = try TestPostgres.address("newer")
        let store = try await PostgresStore.create(address) { _, _ in }
        try await store.link.withConnection { db, logger in
            try await db.query("INSERT INTO migrations (identifier) VALUES ('v9-from-the-future')", logger: logger)
        }
        await store.close()
        // Then opening it says a newer imfl wrote it
        await #expect(throws: SessionError.newerSchema(address: address.description, unknown: ["v9-from-the-future"])) {
            try await PostgresStore.open(address)
        }
        // And a session name the database does not hold is refused, naming the ones it holds
        let missing = address.session("nosuchsession")
        do {
            _ = try await PostgresStore.open(missing)
            Issue.record("opened a session that does not exist")
        } catch let SessionError.noSession(shown, existing) {
            #expect(shown == missing.description)
            #expect(existing.contains(address.session))
        }
        try await TestPostgres.drop(address)
    }

    @Test("errors: a refused password and an unreachable server say what to do",
          .enabled(if: TestPostgres.isAvailable, Comment(rawValue: needsServer)))
    func refusedPasswordAndUnreachableServer() async throws {
        // Given a role that must log in with a password (the test cluster trusts only its superuser)
        let base = try TestPostgres.address("auth")
        let role = "r_\(UInt32.random(in: 0 ... .max))"
        let admin = PostgresLink(address: base, password: nil)
        try await admin.withConnection { db, logger in
            try await db.query(.init(unsafeSQL: "CREATE ROLE \(role) LOGIN PASSWORD 'right'"), logger: logger)
        }
        var address = base
        address.user = role
        // When it connects with a wrong password, and with none
        do {
            _ = try await PostgresStore.open(address, environment: ["PGPASSWORD": "wrong"])
            Issue.record("a wrong password was accepted")
        } catch let SessionError.authentication(_, user, reason) {
            #expect(user == role && reason.contains("password"))
        }
        do {
            _ = try await PostgresStore.open(address, environment: ["PGPASSFILE": "/nonexistent", "HOME": "/nonexistent"])
            Issue.record("no password was accepted")
        } catch let SessionError.authentication(_, _, reason) {
            #expect(reason.contains("PGPASSWORD"))
        }
        // And with the right one it reaches the database (which has no such session)
        do {
            _ = try await PostgresStore.open(address.session("none_here"), environment: ["PGPASSWORD": "right"])
            Issue.record("opened a session that does not exist")
        } catch SessionError.noSession {
        }
        try await admin.withConnection { db, logger in
            try await db.query(.init(unsafeSQL: "DROP ROLE \(role)"), logger: logger)
        }
        await admin.close()

        // And a port nothing listens on is an unreachable server
        var closed = base
        closed.port = 1
        do {
            _ = try await PostgresStore.open(closed)
            Issue.record("connected to port 1")
        } catch let SessionError.unreachable(shown, reason) {
            #expect(shown == closed.description && reason.contains("127.0.0.1:1"))
        }
    }
}
