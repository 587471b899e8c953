import Foundation
import Testing
@testable import IMFLCore

/// The session's LLM reports why it cannot answer instead of blocking, so the engine can pause
/// the LLM queue with that reason while the expert goes on.
@Suite struct SessionAnnotatorTests {
    static let request = AnnotationRequest(itemID: 1, text: "Sales rose.", examples: [])

    func config(_ change: (inout SessionConfig) -> Void = { _ in }) -> SessionConfig {
        var config = SessionConfig(task: .init(name: "t", labels: ["negative", "positive"]))
        change(&config)
        return config
    }

    @Test func anLLMTurnedOffSaysSo() async throws {
        let annotator = SessionAnnotator(config: config { $0.llm.enabled = false }, guidelines: nil, store: try AppDatabase.inMemory())
        await #expect {
            try await annotator.annotate(Self.request)
        } throws: { error in
            "\(error)" == "the LLM is off for this session (llm.enabled = false)"
        }
    }

    @Test func aMissingLocalModelSaysWhatToRunAndIsRetriedOnTheNextCall() async throws {
        // Given a local-server session whose imfl home has no model installed
        let home = try TempDir()
        let server = LocalLLMServer(configuration: .init(home: home.url))
        let annotator = SessionAnnotator(config: config(), guidelines: nil, store: try AppDatabase.inMemory(), server: server)
        // Then each call fails at once with the remedy, and nothing was started
        for _ in 0 ..< 2 {
            await #expect {
                try await annotator.annotate(Self.request)
            } throws: { error in
                "\(error)" == "the local LLM is not installed; run scripts/install-llm"
            }
        }
        #expect(try home.contents().isEmpty)
        await annotator.shutdown()
    }

    /// A stand-in for the venv's Python: whatever the launcher asks, it serves /health and
    /// chat completions answering "positive" on a free port, and writes the address where the
    /// launcher would. Its command line carries the launcher's marker, as the real one does.
    static let fakeServer = #"""
        import json, os, signal, sys
        # imfl may start it from a thread that blocks SIGTERM; stop() must end it at once.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        class H(BaseHTTPRequestHandler):
            def log_message(self, *a): pass
            def reply(self, body):
                data = json.dumps(body).encode()
                self.send_response(200); self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
            def do_GET(self): self.reply({"status": "ok"})
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.reply({"id": "x", "object": "chat.completion", "model": "fake", "choices": [{"index": 0,
                    "message": {"role": "assistant", "content": "positive"}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11}})
        server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        address = sys.argv[-1]
        with open(address + ".tmp", "w") as f: f.write("http://127.0.0.1:%d" % server.server_port)
        os.replace(address + ".tmp", address)
        server.serve_forever()
        """#

    @Test func aLocalServerStoppedByTheProcessThatStartedItIsFoundOrStartedAgain() async throws {
        // Given a local server (a stand-in, no model needed) started by another imfl process
        let home = try TempDir()
        try home.write("fake_server.py", Self.fakeServer)
        let python = try home.write("python", "#!/bin/sh\nexec python3 \(home.path("fake_server.py")) \"$@\"\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: python)
        let model = try home.write("model.gguf", "")
        let configuration = LocalLLMServer.Configuration(
            home: home.url, python: URL(fileURLWithPath: python), model: URL(fileURLWithPath: model))
        let other = LocalLLMServer(configuration: configuration)
        let first = try await other.start()
        // And a session labeling with it (each call a new text: answers are cached)
        func request(_ n: Int64) -> AnnotationRequest { AnnotationRequest(itemID: n, text: "Sales rose \(n)%.", examples: []) }
        let server = LocalLLMServer(configuration: configuration)
        let annotator = SessionAnnotator(config: config(), guidelines: nil, store: try AppDatabase.inMemory(), server: server)
        #expect(try await annotator.annotate(request(1)).label == "positive")
        // When the other process ends and stops its server
        #expect(try await other.stop())
        // Then the call under way fails saying it cannot reach the server
        await #expect(throws: LLMError.self) { try await annotator.annotate(request(2)) }
        // And the next one starts a server of its own and is answered
        #expect(try await annotator.annotate(request(3)).label == "positive")
        guard case .running(let second) = await server.status() else {
            Issue.record("no local server runs after the session's call")
            return
        }
        #expect(second.pid != first.pid)
        // And the session stops the server it started when it ends
        await annotator.shutdown()
        if case .stopped = await server.status() {} else { Issue.record("the session left its server running") }
    }

    @Test func annotatorSettingsTakeTheTaskAndRetrievalTables() {
        let settings = config {
            $0.task.description = "the sentiment of a sentence"
            $0.task.guidelines = "guidelines.md"
            $0.retrieval.k = 3
        }.annotatorSettings
        #expect(settings.task == "Classify the sentiment of a sentence.")
        #expect(settings.guidelinesFile == "guidelines.md")
        #expect(settings.k == 3 && !settings.zeroShot)
        #expect(config { $0.retrieval.mode = .none }.annotatorSettings.zeroShot)
    }
}
