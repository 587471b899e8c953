import Foundation
import Testing
@testable import IMFLCore
import IMFLTestSupport

/// Several experts on one shared session, each with an engine of their own over their own
/// connection, as several `imfl label` processes are: one engine leads the rounds, the others
/// follow; claims keep two experts off one item; a follower takes over when the leader's
/// process ends. Needs the test PostgreSQL server (`scripts/test` starts one).
@Suite("Many engines, one shared session", .enabled(if: TestPostgres.isAvailable, "needs IMFL_TEST_POSTGRES_URL (scripts/test starts a throwaway PostgreSQL cluster)"))
struct SharedSessionEngineTests {
    /// One expert at one terminal: an engine of their own, serving the session.
    struct Terminal {
        let store: PostgresStore
        let engine: RoundEngine
        let serving: Task<Void, any Error>

        init(_ address: PostgresAddress, annotator: String, config: EngineConfiguration) async throws {
            store = try await PostgresStore.open(address)
            var config = config
            config.annotator = annotator
            engine = RoundEngine(store: store, embedder: ClusterEmbedder(),
                                 annotator: ScriptedAnnotator(gold: EngineTests.gold, labels: EngineTests.labels),
                                 configuration: config)
            let engine = engine
            serving = Task { try await engine.serve(electionInterval: .milliseconds(100)) }
        }

        /// The process ends: its engine stops, and its connection (with the engine lock and
        /// any claim it held, unrenewed) goes.
        func kill() async {
            serving.cancel()
            _ = await serving.result
            await store.close()
        }
    }

    /// What a scripted expert did: the items they labeled, and the roles their engine took.
    struct Sitting {
        var labeled: [Int64] = []
        var roles: [EngineRole] = []
    }

    /// Labels with the gold label every item the engine hands this expert, as items come,
    /// until the session is finished or `stopAfter` labels are given.
    static func label(at terminal: Terminal, stopAfter: Int? = nil) async throws -> Sitting {
        var sitting = Sitting()
        func work() async throws -> Bool {
            while let task = try await terminal.engine.claimNextExpertItem(neighbours: 0) {
                try await terminal.engine.submit(itemID: task.itemID, label: EngineTests.gold[task.itemID]!)
                sitting.labeled.append(task.itemID)
                if sitting.labeled.count == stopAfter { return true }
            }
            return false
        }
        if try await work() { return sitting }
        for await event in terminal.engine.events {
            if case .role(let role) = event { sitting.roles.append(role) }
            if event == .finished { break }
            if try await work() { break }
        }
        return sitting
    }

    static func configuration() throws -> EngineConfiguration {
        // Half of each round's labels are the experts', so that both have plenty to do.
        var config = try EngineTests.configuration(rounds: 2, budget: 48)
        config.schedule = try Schedule(budget: 48, humanShare: 0.5, rounds: 2)
        config.claimLease = 2
        return config
    }

