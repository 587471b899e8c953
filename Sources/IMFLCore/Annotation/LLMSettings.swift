import Foundation

/// The `[llm]` table of session.toml: endpoint, prompt and client settings of the LLM
/// annotator. Every key is optional; the defaults use the local llama.cpp server.
///
///     [llm]
///     base_url = "https://api.openai.com/v1"   # omit for the local llama.cpp server
///     model = "gpt-4o-mini"
///     api_key_env = "OPENAI_API_KEY"           # the variable's NAME; the key is never stored
///     constraint = "json_schema"               # grammar | json_schema | none
///     max_item_tokens = 256                   # default: 1024 local, 256 for a URL
///     timeout_seconds = 120
///     max_concurrency = 2
///     max_attempts = 4
///     prompt_price_per_1k = 0.00015
///     completion_price_per_1k = 0.0006
///     shadow = 0.25                            # share of the expert's items the LLM also labels
///     route_doubtful = 0.25                    # share of the expert batch LLM labels in doubt may take
public struct LLMSettings: Sendable, Hashable, Codable {
    /// nil: the local llama.cpp server started by imfl.
    /// False turns the LLM off: the session is labeled by the expert alone.
    public var enabled: Bool = true
    public var baseURL: String?
    public var model: String
    public var apiKeyEnv: String?
    public var constraint: LabelConstraintMode
    public var k: Int
    public var zeroShot: Bool
    public var task: String
    public var guidelinesFile: String?
    /// `max_item_tokens` as session.toml sets it; nil leaves it to the endpoint's default,
    /// which `itemTokenLimit` resolves.
    public var maxItemTokens: Int?
    public var maxExampleTokens: Int
    public var temperature: Double
    public var topLogprobs: Int
    public var timeoutSeconds: Double
    public var connectTimeoutSeconds: Double
    public var maxConcurrency: Int
    public var maxAttempts: Int
    public var backoffBaseSeconds: Double
    public var backoffMaxSeconds: Double
    public var breakerThreshold: Int
    public var breakerCooldownSeconds: Double
    public var promptPricePer1K: Double
    public var completionPricePer1K: Double
    /// Share of each round's expert batch that the LLM labels too, as shadow labels: never
    /// trained on, compared with the expert's label to estimate the LLM's accuracy live
    /// (`LLMAccuracyEstimate`). 0 turns it off; its calls and tokens count in the cost.
    public var shadow: Double
    /// Share of each round's expert batch (from round 2) that LLM labels in doubt take: they go
    /// back to the expert instead of on training (see `RoundEngine+Routing.swift`). 0 turns it off.
    public var routeDoubtful: Double

    public init(
        baseURL: String? = nil, model: String = "local", apiKeyEnv: String? = nil,
        constraint: LabelConstraintMode = .grammar, k: Int = 5, zeroShot: Bool = false,
        task: String = "Label the text.", guidelinesFile: String? = nil, maxItemTokens: Int? = nil,
        maxExampleTokens: Int = 96, temperature: Double = 0, topLogprobs: Int = 10, timeoutSeconds: Double = 120,
        connectTimeoutSeconds: Double = 5, maxConcurrency: Int = 2, maxAttempts: Int = 4,
        backoffBaseSeconds: Double = 0.5, backoffMaxSeconds: Double = 30, breakerThreshold: Int = 5,
        breakerCooldownSeconds: Double = 30, promptPricePer1K: Double = 0, completionPricePer1K: Double = 0,
        shadow: Double = 0.25, routeDoubtful: Double = 0
    ) {
        self.routeDoubtful = routeDoubtful
        self.shadow = shadow
        self.baseURL = baseURL
        self.model = model
        self.apiKeyEnv = apiKeyEnv
        self.constraint = constraint
        self.k = k
        self.zeroShot = zeroShot
        self.task = task
        self.guidelinesFile = guidelinesFile
        self.maxItemTokens = maxItemTokens
        self.maxExampleTokens = maxExampleTokens
        self.temperature = temperature
        self.topLogprobs = topLogprobs
        self.timeoutSeconds = timeoutSeconds
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.maxConcurrency = maxConcurrency
        self.maxAttempts = maxAttempts
        self.backoffBaseSeconds = backoffBaseSeconds
        self.backoffMaxSeconds = backoffMaxSeconds
        self.breakerThreshold = breakerThreshold
        self.breakerCooldownSeconds = breakerCooldownSeconds
        self.promptPricePer1K = promptPricePer1K
        self.completionPricePer1K = completionPricePer1K
    }

