import Foundation
import IMFLCore
import Testing

private let modelPresent = (try? ModelLocator().locate()) != nil
private let ready = TmuxSession.available && TmuxSession.imflBuilt && modelPresent
private let skipReason: Comment = "needs tmux, the imfl binary and the MiniLM model (scripts/setup)"

/// Live processes (zombies excluded) whose argument list satisfies `matches`, from /proc.
func processes(where matches: ([String]) -> Bool) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { pid in
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        let argv = data.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
        let state = stat.split(separator: ")").last?.split(separator: " ").first
        return state != "Z" && matches(argv)
    }
}

/// The processes of `imfl` whose arguments are `arguments`.
func imflProcesses(_ arguments: [String]) -> [Int32] {
    processes { argv in argv.first.map { $0.hasSuffix("/imfl") } == true && Array(argv.dropFirst()) == arguments }
}

/// Processes whose command line contains `text`, such as a llama.cpp launcher with a private
/// IMFL_HOME in its arguments.
func processes(containing text: String) -> [Int32] {
    processes { argv in argv.contains { $0.contains(text) } }
}

/// Polls until `condition` holds; the cap is generous because CI machines are loaded, and no
/// assertion is made on the time it took.
@discardableResult
func eventually(cap: Duration = .seconds(30), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + cap
    while ContinuousClock.now < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return condition()
}

/// An IMFL_HOME of its own, whose venv and models are those of the real one, so a llama.cpp
/// server started by a test has its own state file and never meets another test's.
final class PrivateIMFLHome {
    let scratch: Scratch
    var path: String { scratch.path("home") }

    /// True once a server started with this home has written its state file (it listens).
    var serverListening: Bool { FileManager.default.fileExists(atPath: path + "/run/llm-server.json") }

    init() throws {
        scratch = try Scratch()
        let real = LocalLLMServer.defaultHome()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for name in ["venv", "models"] {
            try FileManager.default.createSymbolicLink(atPath: path + "/" + name, withDestinationPath: real.appendingPathComponent(name).path)
        }
    }
}

/// Regression for issue 14: a closed terminal (tmux kill-session, a dropped SSH connection)
/// left `imfl label` running under PID 1, holding the session lock and a core; SIGTERM, SIGINT,
/// SIGHUP and ^C did not end it either. Each now ends the UI, restores the terminal, releases
/// the session and leaves no process behind.
@Suite("imfl label ends on signals and a closed terminal", .serialized, .enabled(if: ready, skipReason))
struct StopTests {
    enum Stop: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case hangup, terminate, interrupt, controlC

        var signal: Int32 {
            switch self {
            case .hangup: SIGHUP
            case .terminate: SIGTERM
            case .interrupt, .controlC: SIGINT
            }
        }

        var testDescription: String { self == .controlC ? "the ^C key" : "signal \(signal)" }
    }

    func isFree(_ folder: String) -> Bool { (try? Session.open(folder)) != nil }

    @Test(arguments: Stop.allCases)
    func aStopSignalEndsTheUIRestoresTheTerminalAndFreesTheSession(stop: Stop) throws {
        // Given the UI on a real session, run by a shell that reports its exit and the tty mode
        let scratch = try Scratch()
        let folder = try SessionUITests().makeSession(scratch)
        let tmux = try TmuxSession("sh -c 'trap \"\" INT; \(TmuxSession.imflBinary) label \(folder); echo exit=$?; stty -a | grep -o \" echo \"; sleep 60'")
        try tmux.waitFor("Item ", timeout: .seconds(120))
        let pid = try #require(imflProcesses(["label", folder]).first)
        #expect(!isFree(folder), "the session is locked while the UI runs")

        // When the stop arrives
        if stop == .controlC { try tmux.send("C-c") } else { kill(pid, stop.signal) }

        // Then imfl exits with 128 + the signal, the terminal is back in cooked mode with echo,
        // no imfl process is left and the session can be opened again
        let screen = try tmux.waitFor("exit=", timeout: .seconds(30))
        #expect(screen.contains("exit=\(128 + stop.signal)"))
        try tmux.waitUntil("stty to report echo on") { $0.split(separator: "\n").contains(" echo") }
        #expect(eventually { imflProcesses(["label", folder]).isEmpty })
        #expect(eventually { isFree(folder) })
    }

    /// With `setsid -w` the UI runs in a session of its own, so closing the terminal sends it
    /// no SIGHUP: only its reads see that the terminal is gone.
    @Test("tmux kill-session (a dropped SSH connection), and end of input alone, end the UI and free the session",
          arguments: ["", "setsid -w "])
    func closedTerminal(prefix: String) throws {
        let scratch = try Scratch()
        let folder = try SessionUITests().makeSession(scratch)
        let tmux = try TmuxSession("\(prefix)\(TmuxSession.imflBinary) label \(folder)")
        try tmux.waitFor("Item ", timeout: .seconds(120))
        #expect(!imflProcesses(["label", folder]).isEmpty)

        try tmux.tmux(["kill-session", "-t", tmux.name])

        #expect(eventually { imflProcesses(["label", folder]).isEmpty }, "imfl label outlived its terminal")
        #expect(eventually { isFree(folder) })
    }
}

