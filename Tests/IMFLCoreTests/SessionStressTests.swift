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
        // The work is blocking file and SQLite I/O: it runs on Dispatch's threads, not on the
        // two threads of Swift's cooperative pool that every other async test needs.
        let failures = await withCheckedContinuation { (done: CheckedContinuation<[String], Never>) in
            DispatchQueue.global().async {
                let failures = Failures()
                DispatchQueue.concurrentPerform(iterations: 8) { start in
                    for n in stride(from: start, to: 200, by: 8) {
                        do {
                            let dir = try TempDir()
                            let folder = try SessionTests().makeSession(dir)
                            let session = try Session.open(folder)
                            do {
                                _ = try Session.open(folder)
                                failures.add("session \(n): a second writer was not refused")
                            } catch SessionError.locked(path: folder, pid: getpid()) {
                            }
                            let pool = try session.database.itemCount(split: .pool)
                            let reader = try Session.open(folder, access: .readOnly)
                            let read = try reader.database.itemCount(split: .pool)
                            if pool != 5 || read != 5 {
                                failures.add("session \(n): \(pool) and \(read) pool items, not 5")
                            }
                        } catch {
                            failures.add("session \(n): \(error)")
                        }
                    }
                }
                done.resume(returning: failures.list)
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(10).joined(separator: "\n"))")
    }
}

/// Failures found on Dispatch's threads, read once they are done.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ failure: String) { lock.withLock { items.append(failure) } }
    var list: [String] { lock.withLock { items } }
}
