import Foundation

/// One message of an OpenAI-style chat.
public struct ChatMessage: Sendable, Hashable, Codable {
    public enum Role: String, Sendable, Hashable, Codable {
        case system, user, assistant
    }
    public var role: Role
    public var content: String
    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}

/// How the answer is constrained to the label set.
///
/// `logit_bias` is not offered: it needs the token ids of each label in the endpoint's own
/// tokenizer, which imfl cannot know for a remote model; `json_schema` covers those endpoints.
public enum LabelConstraintMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// A GBNF grammar in the request's `grammar` field (llama.cpp servers).
    case grammar
    /// `response_format` with a JSON schema whose `label` is an enum of the labels (OpenAI,
    /// vLLM, Ollama, llama.cpp).
    case jsonSchema = "json_schema"
    /// Nothing but the instruction; the answer is still validated.
    case none
}

/// A chat completion request: everything that determines the answer. Its canonical JSON is
/// both the HTTP body and, hashed, the answer-cache key.
public struct ChatRequest: Sendable, Hashable {
    public var model: String
    public var messages: [ChatMessage]
    public var temperature: Double
    public var maxTokens: Int
    /// Alternatives per generated token to report (0 = do not ask for log-probabilities).
    public var topLogprobs: Int
    /// A GBNF grammar (llama.cpp).
    public var grammar: String?
    /// A JSON schema for `response_format` (OpenAI structured outputs).
    public var jsonSchema: JSONValue?

    public init(
        model: String, messages: [ChatMessage], temperature: Double = 0, maxTokens: Int = 16,
        topLogprobs: Int = 10, grammar: String? = nil, jsonSchema: JSONValue? = nil
    ) {
        self.model = model
        self.messages = messages
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.topLogprobs = topLogprobs
        self.grammar = grammar
        self.jsonSchema = jsonSchema
    }

    /// The request body: JSON with sorted keys, so equal requests give equal bytes.
    public func body() -> Data {
        var object: [String: JSONValue] = [
            "model": .string(model),
            "messages": .array(messages.map {
                .object(["role": .string($0.role.rawValue), "content": .string($0.content)])
            }),
            "temperature": .number(temperature),
            "max_tokens": .number(Double(maxTokens)),
        ]
        if topLogprobs > 0 {
            object["logprobs"] = .bool(true)
            object["top_logprobs"] = .number(Double(topLogprobs))
        }
        if let grammar { object["grammar"] = .string(grammar) }
        if let jsonSchema {
            object["response_format"] = .object([
                "type": .string("json_schema"),
                "json_schema": .object([
                    "name": .string("label"), "strict": .bool(true), "schema": jsonSchema,
                ]),
            ])
        }
        return JSONValue.object(object).encoded()
    }

    /// Hex SHA-256 of the body: the identity of (model, prompt, parameters).
    public var hash: String { SHA256.hex(of: body()) }
}

/// A generated token with its log-probability and the most likely alternatives at its position.
public struct TokenLogprob: Sendable, Hashable {
    public struct Alternative: Sendable, Hashable {
        public var token: String
        public var logprob: Double
        public init(token: String, logprob: Double) {
            self.token = token
            self.logprob = logprob
        }
    }
    public var token: String
    public var logprob: Double
    /// UTF-8 bytes of the token when the server reports them (a token may be part of a character).
    public var bytes: [UInt8]?
    public var alternatives: [Alternative]
    public init(token: String, logprob: Double, bytes: [UInt8]? = nil, alternatives: [Alternative]) {
        self.token = token
        self.logprob = logprob
        self.bytes = bytes
        self.alternatives = alternatives
    }

    /// Length of the token in UTF-8 bytes.
    var byteCount: Int { bytes?.count ?? token.utf8.count }
}

