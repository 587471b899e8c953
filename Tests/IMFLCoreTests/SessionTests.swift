import Foundation
import Testing
@testable import IMFLCore

@Suite struct SessionTests {
    /// Creates a session from the sample data in `dir/s`.
    func makeSession(_ dir: TempDir) throws -> String {
        let (pool, test) = try SampleData.write(in: dir)
        let dataset = try DatasetImport.load(DatasetSource(poolPath: pool, testPath: test), labels: nil)
        return try Session.create(at: dir.path("s"), config: SessionConfig(task: .init(name: "s", labels: dataset.labels)), dataset: dataset)
    }

    @Test func createWritesASelfContainedFolder() throws {
        let dir = try TempDir()
        let folder = try makeSession(dir)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["session.sqlite", "session.toml"])
        #expect(try dir.contents() == ["pool.jsonl", "s", "test.jsonl"])
        let session = try Session.open(folder)
        #expect(try session.database.itemCount(split: .pool) == 5)
        #expect(try session.database.itemCount(split: .test) == 3)
        #expect(session.config.task.labels == SampleData.labels)
    }

    @Test func createRefusesToOverwriteAndLeavesNothingBehind() throws {
        // Given an existing session
        let dir = try TempDir()
        let folder = try makeSession(dir)
        let before = try dir.contents()
        // When a second init targets the same folder
        let dataset = try DatasetImport.load(DatasetSource(poolPath: dir.path("pool.jsonl"), testPath: dir.path("test.jsonl")), labels: nil)
        #expect(throws: SessionError.alreadyExists(path: folder)) {
            try Session.create(at: folder, config: SessionConfig(task: .init(name: "s", labels: dataset.labels)), dataset: dataset)
        }
        // Then no staging folder or partial file is left
        #expect(try dir.contents() == before)
    }

    @Test func aFailedImportLeavesNoFolder() throws {
        // Given a dataset whose label set lacks a gold label (the schema's foreign key refuses it)
        let dir = try TempDir()
        let dataset = DatasetImport(
            labels: ["a", "b"],
            pool: [Item(key: "1", text: "x", split: .pool, gold: "zzz", position: 0)],
            test: [Item(key: "2", text: "y", split: .test, gold: "a", position: 0)], warnings: [])
        // When the session is created
        #expect(throws: (any Error).self) {
            try Session.create(at: dir.path("s"), config: SessionConfig(task: .init(name: "s", labels: ["a", "b"])), dataset: dataset)
        }
        // Then nothing was created
        #expect(try dir.contents().isEmpty)
    }

    @Test func aSecondWriterIsToldWhichProcessHoldsTheSession() throws {
        let dir = try TempDir()
        let folder = try makeSession(dir)
        let first = try Session.open(folder)
        #expect(throws: SessionError.locked(path: folder, pid: getpid())) {
            _ = try Session.open(folder)
        }
        // Readers are never locked out
        let reader = try Session.open(folder, access: .readOnly)
        #expect(try reader.database.itemCount(split: .pool) == 5)
        _ = first
    }

    @Test("a folder opened for labeling as one of a team is still one writer at a time")
    func aFolderOpenedForATeamIsLocked() async throws {
        let dir = try TempDir()
        let folder = try makeSession(dir)
        let first = try await Session.open(location: folder, access: .team)
        #expect(throws: SessionError.locked(path: folder, pid: getpid())) {
            _ = try Session.open(folder, access: .team)
        }
        _ = first
    }

    @Test func theLockIsReleasedWhenTheSessionCloses() throws {
        let dir = try TempDir()
        let folder = try makeSession(dir)
        do { _ = try Session.open(folder) }
        _ = try Session.open(folder)
    }

    @Test func labelsSurviveReopeningTheSession() async throws {
        // Given labels written through one opening of the session
        let dir = try TempDir()
        let folder = try makeSession(dir)
        do {
            let session = try Session.open(folder)
            let items = try session.database.items(split: .pool)
            try session.database.append(.label("positive", itemID: items[0].id!, source: .human, round: 1))
            try session.database.append(.label("neutral", itemID: items[1].id!, source: .llm, round: 1, confidence: 0.7))
            try session.database.beginRound(RoundRecord(round: 1, status: .labeling, human: 2, llm: 3),
                                             queue: [QueueEntry(round: 1, itemID: items[2].id!, fidelity: .human, rank: 0)])
        }
        // When it is opened again
        let session = try Session.open(folder)
        // Then the labels, the round and its queue are all there
        let current = try await session.database.replayedLog().currentLabels
        #expect(current.values.map(\.label).sorted() == ["neutral", "positive"])
        #expect(try session.database.rounds().first?.status == .labeling)
        #expect(try session.database.queue(round: 1).map(\.fidelity) == [.human])
    }

    @Test func statusCountsBySourceAndLabel() async throws {
        let dir = try TempDir()
        let session = try Session.open(try makeSession(dir))
        let items = try session.database.items(split: .pool)
        try session.database.append(.label("positive", itemID: items[0].id!, source: .human, round: 1))
        try session.database.append(.label("neutral", itemID: items[1].id!, source: .llm, round: 1))
        try session.database.append(.label("neutral", itemID: items[2].id!, source: .llm, round: 1))
        try session.database.append(.label("negative", itemID: items[2].id!, source: .override, round: 1))
        let status = try await SessionStatus.compute(session)
        #expect(status.bySource == [.human: 1, .llm: 1, .override: 1])
        #expect(status.byLabel["neutral"] == [.llm: 1])
        // First-hand expert labels count against the expert budget; the override is counted apart
        #expect(status.humanUsed == 1)
        #expect(status.humanBudget == 200)
        #expect(status.llmUsed == 2)
    }

    @Test(arguments: [DatasetFormat.jsonl, .csv])
    func exportReadsBackThroughInit(format: DatasetFormat) async throws {
        // Given a session with labels from every source
        let dir = try TempDir()
        let session = try Session.open(try makeSession(dir))
        let items = try session.database.items(split: .pool)
        try session.database.append(.label("positive", itemID: items[0].id!, source: .human, round: 1))
        try session.database.append(.label("neutral", itemID: items[1].id!, source: .llm, round: 1, confidence: 0.8))
        try session.database.append(.label("neutral", itemID: items[3].id!, source: .llm, round: 2))
        try session.database.append(.label("positive", itemID: items[3].id!, source: .override, round: 2))
        // When the labels are exported and imported as a new pool
        let labels = try await DatasetExport.labels(of: session.database, sources: [.human, .llm, .override])
        #expect(labels.map(\.reviewed) == [true, false, true])
        let file = try dir.write("export.\(format.rawValue)", DatasetExport.render(labels, format: format))
        let dataset = try DatasetImport.load(DatasetSource(poolPath: file, testPath: dir.path("test.jsonl")), labels: nil)
        // Then ids, texts and labels come back unchanged
        #expect(dataset.pool.map(\.key) == ["p1", "p2", "p4"])
        #expect(dataset.pool.map(\.text) == items.enumerated().filter { [0, 1, 3].contains($0.offset) }.map(\.element.text))
        #expect(dataset.pool.map(\.gold) == ["positive", "neutral", "positive"])
    }

    @Test func exportFiltersBySource() async throws {
        let dir = try TempDir()
        let session = try Session.open(try makeSession(dir))
        let items = try session.database.items(split: .pool)
        try session.database.append(.label("positive", itemID: items[0].id!, source: .human, round: 1))
        try session.database.append(.label("neutral", itemID: items[1].id!, source: .llm, round: 1))
        #expect(try await DatasetExport.labels(of: session.database, sources: [.llm]).map(\.id) == ["p2"])
    }
}
