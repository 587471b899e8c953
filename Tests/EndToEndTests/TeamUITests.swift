import Foundation
import Testing
import IMFLCore

private let modelPresent = (try? ModelLocator().locate()) != nil
private let ready = TmuxSession.available && TmuxSession.imflBuilt && modelPresent
private let skipReason: Comment = "needs tmux, the imfl binary and the MiniLM model (scripts/setup)"

/// Two experts and an adjudicator on one session folder, one sitting after another (issue 17):
/// with `[team] overlap = 1` the second expert gets the first expert's items to label again;
/// where they differ, `imfl status` shows their agreement, the item is listed under X in
/// Review, only the adjudicator can settle it, and Review's undo takes the decision back.
@Suite("A team of experts on one session", .serialized, .enabled(if: ready, skipReason))
struct TeamUITests {
    let ui = SessionUITests()

    func sitting(_ folder: String, as name: String) throws -> TmuxSession {
        try TmuxSession("\(TmuxSession.imflBinary) label \(folder) --annotator \(name)", width: 120, height: 40)
    }

    /// Waits until `imfl status` reports `text`: the store, not a notice the next engine event
    /// may replace, says the labels are in.
    func waitForStatus(_ folder: String, _ text: String) throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            if (try? IMFLBinary.run(["status", folder]).stdout.contains(text)) == true { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        Issue.record("imfl status never said \"\(text)\":\n\((try? IMFLBinary.run(["status", folder]).stdout) ?? "")")
    }

    func quit(_ tmux: TmuxSession) throws {
        try tmux.send("q")
        try tmux.waitUntil("the UI to exit", timeout: .seconds(60)) { _ in (try? tmux.paneDead()) == true }
    }

    @Test func twoExpertsDisagreeAndTheAdjudicatorSettles() async throws {
        let server = try await LatencyChatServer.start(labels: SessionUITests.labels, latency: .zero, json: true)
        defer { Task { await server.stop() } }
        // Given a session whose every expert item goes to two experts, settled by "lead"
        let scratch = try Scratch()
        let folder = try ui.makeSession(scratch, llm: server.baseURL, options: ["--no-llm-check"])
        let toml = folder + "/session.toml"
        var text = try String(contentsOfFile: toml, encoding: .utf8)
        text = text.replacingOccurrences(of: "overlap = 0.0", with: "overlap = 1.0")
            .replacingOccurrences(of: "adjudicators = []", with: #"adjudicators = ["lead"]"#)
        try text.write(toFile: toml, atomically: true, encoding: .utf8)

        // When ana labels round 1's seven items "negative"
        let ana = try sitting(folder, as: "ana")
        var previous: String?
        var round1: [String] = []
        for _ in 0 ..< 7 {
            previous = try ui.waitForItem(ana, after: previous)
            round1.append(previous!)
            try ana.send("1")
        }
        try waitForStatus(folder, "budget    expert 7/10")
        try quit(ana)

        // And ben, opening the session after her, gets those items first and labels the first "neutral"
        let ben = try sitting(folder, as: "ben")
        previous = nil
        var offered: [String] = []
        for n in 0 ..< 7 {
            previous = try ui.waitForItem(ben, after: previous)
            offered.append(previous!)
            try ben.send(n == 0 ? "2" : "1")
        }
        #expect(Set(offered) == Set(round1))
        try waitForStatus(folder, "experts   ana 7, ben 7")
        // Then ben can list the disagreement but not settle it
        try ben.send("R")
        try ben.send("X")
        try ben.waitFor("Experts' disagreements (1)")
        try ben.send("1")
        try ben.waitFor("ben is not an adjudicator of this session (adjudicators: lead)")
        try ben.send("Escape")
        // And the dashboard gives the experts' chance-corrected agreement
        try ben.send("D")
        try ben.waitFor("Expert agreement κ", timeout: .seconds(30))
        try quit(ben)
        // And status shows both experts and their agreement
        let status = try IMFLBinary.run(["status", folder]).stdout
        #expect(status.contains("experts   ana 7, ben 7"), "\(status)")
        #expect(status.contains("agreement 6 of 7 shared items labeled alike"), "\(status)")

        // When the lead opens Review's list of disagreements and presses "negative"
        let lead = try sitting(folder, as: "lead")
        defer { try? lead.send("q") }
        try lead.send("R")
        try lead.send("X")
        let list = try lead.waitFor("Experts' disagreements (1)")
        #expect(list.contains("ana: negative · ben: neutral"))
        #expect(list.contains(offered[0]))
        try lead.send("1")
        // Then the item is settled and the list is empty
        try lead.waitFor("settled item \(offered[0]) as “negative”")
        try lead.waitFor("No item is disputed: the experts agree on every item they share.")
        // And Review's undo takes the decision back
        try lead.send("Escape")
        try lead.send("u")
        try lead.waitFor("undid the decision on item \(offered[0]); the experts' labels are disputed again")
    }
}
