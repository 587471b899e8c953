import Foundation
import Testing
import IMFLCore

private let modelPresent = (try? ModelLocator().locate()) != nil
private let ready = TmuxSession.available && TmuxSession.imflBuilt && modelPresent
private let skipReason: Comment = "needs tmux, the imfl binary and the MiniLM model (scripts/setup)"

/// The expert never waits on the LLM: on a real session whose LLM endpoint (a local fake API
/// answering after a minute) is still working on round 1, the expert is shown round 2's items,
/// and once those are done the screen says what the LLM is doing and where to go meanwhile.
@Suite("imfl label while the LLM labels", .serialized, .enabled(if: ready, skipReason))
struct PipelineUITests {
    @Test func expertLabelsTheNextRoundWhileTheLLMWorks() async throws {
        let server = try await LatencyChatServer.start(
            labels: ["negative", "neutral", "positive"], latency: .seconds(60), json: true)
        defer { Task { await server.stop() } }
        // Given a session of 2 rounds (expert 7 + 3, LLM 5 + 5) whose LLM takes a minute per label
        let scratch = try Scratch()
        let folder = try SessionUITests().makeSession(scratch, llm: server.baseURL, options: ["--no-llm-check"])

        let tmux = try TmuxSession("\(TmuxSession.imflBinary) label \(folder)")
        defer { try? tmux.send("q") }
        // When the expert labels round 1's seven items
        var seen: Set<String> = []
        for _ in 0 ..< 7 {
            let screen = try tmux.waitUntil("an item not labeled yet", timeout: .seconds(60)) { s in
                s.split(separator: "\n").contains { $0.hasPrefix("Item ") && !seen.contains(String($0.prefix(12))) }
            }
            let header = screen.split(separator: "\n").first { $0.hasPrefix("Item ") }!
            seen.insert(String(header.prefix(12)))
            #expect(header.contains("round 1"), "expected a round 1 item, saw: \(header)")
            try tmux.send("1")
        }
        // Then round 2's items come at once, while no LLM label is in yet
        let round2 = try tmux.waitUntil("a round 2 item", timeout: .seconds(60)) { s in
            s.split(separator: "\n").contains { $0.hasPrefix("Item ") && $0.contains("round 2") }
        }
        #expect(round2.contains("round 2"))
        let llmLabels = try IMFLBinary.run(["export", folder, "--source", "llm"])
        #expect(llmLabels.stdout.isEmpty, "LLM labels already in: \(llmLabels.stdout)")
        #expect(server.requests >= 1, "the LLM was not asked while the expert worked")

        // When the expert labels round 2's three items too
        for _ in 0 ..< 3 {
            let before = try tmux.capture().split(separator: "\n").first { $0.hasPrefix("Item ") }.map(String.init)
            try tmux.send("2")
            _ = try tmux.waitUntil("the next item or the empty queue", timeout: .seconds(60)) { s in
                let header = s.split(separator: "\n").first { $0.hasPrefix("Item ") }.map(String.init)
                return header != before || s.contains("No item is waiting")
            }
        }
        // Then the screen says what the LLM is doing and what to do meanwhile
        let waiting = try tmux.waitFor("labels meanwhile: R.", timeout: .seconds(60))
        #expect(waiting.contains("No item is waiting for you. LLM labeling round 1: 0/5"))
        #expect(waiting.contains("10 labeled"))
    }
}

/// `imfl init --llm URL` writes a session that works with an OpenAI-style endpoint: a JSON
/// schema constraint, the model the endpoint serves, and a pre-flight check it prints.
@Suite struct InitRemoteLLMTests {
    @Test(.enabled(if: IMFLBinary.available, "needs the imfl executable built beside the tests"))
    func initAsksTheEndpointAndChecksIt() async throws {
        // Given an endpoint that serves the model "fake" and answers in JSON
        let server = try await LatencyChatServer.start(labels: ["negative", "positive"], latency: .zero, json: true)
        defer { Task { await server.stop() } }
        let scratch = try Scratch()
        let pool = try scratch.write("pool.jsonl", (0 ..< 6).map { #"{"id": "p\#($0)", "text": "text \#($0)"}"# }.joined(separator: "\n"))
        let test = try scratch.write("test.jsonl", #"{"text": "a", "label": "negative"}"# + "\n" + #"{"text": "b", "label": "positive"}"#)
        // When a session is created against it
        let result = try IMFLBinary.run(["init", scratch.path("s"), "--pool", pool, "--test", test, "--llm", server.baseURL])
        // Then the session asks for "fake" with a JSON schema, 16 calls at a time, and the
        // check's report says the LLM labels
        #expect(result.status == 0, "\(result.stderr)")
        let toml = try String(contentsOfFile: scratch.path("s/session.toml"), encoding: .utf8)
        #expect(toml.contains(#"model = "fake""#))
        #expect(toml.contains(#"constraint = "json_schema""#))
        #expect(toml.contains("max_concurrency = 16"))
        #expect(result.stdout.contains("ok: the LLM labels"), "\(result.stdout)")
        // And `imfl llm test` gives the same verdict later
        let check = try IMFLBinary.run(["llm", "test", scratch.path("s")])
        #expect(check.status == 0, "\(check.stdout)")
    }
}
