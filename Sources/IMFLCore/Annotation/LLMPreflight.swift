import Foundation

/// A pre-flight check of a session's LLM endpoint, before any label depends on it: can it be
/// reached, does it serve the configured model, and does one labeled probe come back inside
/// the label set, with or without log-probabilities, and how fast. `imfl llm test` prints it
/// and `imfl init --llm URL` runs it, so a misconfigured endpoint is found at the keyboard,
/// not as a stalled LLM queue.
public struct LLMPreflight: Sendable {
    /// What the check found. `problems` says, in full, what is wrong and what to do.
    public struct Report: Sendable {
        public var endpoint: String
        public var model: String
        /// The models the endpoint lists (nil when it could not be asked).
        public var models: [String]?
        public var probe: Probe?
        public var problems: [String] = []
        public var notes: [String] = []
        public var ok: Bool { problems.isEmpty }

        public init(endpoint: String, model: String) {
            self.endpoint = endpoint
            self.model = model
        }

        /// The report as lines for a terminal.
        public var lines: [String] {
            var out = ["endpoint  \(endpoint)", "model     \(model)"]
            if let models { out.append("serves    \(models.isEmpty ? "no model listed" : models.joined(separator: ", "))") }
            if let p = probe {
                let confidence = p.confidence.map { String(format: "%.2f", $0) } ?? "none (no log-probabilities)"
                out.append("probe     “\(p.label)” in \(String(format: "%.2f", p.seconds)) s, confidence \(confidence)")
            }
            out += notes.map { "note: \($0)" }
            out += problems.map { "problem: \($0)" }
            out.append(ok ? "ok: the LLM labels" : "the LLM cannot label until this is fixed")
            return out
        }
    }

    /// One labeled probe.
    public struct Probe: Sendable {
        public var label: String
        public var confidence: Double?
        public var seconds: Double
    }

    public var settings: LLMSettings
    public var labels: [String]
    public var guidelines: String?

    public init(settings: LLMSettings, labels: [String], guidelines: String? = nil) {
        self.settings = settings
        self.labels = labels
        self.guidelines = guidelines
    }

    /// Runs the check against `baseURL` (the session's, or the local server's address) with
    /// `text` as the probe item.
    public func run(baseURL: String? = nil, text: String) async -> Report {
        let endpoint = settings.endpoint(localBaseURL: baseURL)
        var policy = settings.clientPolicy
        policy.retry.maxAttempts = 1
        var report = Report(endpoint: endpoint.baseURL, model: endpoint.model)
        let lister = OpenAIChatClient(endpoint: endpoint, policy: policy)
        do {
            let models = try await lister.models()
            report.models = models
            if !models.isEmpty, !models.contains(endpoint.model) {
                if settings.usesLocalServer {
                    report.notes.append("the local server serves \(models.joined(separator: ", ")) whatever llm.model says")
                } else {
                    report.problems.append(
                        "llm.model is “\(endpoint.model)”, which the endpoint does not serve; set llm.model in session.toml to one of: \(models.joined(separator: ", "))")
                }
            }
        } catch let error as LLMError {
            if case .httpStatus(_, 404, _) = error {
                report.notes.append("the endpoint does not list its models (GET /models answered 404)")
            } else {
                report.problems.append("\(error); \(Self.advice(for: error, settings: settings))")
                try? await lister.shutdown()
                return report
            }
        } catch {
            report.problems.append("\(error)")
        }
        try? await lister.shutdown()

        let client = OpenAIChatClient(endpoint: endpoint, policy: policy)
        let annotator = LLMAnnotator(client: client, prompt: settings.promptBuilder(labels: labels, guidelines: guidelines),
                                     options: settings.annotatorOptions)
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let answer = try await annotator.annotate(AnnotationRequest(itemID: 0, text: text, examples: []))
            report.probe = Probe(label: answer.label, confidence: answer.confidence, seconds: (clock.now - start).seconds)
            if answer.confidence == nil, settings.topLogprobs > 0 {
                report.notes.append("the endpoint gives no log-probabilities: LLM labels have no confidence, so Review cannot sort them by it")
            }
        } catch let error as LLMError {
            report.problems.append("the probe failed: \(error); \(Self.advice(for: error, settings: settings))")
        } catch {
            report.problems.append("the probe failed: \(error)")
        }
        try? await client.shutdown()
        return report
    }

    /// What to do about `error`, in words.
    static func advice(for error: LLMError, settings: LLMSettings) -> String {
        switch error {
        case .missingAPIKey(let variable): return "export \(variable)=… in the shell that runs imfl"
        case .invalidBaseURL: return "fix llm.base_url in session.toml (e.g. http://127.0.0.1:8000/v1)"
        case .connectionFailed, .timedOut:
            return settings.usesLocalServer
                ? "start the local server with `imfl llm start` (imfl label starts it by itself)"
                : "is the server running and is llm.base_url (\(settings.baseURL ?? "")) its API root, ending in /v1?"
        case .httpStatus(_, let status, _) where status == 401 || status == 403:
            return "the endpoint refused the key: check llm.api_key_env and the key it names"
        case .httpStatus(_, 404, _):
            return "llm.base_url should be the API root that /chat/completions is under, usually ending in /v1"
        case .httpStatus(_, 400, _), .answerOutsideLabelSet:
            return settings.constraint == .grammar
                ? "servers other than llama.cpp do not take a GBNF grammar: set llm.constraint = \"json_schema\" (or \"none\") in session.toml"
                : "set llm.constraint = \"none\" in session.toml if the endpoint does not support structured output"
        case .rateLimited: return "the endpoint limits requests: lower llm.max_concurrency"
        case .malformedResponse: return "the endpoint does not answer like an OpenAI-compatible chat API"
        case .paused: return "wait for the pause to end"
        case .httpStatus: return "see the endpoint's own log"
        }
    }
}
