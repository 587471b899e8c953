import Foundation
import Testing
@testable import IMFLCore

@Suite("Label constraint and probabilities")
struct LabelConstraintTests {
    static let labels = ["positive", "negative", "neutral"]

    @Test("the grammar allows exactly the labels, escaping quotes")
    func grammar() {
        #expect(LabelConstraint.grammar(labels: Self.labels) == #"root ::= "positive" | "negative" | "neutral""#)
        #expect(LabelConstraint.grammar(labels: [#"say "hi""#, #"a\b"#]) == #"root ::= "say \"hi\"" | "a\\b""#)
    }

    @Test("answers are matched case-insensitively, ignoring spaces, quotes and final punctuation")
    func parse() throws {
        for (answer, offset) in [("positive", 0), (" Positive.", 1), ("\"NEUTRAL\"", 1), ("negative\n", 0)] {
            let parsed = try LabelConstraint.parse(answer, mode: .grammar, labels: Self.labels)
            #expect(Self.labels.contains(parsed.label))
            #expect(parsed.utf8Offset == offset, "offset for \(answer)")
        }
        #expect(throws: LLMError.self) { try LabelConstraint.parse("bullish", mode: .grammar, labels: Self.labels) }
        #expect(throws: LLMError.self) { try LabelConstraint.parse("positive negative", mode: .none, labels: Self.labels) }
        #expect(throws: LLMError.self) { try LabelConstraint.parse("", mode: .none, labels: Self.labels) }
    }

    @Test("a JSON answer gives its label and the offset of the label's text")
    func parseJSON() throws {
        let parsed = try LabelConstraint.parse(#"{"label": "Neutral"}"#, mode: .jsonSchema, labels: Self.labels)
        #expect(parsed.label == "neutral")
        #expect(parsed.utf8Offset == 11)
        #expect(throws: LLMError.self) {
            try LabelConstraint.parse(#"{"label": "bullish"}"#, mode: .jsonSchema, labels: Self.labels)
        }
    }

    static func token(_ text: String, _ alternatives: [(String, Double)]) -> TokenLogprob {
        TokenLogprob(
            token: text, logprob: alternatives.first { $0.0 == text }?.1 ?? 0,
            alternatives: alternatives.map { .init(token: $0.0, logprob: log($0.1)) })
    }

    @Test("case variants and leading spaces are summed, other tokens dropped, the rest renormalised")
    func firstTokenDistribution() throws {
        let tokens = [Self.token("positive", [
            ("positive", 0.5), ("Positive", 0.1), (" positive", 0.05), ("neutral", 0.15), ("NEG", 0.1), ("The", 0.1),
        ])]
        let p = try #require(LabelProbabilities.distribution(tokens: tokens, labelOffset: 0, labels: Self.labels))
        #expect(abs(p["positive"]! - 0.65 / 0.9) < 1e-9)
        #expect(abs(p["neutral"]! - 0.15 / 0.9) < 1e-9)
        #expect(abs(p["negative"]! - 0.1 / 0.9) < 1e-9)
        #expect(abs(p.values.reduce(0, +) - 1) < 1e-9)
    }

    @Test("a first token shared by two labels is split by the next token when it was generated")
    func sharedFirstToken() throws {
        // Given labels that share the first token "not" and a model that produced "not_entailment"
        let labels = ["entailment", "not_entailment", "not_sure"]
        let tokens = [
            Self.token("not", [("not", 0.8), ("ent", 0.2)]),
            Self.token("_ent", [("_ent", 0.75), ("_sure", 0.25)]),
            Self.token("ailment", [("ailment", 1)]),
        ]
        let p = try #require(LabelProbabilities.distribution(tokens: tokens, labelOffset: 0, labels: labels))
        // Then "not" (0.8) is split 3:1 between the two "not" labels
        #expect(abs(p["not_entailment"]! - 0.6) < 1e-9)
        #expect(abs(p["not_sure"]! - 0.2) < 1e-9)
        #expect(abs(p["entailment"]! - 0.2) < 1e-9)
    }

    @Test("a shared first token that was not generated is split evenly")
    func sharedNotGenerated() throws {
        let labels = ["entailment", "not_entailment", "not_sure"]
        let tokens = [Self.token("ent", [("ent", 0.6), ("not", 0.4)]), Self.token("ailment", [("ailment", 1)])]
        let p = try #require(LabelProbabilities.distribution(tokens: tokens, labelOffset: 0, labels: labels))
        #expect(abs(p["entailment"]! - 0.6) < 1e-9)
        #expect(abs(p["not_entailment"]! - 0.2) < 1e-9)
        #expect(abs(p["not_sure"]! - 0.2) < 1e-9)
    }

    @Test("a label that is a prefix of another is told apart by the end of the answer")
    func prefixLabel() throws {
        let labels = ["neg", "negative"]
        let tokens = [Self.token("neg", [("neg", 1)]), Self.token("", [("", 0.7), ("ative", 0.3)])]
        let p = try #require(LabelProbabilities.distribution(tokens: tokens, labelOffset: 0, labels: labels))
        #expect(abs(p["neg"]! - 0.7) < 1e-9)
        #expect(abs(p["negative"]! - 0.3) < 1e-9)
    }

    @Test("no log-probabilities, or no alternative that begins a label, gives no distribution")
    func absent() {
        #expect(LabelProbabilities.distribution(tokens: [], labelOffset: 0, labels: Self.labels) == nil)
        let junk = [Self.token("The", [("The", 0.9), ("This", 0.1)])]
        #expect(LabelProbabilities.distribution(tokens: junk, labelOffset: 0, labels: Self.labels) == nil)
    }

    @Test("the label may start inside a token, after the JSON quote")
    func offsetInsideToken() throws {
        let tokens = [
            Self.token(#"{"label":"#, [(#"{"label":"#, 1)]),
            Self.token(#""pos"#, [(#""pos"#, 0.7), (#""neg"#, 0.2), ("pos", 0.1)]),
            Self.token(#"itive"}"#, [(#"itive"}"#, 1)]),
        ]
        let p = try #require(LabelProbabilities.distribution(tokens: tokens, labelOffset: 10, labels: Self.labels))
        #expect(abs(p["positive"]! - 0.7 / 0.9) < 1e-9)
        #expect(abs(p["negative"]! - 0.2 / 0.9) < 1e-9)
    }
}

@Suite("Retry policy, hashing and settings")
struct RetryAndHashTests {
    @Test("backoff doubles up to the cap and jitter only shortens it")
    func backoff() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .milliseconds(350), jitter: 0.5)
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, random: 0) == .milliseconds(100))
        #expect(policy.delay(afterAttempt: 2, retryAfter: nil, random: 0) == .milliseconds(200))
        #expect(policy.delay(afterAttempt: 3, retryAfter: nil, random: 0) == .milliseconds(350))
        #expect(policy.delay(afterAttempt: 2, retryAfter: nil, random: 0.999) > .milliseconds(100))
        #expect(policy.delay(afterAttempt: 2, retryAfter: nil, random: 1) == .milliseconds(100))
    }