/// The local llama.cpp server runs in its own session and outlives the command that started
/// it unless that command stops it; SIGTERM left it running after `imfl simulate`.
@Suite("a stopped command stops the llama.cpp server it started", .serialized,
       .enabled(if: ready && LocalLLMServer().isInstalled, "needs tmux, the imfl binary, the MiniLM model and the local LLM (scripts/setup)"))
struct StopServerTests {
    @Test("SIGTERM to imfl label stops the server it started")
    func label() throws {
        // Given a session with the local LLM and an IMFL_HOME of its own
        let home = try PrivateIMFLHome()
        let scratch = try Scratch()
        let folder = try SessionUITests().makeSession(scratch, llm: "local")
        let tmux = try TmuxSession("env IMFL_HOME=\(home.path) \(TmuxSession.imflBinary) label \(folder)")
        // When the expert has labeled round 1's seven items, so the LLM's queue starts and the
        // engine starts the server
        let ui = SessionUITests()
        var current = try ui.waitForItem(tmux, after: nil)
        for _ in 0 ..< 7 {
            try tmux.send("2")
            let screen = try tmux.waitUntil("the next item or the end of the expert queue", timeout: .seconds(60)) { s in
                ui.itemID(s).map { $0 != current } ?? s.contains("No item is waiting")
            }
            guard let next = ui.itemID(screen) else { break }
            current = next
        }
        #expect(eventually(cap: .seconds(300)) { home.serverListening }, "no server was started")
        let pid = try #require(imflProcesses(["label", folder]).first)
        kill(pid, SIGTERM)
        // Then imfl and the server are both gone, and the session is free
        #expect(eventually { imflProcesses(["label", folder]).isEmpty })
        #expect(eventually { processes(containing: home.path + "/run/").isEmpty }, "the llama.cpp server outlived imfl label")
        #expect((try? Session.open(folder)) != nil)
    }

    @Test("SIGTERM and SIGINT to imfl simulate stop it and the server it started", arguments: [SIGTERM, SIGINT])
    func simulate(signal: Int32) throws {
        // Given a labeled pool and test split, and an IMFL_HOME of its own
        let home = try PrivateIMFLHome()
        let scratch = try Scratch()
        let rows = (0 ..< 60).map { n in
            #"{"id": "r\#(n)", "text": "Sales at unit \#(n) \#(["fell", "held", "rose"][n % 3]) this quarter.", "label": "\#(["negative", "neutral", "positive"][n % 3])"}"#
        }
        let pool = try scratch.write("pool.jsonl", rows[..<48].joined(separator: "\n"))
        let test = try scratch.write("test.jsonl", rows[48...].joined(separator: "\n"))
        let out = scratch.path("out")
        let arguments = ["simulate", "--pool", pool, "--test", test, "--budget", "20", "--rounds", "2", "--seeds", "1", "--out", out]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: IMFLBinary.path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["IMFL_HOME": home.path]) { $1 }
        // A handle of its own: Process closes what it is given, and the shared nullDevice is
        // used by tests running beside this one.
        let discard = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/null"))
        process.standardOutput = discard
        process.standardError = discard
        try process.run()
        // When the server is listening
        #expect(eventually(cap: .seconds(300)) { home.serverListening }, "no server was started")
        kill(process.processIdentifier, signal)
        // Then simulate ends with 128 + the signal, and the server is gone
        #expect(eventually { !process.isRunning })
        process.waitUntilExit()
        #expect(process.terminationStatus == 128 + signal)
        #expect(eventually { processes(containing: home.path + "/run/").isEmpty }, "the llama.cpp server outlived imfl simulate")
    }
}
