import Foundation
import Testing
import IMFLCore

private let modelPresent = (try? ModelLocator().locate()) != nil
private let ready = TmuxSession.available && TmuxSession.imflBuilt && modelPresent
private let skipReason: Comment = "needs tmux, the imfl binary and the MiniLM model (scripts/setup)"

/// Review and the counters on a real session whose endpoint gives no log-probabilities (issue
/// 13, items 6–8): the screen says there is no confidence and what orders the rows instead; a
/// bulk accept previews that it would accept none and why; agreement counts only the labels
/// judged one by one; `F` shows the unreviewed labels only; and the expert count is the same
/// in the header, the dashboard and `imfl status`.
@Suite("Review without confidence, and one count everywhere", .serialized, .enabled(if: ready, skipReason))
struct ReviewTrustUITests {
    let labels = SessionUITests.labels
    let ui = SessionUITests()

    @Test func reviewSaysWhatItKnowsAndCountsAgree() async throws {
        let server = try await LatencyChatServer.start(labels: labels, latency: .zero, json: true)
        defer { Task { await server.stop() } }
        // Given round 1 of a session labeled and trained, its LLM labels in
        let scratch = try Scratch()
        let folder = try ui.makeSession(scratch, llm: server.baseURL, options: ["--no-llm-check"])
        let tmux = try TmuxSession("\(TmuxSession.imflBinary) label \(folder)", width: 120, height: 40)
        defer { try? tmux.send("q") }
        var previous: String?
        for _ in 0 ..< 7 {
            previous = try ui.waitForItem(tmux, after: previous)
            try tmux.send("1")
        }
        _ = try ui.waitForItem(tmux, after: previous)
        try tmux.waitUntil("round 1 trained", timeout: .seconds(120)) { _ in
            (try? IMFLBinary.run(["status", folder]).stdout.contains("rounds    1 of 2 done")) == true
        }

        // When the expert opens Review
        try tmux.send("R")
        // Then it says the endpoint gives no confidence and what orders the rows instead
        try tmux.waitFor("least sure first by the model's probability (no confidence from the endpoint)", timeout: .seconds(60))

        // When the expert asks for a bulk accept at 0.5
        try tmux.send("A")
        try tmux.waitFor("Accept unreviewed LLM labels with confidence ≥")
        try tmux.type("0.5")
        // Then the preview says it would accept none, because none has a confidence
        let preview = try tmux.waitUntil("the bulk-accept preview") { $0.contains("Enter accepts 0 of ") && $0.contains("have no confidence)") }
        #expect(preview.contains("unreviewed"))
        try tmux.send("Escape")

        // When the expert accepts one label and overrides the next
        try tmux.send("Enter")
        try tmux.waitFor("accepted")
        let screen = try tmux.capture()
        let llm = try #require(screen.split(separator: "\n").first { $0.hasPrefix("Item ") && $0.contains(" · LLM: ") })
        let llmLabel = String(llm.split(separator: " ")[4])
        let other = try #require(labels.firstIndex { $0 != llmLabel })
        try tmux.send(String(other + 1))
        try tmux.waitFor("overridden with “\(labels[other])”")

        // Then `F` shows only the labels not reviewed yet, and back
        try tmux.send("F")
        try tmux.waitFor("not reviewed · least sure first")
        try tmux.send("F")
        try tmux.waitUntil("all LLM labels again") { !$0.contains("not reviewed · least sure first") }

        // And the dashboard counts one accept and one override, judged one by one, in percent with one decimal
        try tmux.send("D")
        let dashboard = try tmux.waitFor("LLM agreement 50.0% (1 of 2 judged)")
        // And the expert count is the same in the header, the dashboard's gauge and status
        #expect(dashboard.contains("7 labeled"))
        #expect(dashboard.contains("7/10"))
        let status = try IMFLBinary.run(["status", folder]).stdout
        #expect(status.contains("expert 7/10 (and 1 LLM label overridden)"))
        // And the LLM queue's bar says which round it counts, apart from the session's LLM gauge
        #expect(dashboard.contains("LLM queue") && dashboard.contains("round "))
    }
}
