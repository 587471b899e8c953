import Foundation
import Testing
@testable import IMFLCore

/// Many sessions created, opened and refused at once in one process, as the test suite and a
/// long-running process do.
///
/// Regression for the flaky `SQLite error 26: file is not a database` seen in
/// `SessionTests.statusCountsBySourceAndLabel`: a second writer's refused `SessionLock` closed
/// its descriptor in `init` and again in `deinit` (Swift runs `deinit` after a throwing
/// initializer of a fully initialised class). When another thread had meanwhile opened a
/// database and been given the same descriptor number, the second close took it away from
/// SQLite, whose next read came from whatever file took the number next (a lock file).
@Suite struct SessionStressTests {
    @Test("200 sessions created, opened, refused to a second writer and read, 8 at a time")
    func manySessionsAtOnce() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for start in 0 ..< 8 {
                group.addTask {
                    for _ in stride(from: start, to: 200, by: 8) {
                        let dir = try TempDir()
                        let folder = try SessionTests().makeSession(dir)
                        let session = try Session.open(folder)
                        #expect(throws: SessionError.locked(path: folder, pid: getpid())) { _ = try Session.open(folder) }
                        #expect(try session.database.itemCount(split: .pool) == 5)
                        let reader = try Session.open(folder, access: .readOnly)
                        #expect(try SessionStatus.compute(reader).poolItems == 5)
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