/// The parts of a chat completion imfl uses.
public struct ChatCompletion: Sendable, Hashable {
    public var content: String
    /// Per-token log-probabilities of the answer; empty when the server sent none.
    public var tokens: [TokenLogprob]
    public var promptTokens: Int?
    /// Prompt tokens the server actually evaluated, the rest having come from its cache of an
    /// earlier prompt's shared prefix; nil when the server does not say.
    public var promptTokensEvaluated: Int?
    public var completionTokens: Int?
    public var finishReason: String?
    /// Wall time of the call, retries and backoff included.
    public var latency: Duration
    /// HTTP attempts made.
    public var attempts: Int

    public init(
        content: String, tokens: [TokenLogprob] = [], promptTokens: Int? = nil, promptTokensEvaluated: Int? = nil,
        completionTokens: Int? = nil, finishReason: String? = nil, latency: Duration = .zero, attempts: Int = 1
    ) {
        self.content = content
        self.tokens = tokens
        self.promptTokens = promptTokens
        self.promptTokensEvaluated = promptTokensEvaluated
        self.completionTokens = completionTokens
        self.finishReason = finishReason
        self.latency = latency
        self.attempts = attempts
    }

    /// Decodes an OpenAI chat completion body.
    /// - Throws: a description of what is missing or malformed.
    static func decode(_ data: Data) throws -> ChatCompletion {
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: data)
        } catch {
            throw DecodeFailure(reason: "not a chat completion JSON object (\(Self.shortReason(error)))")
        }
        guard let choice = wire.choices?.first else {
            throw DecodeFailure(reason: wire.error.map { "error object: \($0.message ?? "no message")" } ?? "no choices")
        }
        guard let content = choice.message?.content else {
            throw DecodeFailure(reason: "the first choice has no message content")
        }
        let tokens = (choice.logprobs?.content ?? []).map { token in
            TokenLogprob(
                token: token.token, logprob: token.logprob, bytes: token.bytes,
                alternatives: (token.top_logprobs ?? []).map { .init(token: $0.token, logprob: $0.logprob) })
        }
        return ChatCompletion(
            content: content, tokens: tokens, promptTokens: wire.usage?.prompt_tokens,
            promptTokensEvaluated: evaluated(wire), completionTokens: wire.usage?.completion_tokens,
            finishReason: choice.finish_reason)
    }

    /// llama.cpp's server reports the prompt tokens it evaluated as `timings.prompt_n`;
    /// OpenAI-style servers report the cached part as `usage.prompt_tokens_details.cached_tokens`.
    private static func evaluated(_ wire: Wire) -> Int? {
        if let evaluated = wire.timings?.prompt_n { return evaluated }
        guard let total = wire.usage?.prompt_tokens, let cached = wire.usage?.prompt_tokens_details?.cached_tokens
        else { return nil }
        return max(0, total - cached)
    }

    struct DecodeFailure: Error {
        var reason: String
    }

    private static func shortReason(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): context.debugDescription
        case DecodingError.keyNotFound(let key, _): "missing key \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context):
            "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.valueNotFound(_, let context):
            "null at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: "\(error)"
        }
    }

    private struct Wire: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable { var content: String? }
            struct Logprobs: Decodable { var content: [Token]? }
            var message: Message?
            var logprobs: Logprobs?
            var finish_reason: String?
        }
        struct Token: Decodable {
            var token: String
            var logprob: Double
            var bytes: [UInt8]?
            var top_logprobs: [Top]?
        }
        struct Top: Decodable {
            var token: String
            var logprob: Double
        }
        struct Usage: Decodable {
            struct Details: Decodable { var cached_tokens: Int? }
            var prompt_tokens: Int?
            var completion_tokens: Int?
            var prompt_tokens_details: Details?
        }
        struct Timings: Decodable {
            var prompt_n: Int?
        }
        struct ErrorObject: Decodable { var message: String? }
        var choices: [Choice]?
        var usage: Usage?
        var timings: Timings?
        var error: ErrorObject?
    }
}
