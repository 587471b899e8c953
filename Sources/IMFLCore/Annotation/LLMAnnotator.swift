import Foundation

/// The low-fidelity annotator of IMFL: an LLM behind an OpenAI-compatible endpoint, prompted
/// with retrieved expert examples, its answer constrained to the label set and its confidence
/// read from token log-probabilities. Answers are cached by request hash and every call is
/// logged with its tokens, latency and cost.
///
///     let annotator = LLMAnnotator(client: client, prompt: PromptBuilder(task: task, labels: labels),
///                                  options: .init(), cache: store, log: store)
///     let answer = try await annotator.annotate(request)
public struct LLMAnnotator: Annotator {
    /// Request parameters and pricing.
    public struct Options: Sendable, Hashable {
        /// Examples per prompt; the request's examples are cut to the `k` most similar.
        public var k: Int
        /// Leave the examples out.
        public var zeroShot: Bool
        public var constraint: LabelConstraintMode
        public var temperature: Double
        /// Alternatives per token to ask for (0 = no log-probabilities, confidence unknown).
        public var topLogprobs: Int
        /// Price per 1,000 prompt tokens.
        public var promptPricePer1K: Double
        /// Price per 1,000 completion tokens.
        public var completionPricePer1K: Double

        public init(
            k: Int = 5, zeroShot: Bool = false, constraint: LabelConstraintMode = .grammar, temperature: Double = 0,
            topLogprobs: Int = 10, promptPricePer1K: Double = 0, completionPricePer1K: Double = 0
        ) {
            self.k = k
            self.zeroShot = zeroShot
            self.constraint = constraint
            self.temperature = temperature
            self.topLogprobs = topLogprobs
            self.promptPricePer1K = promptPricePer1K
            self.completionPricePer1K = completionPricePer1K
        }
    }

    public let client: OpenAIChatClient
    public let prompt: PromptBuilder
    public let options: Options
    public let cache: (any AnswerCache)?
    public let log: (any LLMCallLog)?

    /// - Note: `prompt.constraint` is set to `options.constraint` so that the instruction and
    ///   example answers match what the endpoint is asked to produce.
    public init(
        client: OpenAIChatClient, prompt: PromptBuilder, options: Options = Options(),
        cache: (any AnswerCache)? = nil, log: (any LLMCallLog)? = nil
    ) {
        var prompt = prompt
        prompt.constraint = options.constraint
        self.client = client
        self.prompt = prompt
        self.options = options
        self.cache = cache
        self.log = log
    }

    /// The exact request sent for `request` (also what the answer cache is keyed by).
    public func chatRequest(for request: AnnotationRequest) -> ChatRequest {
        var trimmed = request
        trimmed.examples = Array(request.examples.suffix(max(0, options.k)))
        let labels = prompt.labels
        let longest = labels.map { $0.utf8.count }.max() ?? 1
        var chat = ChatRequest(
            model: client.endpoint.model,
            messages: prompt.messages(for: trimmed, zeroShot: options.zeroShot || options.k == 0),
            temperature: options.temperature,
            maxTokens: longest + 4,
            topLogprobs: options.topLogprobs)
        switch options.constraint {
        case .grammar: chat.grammar = LabelConstraint.grammar(labels: labels)
        case .jsonSchema:
            chat.jsonSchema = LabelConstraint.jsonSchema(labels: labels)
            chat.maxTokens = longest + 24
        case .none: break
        }
        return chat
    }

    /// Labels one item.
    /// - Throws: ``LLMError`` when the endpoint fails after its retries, answers outside the
    ///   label set, or is paused by the circuit breaker; the engine requeues the item.
    ///   `CancellationError` when cancelled.
    public func annotate(_ request: AnnotationRequest) async throws -> AnnotationAnswer {
        let chat = chatRequest(for: request)
        let key = chat.hash
        let startedAt = Date()
        if let cached = try? await cache?.cachedAnswer(forKey: key) {
            await record(LLMCallRecord(
                itemID: request.itemID, model: chat.model, promptHash: key, promptTokens: nil, completionTokens: nil,
                latencySeconds: 0, cost: 0, attempts: 0, cached: true, error: nil, startedAt: startedAt))
            var answer = cached.answer
            answer.promptHash = key
            return answer
        }
        let completion: ChatCompletion
        do {
            completion = try await client.complete(chat)
        } catch let error as LLMError {
            if case .paused = error { throw error }  // no request was sent
            await record(LLMCallRecord(
                itemID: request.itemID, model: chat.model, promptHash: key, promptTokens: nil, completionTokens: nil,
                latencySeconds: Date().timeIntervalSince(startedAt), cost: 0,
                attempts: error.isRetryable ? client.policy.retry.maxAttempts : 1,
                cached: false, error: error.description, startedAt: startedAt))
            throw error
        }
        let cost = Double(completion.promptTokens ?? 0) / 1000 * options.promptPricePer1K
            + Double(completion.completionTokens ?? 0) / 1000 * options.completionPricePer1K
        let parsed: LabelConstraint.ParsedAnswer
        do {
            parsed = try LabelConstraint.parse(completion.content, mode: options.constraint, labels: prompt.labels)
        } catch {
            await record(LLMCallRecord(
                itemID: request.itemID, model: chat.model, promptHash: key, promptTokens: completion.promptTokens,
                promptTokensEvaluated: completion.promptTokensEvaluated, completionTokens: completion.completionTokens,
                latencySeconds: completion.latency.seconds, cost: cost,
                attempts: completion.attempts, cached: false, error: "\(error)", startedAt: startedAt))
            throw error
        }
        let probabilities = LabelProbabilities.distribution(
            tokens: completion.tokens, labelOffset: parsed.utf8Offset, labels: prompt.labels)
        let answer = AnnotationAnswer(
            label: parsed.label, confidence: probabilities?[parsed.label], probabilities: probabilities ?? [:], promptHash: key)
        await record(LLMCallRecord(
            itemID: request.itemID, model: chat.model, promptHash: key, promptTokens: completion.promptTokens,
            promptTokensEvaluated: completion.promptTokensEvaluated, completionTokens: completion.completionTokens,
            latencySeconds: completion.latency.seconds, cost: cost,
            attempts: completion.attempts, cached: false, error: nil, startedAt: startedAt))
        try? await cache?.storeAnswer(
            CachedAnswer(
                label: answer.label, confidence: answer.confidence, probabilities: answer.probabilities,
                model: chat.model, promptTokens: completion.promptTokens, completionTokens: completion.completionTokens),
            forKey: key)
        return answer
    }

    private func record(_ record: LLMCallRecord) async {
        try? await log?.record(record)
    }
}