    @Test("Retry-After replaces the backoff, capped")
    func retryAfter() {
        let policy = RetryPolicy(maxRetryAfter: .seconds(60))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(7), random: 0.5) == .seconds(7))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(600), random: 0.5) == .seconds(60))
        #expect(RetryPolicy.parseRetryAfter("120") == .seconds(120))
        #expect(RetryPolicy.parseRetryAfter(" 1.5 ") == .milliseconds(1500))
        let now = Date(timeIntervalSince1970: 1_445_412_470)  // 2015-10-21 07:27:50 GMT
        #expect(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == .seconds(10))
        #expect(RetryPolicy.parseRetryAfter("soon") == nil)
    }

    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256() {
        #expect(SHA256.hex(of: Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(of: Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(of: Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("equal requests hash equally; any parameter change changes the hash")
    func requestHash() {
        let a = ChatRequest(model: "m", messages: [ChatMessage(role: .user, content: "x")], grammar: "root ::= \"a\"")
        var b = a
        #expect(a.hash == b.hash)
        b.temperature = 0.5
        #expect(a.hash != b.hash)
        var c = a
        c.model = "other"
        #expect(a.hash != c.hash)
        #expect(String(decoding: a.body(), as: UTF8.self).hasPrefix(#"{"grammar":"#))
    }

    @Test("settings decode from the [llm] table with defaults for missing keys")
    func settings() throws {
        let json = #"{"base_url": "http://gpu:8000/v1", "model": "qwen", "api_key_env": "VLLM_KEY", "constraint": "json_schema", "max_attempts": 6}"#
        let settings = try JSONDecoder().decode(LLMSettings.self, from: Data(json.utf8))
        #expect(settings.endpoint() == ChatEndpoint(baseURL: "http://gpu:8000/v1", model: "qwen", apiKeyVariable: "VLLM_KEY"))
        #expect(settings.constraint == .jsonSchema && settings.enabled)
        #expect(settings.clientPolicy.retry.maxAttempts == 6)
        #expect(settings.maxConcurrency == 2 && !settings.usesLocalServer)
        #expect(try JSONDecoder().decode(LLMSettings.self, from: Data("{}".utf8)).usesLocalServer)
        #expect(throws: LLMError.self) { try ChatEndpoint(baseURL: "gpu:8000", model: "m").chatCompletionsURL() }
        #expect(try ChatEndpoint(baseURL: "http://h:1/v1/", model: "m").chatCompletionsURL() == "http://h:1/v1/chat/completions")
    }
}
