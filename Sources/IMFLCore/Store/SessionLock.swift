import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive advisory lock on a session folder, held for as long as the value lives.
///
/// Two writers on one session would interleave two experts' queues and two engines'
/// rounds, so a second writer is refused with the first one's process id. The kernel drops
/// the lock when the process dies, however it dies, so a crash never leaves a stale lock.
public final class SessionLock: @unchecked Sendable {
    /// The lock file's descriptor; -1 once a refused lock has closed it.
    private var fd: Int32

    /// Takes the lock or throws `SessionError.locked` naming the holder's PID.
    public init(path: String, sessionPath: String) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw SessionError.config(path: path, line: nil, message: "cannot open lock file: \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = Self.readPID(fd)
            close(fd)
            // Swift runs `deinit` after a throwing initializer too: it must not close the
            // descriptor again, which by then may be another thread's file (a database).
            fd = -1
            throw SessionError.locked(path: sessionPath, pid: holder)
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        guard fd >= 0 else { return }
        _ = flock(fd, LOCK_UN)
        close(fd)
    }

    private static func readPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text)
    }
}
