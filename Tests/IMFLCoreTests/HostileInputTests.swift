import Foundation
import GRDB
import Testing
@testable import IMFLCore

/// Regressions for the smaller findings of issue 14: inputs a hostile user or a crash leave
/// behind, each refused or cleaned with a message naming the file and the problem.
@Suite struct HostileInputTests {
    func makeSession(_ dir: TempDir, name: String = "s") throws -> String {
        let (pool, test) = try SampleData.write(in: dir)
        let dataset = try DatasetImport.load(DatasetSource(poolPath: pool, testPath: test), labels: nil)
        return try Session.create(at: dir.path(name), config: SessionConfig(task: .init(name: name, labels: dataset.labels)), dataset: dataset)
    }

    @Test func generatedIDsDoNotClashWhenPoolAndTestShareAFileName() throws {
        // Given pool/data.jsonl and test/data.jsonl, neither with ids
        let dir = try TempDir()
        try FileManager.default.createDirectory(atPath: dir.path("pool"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.path("test"), withIntermediateDirectories: true)
        let pool = try dir.write("pool/data.jsonl", #"{"text": "one"}"# + "\n" + #"{"text": "two"}"#)
        let test = try dir.write("test/data.jsonl", #"{"text": "a", "label": "x"}"# + "\n" + #"{"text": "b", "label": "y"}"#)
        // When they are imported
        let dataset = try DatasetImport.load(DatasetSource(poolPath: pool, testPath: test), labels: nil)
        // Then every id is distinct, the test file's marked as such
        #expect(dataset.pool.map(\.key) == ["data-1", "data-2"])
        #expect(dataset.test.map(\.key) == ["data-test-1", "data-test-2"])
    }

    @Test(arguments: ["", "   "])
    func anEmptyTestLabelIsRefusedWithItsLine(label: String) throws {
        let dir = try TempDir()
        let test = SampleData.test + #"{"id": "t4", "text": "Blank.", "label": "\#(label)"}"# + "\n"
        let (pool, testPath) = try SampleData.write(in: dir, test: test)
        #expect {
            try DatasetImport.load(DatasetSource(poolPath: pool, testPath: testPath), labels: nil)
        } throws: { error in
            (error as? DatasetError)?.description.contains("test.jsonl:4: empty label: every test item needs one") == true
        }
    }

    @Test func labelsDifferingOnlyByCaseOrSpacesAreWarnedAbout() throws {
        let dir = try TempDir()
        let test = SampleData.test + #"{"id": "t4", "text": "Flat.", "label": "neutral "}"# + "\n"
            + #"{"id": "t5", "text": "Flat too.", "label": "Neutral"}"# + "\n"
        let (pool, testPath) = try SampleData.write(in: dir, test: test)
        let dataset = try DatasetImport.load(DatasetSource(poolPath: pool, testPath: testPath), labels: nil)
        let messages = dataset.warnings.map { "\($0.line ?? 0): \($0.message)" }
        #expect(messages.contains { $0.hasPrefix("4: label \"neutral \" differs from \"Neutral\" only by case or spaces") })
        #expect(messages.contains { $0.hasPrefix("2: label \"neutral\" differs from \"Neutral\"") })
    }

    @Test func anEmptySessionDatabaseIsRefusedAndLeftEmpty() throws {
        // Given a session whose session.sqlite was truncated to 0 bytes
        let dir = try TempDir()
        let folder = try makeSession(dir)
        let database = folder + "/" + Session.databaseFile
        try Data().write(to: URL(fileURLWithPath: database))
        // When it is opened for writing, then it is refused, and the file is not written
        #expect {
            try Session.open(folder)
        } throws: { error in
            guard case .unusable(let path, let reason) = error as? SessionError else { return false }
            return path == database && reason.contains("empty (0 bytes)")
        }
        #expect(try FileManager.default.attributesOfItem(atPath: database)[.size] as? Int == 0)
    }

    @Test func aDatabaseFromAnotherSessionIsRefused() throws {
        // Given two sessions, and the second one's database copied into the first
        let dir = try TempDir()
        let first = try makeSession(dir, name: "first")
        let second = try makeSession(dir, name: "second")
        let target = first + "/" + Session.databaseFile
        try FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: second + "/" + Session.databaseFile, toPath: target)
        // Then opening the first is refused, naming both sessions
        #expect {
            try Session.open(first, access: .readOnly)
        } throws: { error in
            guard case .unusable(_, let reason) = error as? SessionError else { return false }
            return reason.contains("belongs to session \"second\"") && reason.contains("for \"first\"")
        }
    }

    @Test func stagingLeftByAKilledInitIsRemovedWhenItsProcessIsGone() throws {
        // Given staging folders of a dead init (PID beyond pid_max) and of this live process
        let dir = try TempDir()
        let dead = dir.path(".s.partial-2147483646")
        let live = dir.path(".s.partial-\(getpid())x")
        for folder in [dead, live] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let running = dir.path(".s.partial-1")
        try FileManager.default.createDirectory(atPath: running, withIntermediateDirectories: true)
        // When a session is created beside them
        _ = try makeSession(dir)
        // Then the dead one is gone; a live process's (PID 1) and a name that is not a PID stay
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(FileManager.default.fileExists(atPath: running))
        #expect(FileManager.default.fileExists(atPath: live))
    }

    @Test func aParentPathThatIsAFileIsNamed() throws {
        let dir = try TempDir()
        try dir.write("notes.txt", "hello")
        let (pool, test) = try SampleData.write(in: dir)
        let dataset = try DatasetImport.load(DatasetSource(poolPath: pool, testPath: test), labels: nil)
        let folder = dir.path("notes.txt/sessions/s")
        #expect(throws: SessionError.unusable(path: folder, reason: "\(dir.path("notes.txt")) is a file, not a folder, so the session cannot be created inside it")) {
            try Session.create(at: folder, config: SessionConfig(task: .init(name: "s", labels: dataset.labels)), dataset: dataset)
        }
    }
}
