import Foundation
import Testing
import IMFLCore

private let modelPresent = (try? ModelLocator().locate()) != nil
private let ready = TmuxSession.available && TmuxSession.imflBuilt && modelPresent
private let skipReason: Comment = "needs tmux, the imfl binary and the MiniLM model (scripts/setup)"

/// An item the expert cannot or should not label (unsure, off-topic, disputed) can be set aside
/// (issue 13, item 10): on a real session at 80×24, `I` asks for a reason, the item leaves the
/// queue without a label, `imfl status` and `imfl export --ignored` show it with its reason, and
/// `u` brings it back to be labeled.
@Suite("Setting an item aside on a real session", .serialized, .enabled(if: ready, skipReason))
struct IgnoreUITests {
    let ui = SessionUITests()

    func ignoredRows(_ folder: String) throws -> [[String: Any]] {
        let out = try IMFLBinary.run(["export", folder, "--ignored"]).stdout
        return out.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func anIgnoredItemIsLoggedExportedAndUndoable() throws {
        // Given a session with the LLM off, its first item on screen at 80×24
        let scratch = try Scratch()
        let folder = try ui.makeSession(scratch)
        let tmux = try TmuxSession("\(TmuxSession.imflBinary) label \(folder)", width: 80, height: 24)
        defer { try? tmux.send("q") }
        let first = try ui.waitForItem(tmux, after: nil)

        // When the expert presses I, types a reason and confirms
        try tmux.send("I")
        try tmux.waitFor("aside · reason (optional)")
        try tmux.type("not about the company")
        try tmux.send("Enter")

        // Then the screen says it was set aside and moves on, and nothing was labeled
        try tmux.waitFor("set item \(first) aside")
        let next = try ui.waitForItem(tmux, after: first)
        #expect(next != first)
        #expect(try IMFLBinary.run(["status", folder]).stdout.contains("set aside 1 pool item"))
        let rows = try ignoredRows(folder)
        #expect(rows.map { $0["id"] as? String } == [first])
        #expect(rows.first?["reason"] as? String == "not about the company")
        #expect(try IMFLBinary.run(["export", folder]).stdout.isEmpty)

        // When the expert presses u
        try tmux.send("u")
        // Then the item is back to be labeled, and a label now counts
        let screen = try tmux.waitFor("took back setting item \(first) aside")
        #expect(ui.itemID(screen) == first)
        try tmux.send("2")
        try tmux.waitFor("saved “neutral” for item \(first)")
        #expect(try ignoredRows(folder).isEmpty)
        let exported = try IMFLBinary.run(["export", folder]).stdout
        #expect(exported.contains("\"id\":\"\(first)\"") && exported.contains("\"label\":\"neutral\""))
    }
}
