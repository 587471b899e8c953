import Foundation

/// The LLM a session labels with, made ready on first use: the configured endpoint, or imfl's
/// local llama.cpp server, started when the first item needs it and stopped with the session.
/// Starting happens inside the engine's background LLM work, so the expert never waits on it;
/// when the LLM is off or cannot start, each call fails with the reason, and the engine pauses
/// the LLM queue and shows that reason.
public actor SessionAnnotator: Annotator {
    /// Why no LLM answers.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    private let settings: LLMSettings
    private let labels: [String]
    private let guidelines: String?
    private let store: any SessionStore
    private let server: LocalLLMServer
    private var starting: Task<LLMAnnotator, any Error>?
    private var startedServer = false
    /// The local server's address the current annotator calls (nil for an endpoint URL).
    private var localURL: String?
    /// Annotators whose local server went away, shut down with the session (calls may still
    /// be returning on their clients).
    private var retired: [LLMAnnotator] = []

    private let cache: any AnswerCache

    /// - Parameter store: the session's store, which logs every call (and caches answers).
    /// - Parameter cache: where answers are cached; the session's own store unless given
    ///   (a simulation shares one cache across its runs).
    public init(
        config: SessionConfig, guidelines: String?, store: any SessionStore, cache: (any AnswerCache)? = nil,
        server: LocalLLMServer? = nil
    ) {
        self.cache = cache ?? store
        self.settings = config.annotatorSettings
        self.labels = config.task.labels
        self.guidelines = guidelines
        self.store = store
        self.server = server ?? LocalLLMServer(configuration: .init(parallel: config.llm.maxConcurrency))
    }

    public func annotate(_ request: AnnotationRequest) async throws -> AnnotationAnswer {
        let annotator = try await ready()
        let calling = localURL
        do {
            return try await annotator.annotate(request)
        } catch let error as LLMError {
            if case .connectionFailed = error, let calling { await forgetServerIfGone(calling) }
            throw error
        }
    }

    /// A local server this session did not start is stopped by the imfl process that did
    /// (another `imfl label` or `imfl simulate` on this machine) when that one ends, and a
    /// server can crash. When the server at `url` no longer runs, the next call finds the one
    /// running now or starts one, instead of calling a dead port until the session is reopened.
    private func forgetServerIfGone(_ url: String) async {
        if case .running(let state) = await server.status(), state.baseURL == url { return }
        // Another failed call, or a new start, may have got here first.
        guard localURL == url, let current = starting else { return }
        starting = nil
        localURL = nil
        // Whatever server this session started is gone: the one running now is not its to stop.
        startedServer = false
        if let annotator = try? await current.value { retired.append(annotator) }
    }

    /// Shuts the HTTP client down and stops the local server if this session started it. A
    /// server still loading its model is stopped too: its start is cancelled rather than
    /// awaited, which could take minutes.
    public func shutdown() async {
        for annotator in retired { try? await annotator.client.shutdown() }
        retired = []
        guard let starting else {
            if startedServer { _ = try? await server.stop() }
            return
        }
        starting.cancel()
        if let annotator = try? await starting.value { try? await annotator.client.shutdown() }
        if startedServer { _ = try? await server.stop() }
    }

    private func ready() async throws -> LLMAnnotator {
        if let starting { return try await starting.value }
        let task = Task { try await self.make() }
        starting = task
        do {
            return try await task.value
        } catch {
            starting = nil  // the next call tries again (the server may have been installed since)
            throw error
        }
    }

    private func make() async throws -> LLMAnnotator {
        guard settings.enabled else { throw Unavailable(description: "the LLM is off for this session (llm.enabled = false)") }
        var localURL: String?
        if settings.usesLocalServer {
            guard server.isInstalled else {
                throw Unavailable(description: "the local LLM is not installed; run scripts/install-llm")
            }
            switch await server.status() {
            case .running(let state):
                localURL = state.baseURL
            case .starting:
                // Another imfl process is starting it: wait for it, it stays that one's to stop.
                localURL = try await server.start().baseURL
            case .stopped:
                localURL = try await server.start().baseURL
                startedServer = true
            }
        }
        self.localURL = localURL
        let client = OpenAIChatClient(endpoint: settings.endpoint(localBaseURL: localURL), policy: settings.clientPolicy)
        return LLMAnnotator(
            client: client, prompt: settings.promptBuilder(labels: labels, guidelines: guidelines),
            options: settings.annotatorOptions, cache: cache, log: store)
    }
}
