import AsyncHTTPClient
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the local server could not be started or stopped.
public enum LocalLLMServerError: Error, Sendable, Equatable, CustomStringConvertible {
    case pythonMissing(path: String)
    case modelMissing(path: String)
    case exitedDuringStartup(status: Int32, log: String, logTail: String)
    case notHealthy(after: Duration, log: String)
    case cannotLaunch(String)

    public var description: String {
        switch self {
        case .pythonMissing(let path):
            "no Python venv with xllamacpp at \(path): run scripts/install-llm"
        case .modelMissing(let path):
            "model file \(path) not found: run scripts/install-llm"
        case .exitedDuringStartup(let status, let log, let tail):
            "the llama.cpp server exited with status \(status) while starting (log: \(log))"
                + (tail.isEmpty ? "" : "\n\(tail)")
        case .notHealthy(let after, let log):
            "the llama.cpp server did not become healthy within \(after.formattedSeconds) (log: \(log))"
        case .cannotLaunch(let reason):
            "cannot launch the llama.cpp server: \(reason)"
        }
    }
}

/// imfl's offline default annotator: llama.cpp's own HTTP server, from the PyPI wheel
/// `xllamacpp`, serving a small instruct GGUF model on 127.0.0.1 at a port the server picks.
///
/// `xllamacpp` has no command-line entry point; its `Server(CommonParams)` starts llama.cpp's
/// HTTP server in-process, so a few lines of Python (``launcher``) start it and keep the process
/// alive until SIGTERM. The process runs in its own session and outlives the imfl command that
/// started it; a state file (`run/llm-server.json` under the imfl home) records its pid and
/// port so that `imfl llm status` and `imfl llm stop` work from any process.
public struct LocalLLMServer: Sendable {
    /// Paths and llama.cpp parameters.
    public struct Configuration: Sendable, Hashable {
        /// `$IMFL_HOME`, default `~/.local/share/imfl`.
        public var home: URL
        public var python: URL
        public var model: URL
        /// Context per slot, in tokens.
        public var contextSize: Int
        /// The context per slot imfl starts the server with unless told otherwise; sessions
        /// size their longest prompt item from it (`LLMSettings.itemTokenLimit`).
        public static let defaultContextSize = 4096
        public var threads: Int
        /// Parallel sequences (slots).
        public var parallel: Int
        public var startupTimeout: Duration

        public init(
            home: URL = LocalLLMServer.defaultHome(), python: URL? = nil, model: URL? = nil, contextSize: Int = Configuration.defaultContextSize,
            threads: Int = 2, parallel: Int = 1, startupTimeout: Duration = .seconds(300)
        ) {
            self.home = home
            self.python = python ?? home.appending(path: "venv/bin/python")
            self.model = model ?? home.appending(path: "models/\(LocalLLMServer.defaultModelFile)")
            self.contextSize = contextSize
            self.threads = threads
            self.parallel = parallel
            self.startupTimeout = startupTimeout
        }

        var stateFile: URL { home.appending(path: "run/llm-server.json") }
        var addressFile: URL { home.appending(path: "run/llm-server.address") }
        var logFile: URL { home.appending(path: "run/llm-server.log") }
    }

    /// A running server, as recorded in the state file.
    public struct State: Sendable, Hashable, Codable {
        public var pid: Int32
        public var port: Int
        public var model: String
        public var startedAt: Date

        /// The OpenAI-compatible API root for ``ChatEndpoint/baseURL``.
        public var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    }

    public enum Status: Sendable, Hashable {
        case stopped
        /// The process is alive but /health does not answer ok yet (loading the model).
        case starting(State)
        case running(State)
    }

    /// The file name `scripts/install-llm` gives the model.
    public static let defaultModelFile = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"

