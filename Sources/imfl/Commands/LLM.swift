import ArgumentParser
import Foundation
import IMFLCore

/// `imfl llm start|stop|status`: the local llama.cpp server that is imfl's offline annotator.
struct LLM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm",
        abstract: "Start, stop or inspect the local llama.cpp server used as the offline LLM annotator.",
        subcommands: [Start.self, Stop.self, Status.self, Test.self]
    )
}

/// Options shared by the `llm` subcommands.
struct LLMServerOptions: ParsableArguments {
    @Option(help: "imfl's home (venv, models, server state). Default: $IMFL_HOME or ~/.local/share/imfl.")
    var home: String?

    func server(model: String? = nil, threads: Int = 2, contextSize: Int = LocalLLMServer.Configuration.defaultContextSize, parallel: Int = 1,
                timeout: Double = 300) -> LocalLLMServer {
        let home = home.map { URL(filePath: $0, directoryHint: .isDirectory) } ?? LocalLLMServer.defaultHome()
        return LocalLLMServer(configuration: .init(
            home: home, model: model.map { URL(filePath: $0) }, contextSize: contextSize, threads: threads,
            parallel: parallel, startupTimeout: .seconds(timeout)))
    }
}

extension LLM {
    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start the server on 127.0.0.1 (a free port) and wait until it is healthy.")

        @OptionGroup var options: LLMServerOptions
        @Option(help: "GGUF model file. Default: the model installed by scripts/install-llm.")
        var model: String?
        @Option(help: "CPU threads for the server.")
        var threads = 2
        @Option(name: .customLong("ctx"), help: "Context size per slot, in tokens.")
        var contextSize = LocalLLMServer.Configuration.defaultContextSize
        @Option(help: "Parallel slots (requests decoded together); match the sessions' llm.max_concurrency.")
        var parallel = 2
        @Option(help: "Seconds to wait for the server to load the model and answer /health.")
        var timeout = 300.0

        func validate() throws {
            guard threads > 0, contextSize >= 256, parallel > 0, timeout > 0 else {
                throw ValidationError("--threads and --parallel must be positive, --ctx at least 256, --timeout positive")
            }
        }

        func run() async throws {
            let server = options.server(
                model: model, threads: threads, contextSize: contextSize, parallel: parallel, timeout: timeout)
            do {
                let state = try await server.start()
                print("llama.cpp server running at \(state.baseURL) (pid \(state.pid), model \(state.model))")
            } catch {
                LLM.printError("imfl llm start: \(error)")
                throw ExitCode.failure
            }
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the server started by `imfl llm start`.")

        @OptionGroup var options: LLMServerOptions

        func run() async throws {
            if try await options.server().stop() {
                print("llama.cpp server stopped")
            } else {
                print("no llama.cpp server was running")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show whether the server runs, where, and whether the model is installed.")

        @OptionGroup var options: LLMServerOptions

        func run() async throws {
            let server = options.server()
            switch await server.status() {
            case .running(let state):
                print("running at \(state.baseURL) (pid \(state.pid), model \(state.model), since \(state.startedAt.formatted(.iso8601)))")
            case .starting(let state):
                print("starting (pid \(state.pid), port \(state.port)): loading the model")
            case .stopped:
                print(server.isInstalled
                    ? "stopped (model installed at \(server.configuration.model.path))"
                    : "stopped; not installed: run scripts/install-llm")
            }
        }
    }
}

extension LLM {
    /// Writes a line to standard error.
    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
