import Foundation
import Testing
import IMFLCore

private let modelPresent = (try? ModelLocator().locate()) != nil
private let ready = TmuxSession.available && TmuxSession.imflBuilt && modelPresent
private let skipReason: Comment = "needs tmux, the imfl binary and the MiniLM model (scripts/setup)"

/// Each screen undoes its own actions, on a real session with a fake LLM endpoint (issue 13,
/// items 3 and 4): an override in Review, then three undos on the Label screen, used to take
/// back the override and leave an item that no key could label. Now Label's undo reaches the
/// expert's labels of every round, finished ones included, and an undone item is labeled again
/// where it is; Review's undo takes back accepts and overrides; an override moves the cursor
/// like an accept, so the next Enter judges the next row.
@Suite("Undo on each screen of a real session", .serialized, .enabled(if: ready, skipReason))
struct UndoUITests {
    let labels = SessionUITests.labels

    func export(_ folder: String, _ source: String) throws -> [[String: Any]] {
        let out = try IMFLBinary.run(["export", folder, "--source", source]).stdout
        return out.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// The Review detail header: "Item p12 · LLM: neutral …".
    func selected(_ screen: String) -> (id: String, llm: String)? {
        guard let line = screen.split(separator: "\n").first(where: { $0.hasPrefix("Item ") && $0.contains(" · LLM: ") }) else { return nil }
        let parts = line.split(separator: " ")
        guard parts.count > 4 else { return nil }
        return (String(parts[1]), String(parts[4]))
    }

    @Test func eachScreenUndoesItsOwnActionsAcrossRounds() async throws {
        let server = try await LatencyChatServer.start(labels: labels, latency: .zero, json: true)
        defer { Task { await server.stop() } }
        // Given a two-round session (expert 7 + 3, LLM 5 + 5) whose LLM answers at once
        let scratch = try Scratch()
        let ui = SessionUITests()
        let folder = try ui.makeSession(scratch, llm: server.baseURL, options: ["--no-llm-check"])
        let tmux = try TmuxSession("\(TmuxSession.imflBinary) label \(folder)", width: 120, height: 40)
        defer { try? tmux.send("q") }

        // When the expert labels round 1's seven items, and round 1 is trained
        var previous: String?
        var order: [String] = []
        for _ in 0 ..< 7 {
            let id = try ui.waitForItem(tmux, after: previous)
            order.append(id)
            try tmux.send("1")
            previous = id
        }
        let round2 = try ui.waitForItem(tmux, after: previous)
        try tmux.waitUntil("round 1 trained", timeout: .seconds(120)) { _ in
            (try? IMFLBinary.run(["status", folder]).stdout.contains("rounds    1 of 2 done")) == true
        }

        // And in Review overrides the selected LLM label, then presses Enter
        try tmux.send("R")
        let review = try tmux.waitUntil("an LLM label selected", timeout: .seconds(60)) { self.selected($0) != nil }
        let first = try #require(selected(review))
        let other = try #require(labels.firstIndex { $0 != first.llm })
        try tmux.send(String(other + 1))
        try tmux.waitFor("overridden with “\(labels[other])”")
        let moved = try tmux.waitUntil("the cursor on the next row") { s in self.selected(s).map { $0.id != first.id } ?? false }
        let second = try #require(selected(moved))
        try tmux.send("Enter")
        try tmux.waitFor("item \(second.id): “\(second.llm)” accepted")
        // Then the override stands and the accept went to the next row, not the overridden one
        #expect(try export(folder, "override").map { $0["id"] as? String } == [first.id])
        #expect(try export(folder, "override").first?["label"] as? String == labels[other])

        // When the expert undoes three times on the Label screen
        try tmux.send("L")
        for n in 1 ... 3 {
            try tmux.send("u")
            // Then each undo takes back the expert's latest label of round 1, already trained,
            // shows its item to label again, and says when the change counts
            let screen = try tmux.waitFor("undid “negative” on item \(order[7 - n]) (round 1)")
            #expect(screen.contains("counts from the next retrain"))
            #expect(ui.itemID(screen) == order[7 - n])
        }
        // And the override made in Review is untouched
        #expect(try export(folder, "override").map { $0["id"] as? String } == [first.id])
        #expect(try export(folder, "human").count == 4)

        // When the expert labels the undone items again where they are (a finished round):
        // they come first, before round 2's items
        var relabeled: [String] = []
        var shown = order[4]
        for _ in 0 ..< 3 {
            relabeled.append(shown)
            try tmux.send("3")
            try tmux.waitFor("saved “positive” for item \(shown)")
            shown = try ui.waitForItem(tmux, after: shown)
        }
        #expect(Set(relabeled) == Set(order[4 ..< 7]))
        #expect(shown == round2)
        // Then they are labeled again, nothing refused, and round 2's items come next
        #expect(try export(folder, "human").count == 7)
        #expect(!(try tmux.capture()).contains("is not waiting for the expert"))

        // When Review's undo is pressed twice
        try tmux.send("R")
        try tmux.waitFor("LLM labels:")
        try tmux.send("u")
        try tmux.waitFor("undid the accept of item \(second.id)")
        try tmux.send("u")
        try tmux.waitFor("undid the override of item \(first.id)")
        // Then both LLM labels are unreviewed, and the expert's labels are all still there
        #expect(try export(folder, "override").isEmpty)
        #expect(try export(folder, "human").count == 7)
        try tmux.send("u")
        try tmux.waitFor("nothing to undo on this screen")
    }
}