    /// `$IMFL_HOME`, or `~/.local/share/imfl`.
    public static func defaultHome() -> URL {
        if let home = ProcessInfo.processInfo.environment["IMFL_HOME"], !home.isEmpty {
            return URL(filePath: home, directoryHint: .isDirectory)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appending(path: ".local/share/imfl")
    }

    public let configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Whether the venv's Python and the model file are in place.
    public var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: configuration.python.path)
            && FileManager.default.fileExists(atPath: configuration.model.path)
    }

    /// Starts the server unless one is already running, and waits until /health answers ok.
    /// - Returns: the running server's state.
    /// - Throws: ``LocalLLMServerError`` naming the missing file or the log to read.
    @discardableResult
    public func start() async throws -> State {
        switch await status() {
        case .running(let state): return state
        case .starting(let state): return try await waitUntilHealthy(state, process: nil)
        case .stopped: break
        }
        let files = FileManager.default
        guard files.isExecutableFile(atPath: configuration.python.path) else {
            throw LocalLLMServerError.pythonMissing(path: configuration.python.path)
        }
        guard files.fileExists(atPath: configuration.model.path) else {
            throw LocalLLMServerError.modelMissing(path: configuration.model.path)
        }
        try files.createDirectory(at: configuration.stateFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? files.removeItem(at: configuration.addressFile)
        _ = files.createFile(atPath: configuration.logFile.path, contents: nil)

        let process = Process()
        process.executableURL = configuration.python
        process.arguments = [
            "-c", Self.launcher, "--imfl-llm-server",
            configuration.model.path, String(configuration.contextSize), String(configuration.threads),
            String(configuration.parallel), configuration.addressFile.path,
        ]
        let log = try FileHandle(forWritingTo: configuration.logFile)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw LocalLLMServerError.cannotLaunch("\(configuration.python.path): \(error.localizedDescription)")
        }
        try? log.close()
        do {
            let port = try await waitForPort(process)
            let state = State(
                pid: process.processIdentifier, port: port, model: configuration.model.lastPathComponent, startedAt: Date())
            try JSONEncoder().encode(state).write(to: configuration.stateFile, options: .atomic)
            return try await waitUntilHealthy(state, process: process)
        } catch {
            // Cancelled (the command is stopping) or failed: a server left loading in its own
            // session would outlive imfl and hold a core and the model's memory.
            if process.isRunning { process.terminate() }
            try? FileManager.default.removeItem(at: configuration.stateFile)
            throw error
        }
    }

    /// Stops the server: SIGTERM, then SIGKILL after `grace`. Returns false when none was running.
    @discardableResult
    public func stop(grace: Duration = .seconds(10)) async throws -> Bool {
        guard let state = readState() else { return false }
        defer {
            try? FileManager.default.removeItem(at: configuration.stateFile)
            try? FileManager.default.removeItem(at: configuration.addressFile)
        }
        guard Self.isOurs(pid: state.pid) else { return false }
        kill(state.pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if !Self.isAlive(state.pid) { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(state.pid, SIGKILL)
        return true
    }

    /// Running, starting (alive but not yet healthy) or stopped. A stale state file (its
    /// process gone) is removed.
    public func status() async -> Status {
        guard let state = readState() else { return .stopped }
        guard Self.isOurs(pid: state.pid) else {
            try? FileManager.default.removeItem(at: configuration.stateFile)
            return .stopped
        }
        return await Self.isHealthy(port: state.port) ? .running(state) : .starting(state)
    }

    // MARK: - Startup

    private func readState() -> State? {
        guard let data = try? Data(contentsOf: configuration.stateFile) else { return nil }
        return try? JSONDecoder().decode(State.self, from: data)
    }

    private func waitForPort(_ process: Process) async throws -> Int {
        let deadline = ContinuousClock.now + configuration.startupTimeout
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: configuration.addressFile, encoding: .utf8),
               let port = text.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
                return port
            }
            if !process.isRunning { throw exited(process) }
            try await Task.sleep(for: .milliseconds(200))
        }
        process.terminate()
        throw LocalLLMServerError.notHealthy(after: configuration.startupTimeout, log: configuration.logFile.path)
    }

    private func waitUntilHealthy(_ state: State, process: Process?) async throws -> State {
        let deadline = ContinuousClock.now + configuration.startupTimeout
        while ContinuousClock.now < deadline {
            if await Self.isHealthy(port: state.port) { return state }
            if let process, !process.isRunning { throw exited(process) }
            if process == nil, !Self.isAlive(state.pid) { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw LocalLLMServerError.notHealthy(after: configuration.startupTimeout, log: configuration.logFile.path)
    }

    private func exited(_ process: Process) -> LocalLLMServerError {
        try? FileManager.default.removeItem(at: configuration.stateFile)
        let text = (try? String(contentsOf: configuration.logFile, encoding: .utf8)) ?? ""
        let tail = text.split(separator: "\n").suffix(8).joined(separator: "\n")
        return .exitedDuringStartup(status: process.terminationStatus, log: configuration.logFile.path, logTail: tail)
    }

    /// Whether GET /health answers 200 with status ok.
    public static func isHealthy(port: Int) async -> Bool {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/health")
        request.method = .GET
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(2))
            let body = try await response.body.collect(upTo: 1 << 16)
            return response.status.code == 200 && String(buffer: body).contains("ok")
        } catch {
            return false
        }
    }

    static func isAlive(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }

    /// Alive and, where /proc exists, running our launcher (a recycled pid is not ours).
    static func isOurs(pid: Int32) -> Bool {
        guard isAlive(pid) else { return false }
        guard let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return true }
        return String(decoding: cmdline, as: UTF8.self).contains("--imfl-llm-server")
    }

    /// Starts llama.cpp's server through xllamacpp on 127.0.0.1 with a free port (port 0 lets
    /// the server pick), writes its address to a file, and sleeps until SIGTERM or SIGINT.
    /// It calls setsid so that closing the terminal that ran `imfl llm start` does not stop it.
    /// It first unblocks and restores SIGTERM, SIGINT and SIGHUP: a child inherits the signal
    /// mask of the thread that spawned it (a dispatch worker blocks them) and the signals imfl
    /// ignores while it handles them itself, and a server that cannot be stopped while it
    /// loads the model would outlive imfl.
    /// Arguments: marker, model, context, threads, parallel, address file.
    static let launcher = """
        import os, signal, sys, time
        stopping = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, stopping)
        for s in stopping:
            signal.signal(s, signal.SIG_DFL)
        try:
            os.setsid()
        except OSError:
            pass
        _, model, n_ctx, threads, parallel, address_file = sys.argv[1:7]
        import xllamacpp as xlc
        params = xlc.CommonParams()
        params.model.path = model
        params.n_parallel = int(parallel)
        params.n_ctx = int(n_ctx) * int(parallel)
        params.cpuparams.n_threads = int(threads)
        params.cpuparams_batch.n_threads = int(threads)
        params.hostnames = ["127.0.0.1"]
        params.port = 0
        params.cache_prompt = True
        server = xlc.Server(params)
        address = server.listening_address
        tmp = address_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(address)
        os.replace(tmp, address_file)
        print("imfl: llama.cpp server listening on " + address, flush=True)
        def stop(signum, frame):
            sys.exit(0)
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while True:
            time.sleep(3600)
        """
}