    @Test("two experts label at once: one engine leads, no item reaches both, each sees the other's labels, the session finishes")
    func twoExpertsLabelAtOnce() async throws {
        let session = try await StoreBackend.postgres.makeSession(labels: EngineTests.labels, items: EngineTests.sessionItems(), name: "team")
        let config = try Self.configuration()
        let ana = try await Terminal(try #require(session.address), annotator: "ana", config: config)
        let ben = try await Terminal(try #require(session.address), annotator: "ben", config: config)

        async let anaSitting = Self.label(at: ana)
        async let benSitting = Self.label(at: ben)
        let (a, b) = try await (anaSitting, benSitting)

        // Exactly one engine led; no item was labeled by both; every label is in the log once
        let leaders = [a.roles, b.roles].filter { $0.contains(.leading) }
        #expect(leaders.count == 1)
        #expect(Set(a.labeled).isDisjoint(with: Set(b.labeled)))
        let log = try await ana.store.annotationLog()
        let expertLabels = log.filter { $0.kind == .label && $0.source == .human }
        #expect(expertLabels.count == a.labeled.count + b.labeled.count)
        #expect(Set(expertLabels.filter { $0.annotator == "ana" }.map(\.itemID)) == Set(a.labeled))
        #expect(Set(expertLabels.filter { $0.annotator == "ben" }.map(\.itemID)) == Set(b.labeled))
        #expect(!a.labeled.isEmpty && !b.labeled.isEmpty)
        // Each engine's replay holds the other expert's labels
        for id in b.labeled { #expect(await ana.engine.currentLabel(id)?.label == EngineTests.gold[id]) }
        for id in a.labeled { #expect(await ben.engine.currentLabel(id)?.label == EngineTests.gold[id]) }
        // Both rounds were trained
        #expect(try await ana.store.metrics().map(\.round) == [1, 2])

        await ana.kill()
        await ben.kill()
        await session.remove()
    }

    @Test("when the leading engine's process ends, a follower takes over and finishes the rounds; no label is lost")
    func aFollowerTakesOver() async throws {
        let session = try await StoreBackend.postgres.makeSession(labels: EngineTests.labels, items: EngineTests.sessionItems(), name: "takeover")
        let config = try Self.configuration()
        let address = try #require(session.address)
        // Given ana's engine leads and ben's follows
        let ana = try await Terminal(address, annotator: "ana", config: config)
        for await event in ana.engine.events { if event == .role(.leading) { break } }
        let ben = try await Terminal(address, annotator: "ben", config: config)
        // When ben labels a few items and ana's process ends mid-round
        let before = try await Self.label(at: ben, stopAfter: 5)
        #expect(before.labeled.count == 5)
        await ana.kill()
        // Then ben's engine takes over, and ben finishes the session alone
        let after = try await Self.label(at: ben)
        #expect(after.roles.contains(.leading))
        let log = try await ben.store.annotationLog()
        let expertLabels = log.filter { $0.kind == .label && $0.source == .human }
        #expect(Set(expertLabels.map(\.itemID)) == Set(before.labeled + after.labeled))
        #expect(expertLabels.count == before.labeled.count + after.labeled.count)
        #expect(try await ben.store.metrics().map(\.round) == [1, 2])
        await ben.kill()
        await session.remove()
    }

    @Test("an item held by a terminal that died goes to another expert once its lease runs out, and not before")
    func aDeadTerminalsClaimRunsOut() async throws {
        let session = try await StoreBackend.postgres.makeSession(labels: EngineTests.labels, items: EngineTests.sessionItems(), name: "lease")
        let config = try Self.configuration()
        let address = try #require(session.address)
        let ana = try await Terminal(address, annotator: "ana", config: config)
        for await event in ana.engine.events { if case .roundStarted = event { break } }
        // Given ana is shown an item, and her terminal dies with it on screen
        let held = try #require(try await ana.engine.claimNextExpertItem(neighbours: 0)).itemID
        let ben = try await Terminal(address, annotator: "ben", config: config)
        for await event in ben.engine.events { if case .role = event { break } }
        await ana.kill()
        // When ben asks for items while the claim is live, he is handed others
        let first = try #require(try await ben.engine.claimNextExpertItem(neighbours: 0))
        #expect(first.itemID != held)
        try await ben.engine.submit(itemID: first.itemID, label: EngineTests.gold[first.itemID]!)
        // Then once the lease has run out, the item is his
        var seen = Set<Int64>()
        while let task = try await ben.engine.claimNextExpertItem(neighbours: 0), task.itemID != held {
            try await ben.engine.submit(itemID: task.itemID, label: EngineTests.gold[task.itemID]!)
            seen.insert(task.itemID)
        }
        var handed: Int64?
        for _ in 0 ..< 600 where handed == nil {
            try await Task.sleep(for: .milliseconds(100))
            handed = try await ben.engine.claimNextExpertItem(neighbours: 0)?.itemID
        }
        #expect(handed == held)
        #expect(!seen.contains(held))
        await ben.kill()
        await session.remove()
    }
}