    /// The keys of session.toml's `[llm]` table. The task, guidelines and retrieved examples
    /// (`task`, `guidelinesFile`, `k`, `zeroShot`) are not among them: a session
    /// sets them from its `[task]` and `[retrieval]` tables, so each setting has one home.
    enum CodingKeys: String, CodingKey {
        case enabled, baseURL = "base_url", model, apiKeyEnv = "api_key_env", constraint
        case maxItemTokens = "max_item_tokens", maxExampleTokens = "max_example_tokens", temperature
        case topLogprobs = "top_logprobs", timeoutSeconds = "timeout_seconds"
        case connectTimeoutSeconds = "connect_timeout_seconds", maxConcurrency = "max_concurrency"
        case maxAttempts = "max_attempts", backoffBaseSeconds = "backoff_base_seconds"
        case backoffMaxSeconds = "backoff_max_seconds", breakerThreshold = "breaker_threshold"
        case breakerCooldownSeconds = "breaker_cooldown_seconds", promptPricePer1K = "prompt_price_per_1k"
        case completionPricePer1K = "completion_price_per_1k"
        case shadow, routeDoubtful = "route_doubtful"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = LLMSettings()
        baseURL = try c.decodeIfPresent(String.self, forKey: .baseURL)
        model = try c.decodeIfPresent(String.self, forKey: .model) ?? d.model
        apiKeyEnv = try c.decodeIfPresent(String.self, forKey: .apiKeyEnv)
        constraint = try c.decodeIfPresent(LabelConstraintMode.self, forKey: .constraint) ?? d.constraint
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        k = d.k
        zeroShot = d.zeroShot
        task = d.task
        guidelinesFile = nil
        maxItemTokens = try c.decodeIfPresent(Int.self, forKey: .maxItemTokens)
        maxExampleTokens = try c.decodeIfPresent(Int.self, forKey: .maxExampleTokens) ?? d.maxExampleTokens
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature) ?? d.temperature
        topLogprobs = try c.decodeIfPresent(Int.self, forKey: .topLogprobs) ?? d.topLogprobs
        timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? d.timeoutSeconds
        connectTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .connectTimeoutSeconds) ?? d.connectTimeoutSeconds
        maxConcurrency = try c.decodeIfPresent(Int.self, forKey: .maxConcurrency) ?? d.maxConcurrency
        maxAttempts = try c.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? d.maxAttempts
        backoffBaseSeconds = try c.decodeIfPresent(Double.self, forKey: .backoffBaseSeconds) ?? d.backoffBaseSeconds
        backoffMaxSeconds = try c.decodeIfPresent(Double.self, forKey: .backoffMaxSeconds) ?? d.backoffMaxSeconds
        breakerThreshold = try c.decodeIfPresent(Int.self, forKey: .breakerThreshold) ?? d.breakerThreshold
        breakerCooldownSeconds = try c.decodeIfPresent(Double.self, forKey: .breakerCooldownSeconds) ?? d.breakerCooldownSeconds
        promptPricePer1K = try c.decodeIfPresent(Double.self, forKey: .promptPricePer1K) ?? d.promptPricePer1K
        completionPricePer1K = try c.decodeIfPresent(Double.self, forKey: .completionPricePer1K) ?? d.completionPricePer1K
        shadow = try c.decodeIfPresent(Double.self, forKey: .shadow) ?? d.shadow
        routeDoubtful = try c.decodeIfPresent(Double.self, forKey: .routeDoubtful) ?? d.routeDoubtful
    }

    /// The longest item a prompt carries, in estimated tokens: `max_item_tokens` when set,
    /// otherwise the default for the endpoint. Longer items are cut, and the LLM labels them
    /// from the part before the cut.
    public var itemTokenLimit: Int {
        maxItemTokens ?? (usesLocalServer ? Self.localMaxItemTokens : Self.remoteMaxItemTokens)
    }

    /// The local server's default: a quarter of its context per slot. The rest holds the
    /// instruction with guidelines, k examples of up to `max_example_tokens` each and the
    /// answer, with room for the estimate (UTF-8 bytes / 4) falling short of the model's own
    /// tokenizer on text that is not English. 1024 estimated tokens are about 4,000 characters
    /// of English: a whole PubMedQA abstract.
    public static let localMaxItemTokens = LocalLLMServer.Configuration.defaultContextSize / 4

    /// A URL endpoint's default. imfl cannot know that model's context or what its tokens
    /// cost, so it keeps prompts short: about 1,000 characters of English.
    public static let remoteMaxItemTokens = 256

    /// Whether this session uses the local llama.cpp server (no `base_url`).
    public var usesLocalServer: Bool { baseURL == nil }

    /// The endpoint, with `baseURL` for the local server when none is configured.
    public func endpoint(localBaseURL: String? = nil) -> ChatEndpoint {
        ChatEndpoint(baseURL: baseURL ?? localBaseURL ?? "http://127.0.0.1:8080/v1", model: model, apiKeyVariable: apiKeyEnv)
    }

    public var clientPolicy: ChatClientPolicy {
        ChatClientPolicy(
            connectTimeout: .secondsDouble(connectTimeoutSeconds), requestTimeout: .secondsDouble(timeoutSeconds),
            maxConcurrentRequests: maxConcurrency,
            retry: RetryPolicy(
                maxAttempts: maxAttempts, baseDelay: .secondsDouble(backoffBaseSeconds),
                maxDelay: .secondsDouble(backoffMaxSeconds)),
            breaker: CircuitBreakerPolicy(
                failureThreshold: breakerThreshold, cooldown: .secondsDouble(breakerCooldownSeconds)))
    }

    public var annotatorOptions: LLMAnnotator.Options {
        LLMAnnotator.Options(
            k: k, zeroShot: zeroShot, constraint: constraint, temperature: temperature, topLogprobs: topLogprobs,
            promptPricePer1K: promptPricePer1K, completionPricePer1K: completionPricePer1K)
    }

    /// The prompt builder for `labels`; `guidelines` is the text of `guidelines_file`.
    public func promptBuilder(labels: [String], guidelines: String? = nil) -> PromptBuilder {
        PromptBuilder(
            task: task, labels: labels, guidelines: guidelines, constraint: constraint, maxItemTokens: itemTokenLimit,
            maxExampleTokens: maxExampleTokens)
    }
}
