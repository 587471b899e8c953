import Foundation
import Testing

/// A detached tmux session on a private server socket, driven like a user: send keys, read the
/// screen, wait until text appears.
final class TmuxSession {
    let name: String
    private let socket: String
    /// The environment every command of the pane runs with.
    private let environment: String

    /// True when a `tmux` binary is on PATH.
    static let available: Bool = {
        (try? TmuxSession.run(["tmux", "-V"]))?.status == 0
    }()

    /// The `imfl` binary under test (see `IMFLBinary.path`).
    static var imflBinary: String { IMFLBinary.path }

    static var imflBuilt: Bool { FileManager.default.isExecutableFile(atPath: imflBinary) }

    /// Starts `command` (run by `sh -c`) in a `width`×`height` window with TERM set to `term`
    /// (nil leaves TERM unset) and a UTF-8 locale.
    init(_ command: String, width: Int = 120, height: Int = 40, term: String? = "screen-256color") throws {
        name = "imfl-e2e-\(UUID().uuidString.prefix(8))"
        socket = name
        environment = "env " + (term.map { "TERM=\($0)" } ?? "-u TERM") + " LANG=C.UTF-8 LC_ALL=C.UTF-8"
        let shell = "\(environment) \(command)"
        let r = try Self.run(["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", name,
                              "-x", String(width), "-y", String(height), shell])
        guard r.status == 0 else { throw TmuxError("tmux new-session failed: \(r.output)") }
        _ = try? tmux(["set-option", "-t", name, "remain-on-exit", "on"])
    }

    deinit {
        _ = try? tmux(["kill-server"])
    }

    @discardableResult
    func tmux(_ args: [String]) throws -> (status: Int32, output: String) {
        try Self.run(["tmux", "-L", socket] + args)
    }

    /// Runs `command` in the pane again, after its program has exited (remain-on-exit keeps
    /// the pane), at the same size and with the same environment.
    func respawn(_ command: String) throws {
        let r = try tmux(["respawn-pane", "-k", "-t", name, "\(environment) \(command)"])
        guard r.status == 0 else { throw TmuxError("tmux respawn-pane failed: \(r.output)") }
    }

    /// Sends tmux key names (`Enter`, `PageDown`, `C-c`) or plain characters.
    func send(_ keys: String...) throws {
        for k in keys { try tmux(["send-keys", "-t", name, k]) }
    }

    /// Sends text literally, one character at a time.
    func type(_ text: String) throws {
        try tmux(["send-keys", "-t", name, "-l", text])
    }

    func capture() throws -> String {
        try tmux(["capture-pane", "-p", "-t", name]).output
    }

    func resize(width: Int, height: Int) throws {
        try tmux(["resize-window", "-t", name, "-x", String(width), "-y", String(height)])
    }

    /// True when the program in the pane has exited.
    func paneDead() throws -> Bool {
        try tmux(["display-message", "-p", "-t", name, "#{pane_dead}"]).output.hasPrefix("1")
    }

    /// Polls the screen until `predicate` holds or `timeout` passes.
    @discardableResult
    func waitUntil(_ what: String, timeout: Duration = .seconds(15), _ predicate: (String) -> Bool) throws -> String {
        let deadline = ContinuousClock.now + timeout
        var screen = ""
        while ContinuousClock.now < deadline {
            screen = try capture()
            if predicate(screen) { return screen }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TmuxError("timed out waiting for \(what); screen was:\n\(screen)")
    }

    @discardableResult
    func waitFor(_ text: String, timeout: Duration = .seconds(15)) throws -> String {
        try waitUntil("\"\(text)\"", timeout: timeout) { $0.contains(text) }
    }

    /// Runs a command and returns its status and output. It uses posix_spawn and waitpid
    /// rather than Foundation's Process, whose exit detection waits on descriptors that the
    /// tmux server (forked by `new-session`) inherits and keeps open; output goes to a file.
    static func run(_ args: [String]) throws -> (status: Int32, output: String) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tmux-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: out) }
        let quoted = args.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let script = "exec \(quoted) </dev/null >'\(out.path)' 2>&1"
        var pid: pid_t = 0
        let parts: [String] = ["/bin/sh", "-c", script]
        let argv: [UnsafeMutablePointer<CChar>?] = parts.map { strdup($0) } + [nil]
        let environment: [String] = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        // The test runner blocks signals in its threads; the child (and the tmux server it may
        // start) must get a clean mask and default handlers, or tmux never sees SIGCHLD and
        // SIGTERM would not reach imfl.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let rc = posix_spawn(&pid, "/bin/sh", nil, &attr, argv, envp)
        guard rc == 0 else { throw TmuxError("cannot start \(args.first ?? "")") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return (exit, (try? String(contentsOf: out, encoding: .utf8)) ?? "")
    }
}

struct TmuxError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
