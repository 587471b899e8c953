import Foundation
import Testing
@testable import IMFLCore

@Suite("The pre-flight check of an LLM endpoint")
struct LLMPreflightTests {
    static let labels = ["negative", "neutral", "positive"]

    static func settings(_ url: String, model: String, constraint: LabelConstraintMode = .jsonSchema) -> LLMSettings {
        var s = LLMSettings(baseURL: url, model: model, constraint: constraint)
        s.timeoutSeconds = 30
        return s
    }

    @Test("a working endpoint: its models listed, one probe labeled and timed, no confidence noted")
    func workingEndpoint() async throws {
        let server = try await LatencyChatServer.start(labels: Self.labels, latency: .milliseconds(10), json: true)
        let report = await LLMPreflight(settings: Self.settings(server.baseURL, model: "fake"), labels: Self.labels)
            .run(text: "Sales rose.")
        await server.stop()
        #expect(report.ok, "\(report.problems)")
        #expect(report.models == ["fake"])
        #expect(Self.labels.contains(try #require(report.probe).label))
        #expect(report.notes.contains { $0.contains("no log-probabilities") })
        #expect(report.lines.last == "ok: the LLM labels")
    }

    @Test("a model the endpoint does not serve is named, with the ones it does")
    func unknownModel() async throws {
        let server = try await LatencyChatServer.start(labels: Self.labels, latency: .zero, json: true)
        let report = await LLMPreflight(settings: Self.settings(server.baseURL, model: "local"), labels: Self.labels)
            .run(text: "Sales rose.")
        await server.stop()
        #expect(!report.ok)
        #expect(report.problems == ["llm.model is “local”, which the endpoint does not serve; set llm.model in session.toml to one of: fake"])
    }

    @Test("nothing listening: the error in full and what to check")
    func unreachable() async throws {
        let port = try await FaultServer.closedPort()
        let report = await LLMPreflight(settings: Self.settings("http://127.0.0.1:\(port)/v1", model: "m"), labels: Self.labels)
            .run(text: "Sales rose.")
        #expect(!report.ok)
        #expect(report.probe == nil)
        let problem = try #require(report.problems.first)
        #expect(problem.contains("127.0.0.1:\(port)"))
        #expect(problem.hasSuffix("is the server running and is llm.base_url (http://127.0.0.1:\(port)/v1) its API root, ending in /v1?"))
    }

    @Test("a JSON answer is read whatever the constraint mode")
    func jsonAnswerInGrammarMode() throws {
        let parsed = try LabelConstraint.parse(#"{"label": "neutral"}"#, mode: .grammar, labels: Self.labels)
        #expect(parsed.label == "neutral")
        let bare = try LabelConstraint.parse("Positive.", mode: .jsonSchema, labels: Self.labels)
        #expect(bare.label == "positive")
    }
}
