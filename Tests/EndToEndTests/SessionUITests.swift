import Foundation
import Testing
import IMFLCore

private let modelPresent = (try? ModelLocator().locate()) != nil
private let ready = TmuxSession.available && TmuxSession.imflBuilt && modelPresent
private let skipReason: Comment = "needs tmux, the imfl binary and the MiniLM model (scripts/setup)"

/// `imfl label` on a real session: the engine embeds, selects and queues; the expert labels
/// through the UI; every label is in the session database when the next item shows; a
/// reopened session resumes at the same item; with the LLM off the queue shows as paused
/// with the reason, and labeling goes on.
@Suite("imfl label on a real session", .serialized, .enabled(if: ready, skipReason))
struct SessionUITests {
    static let labels = ["negative", "neutral", "positive"]

    /// A session of 40 pool and 12 test sentences with the LLM off (or `llm`). Its schedule
    /// (budget 20, half to the expert, 2 rounds, γ = 0.5) gives the expert 7 items in round 1
    /// and 3 in round 2, and the LLM 5 in each.
    func makeSession(_ scratch: Scratch, llm: String = "off", options: [String] = []) throws -> String {
        let subjects = ["Sales", "Profit", "Orders", "Revenue", "Margins", "Costs", "Exports", "Bookings"]
        let moves = [("fell sharply", "negative"), ("were unchanged", "neutral"), ("rose strongly", "positive")]
        func line(_ id: String, _ n: Int) -> String {
            let (move, label) = moves[n % 3]
            return #"{"id": "\#(id)", "text": "\#(subjects[n % subjects.count]) at unit \#(n) \#(move) in the quarter.", "label": "\#(label)"}"#
        }
        let pool = try scratch.write("pool.jsonl", (0 ..< 40).map { line("p\($0)", $0) }.joined(separator: "\n"))
        let test = try scratch.write("test.jsonl", (40 ..< 52).map { line("t\($0)", $0) }.joined(separator: "\n"))
        let folder = scratch.path("s")
        let created = try IMFLBinary.run([
            "init", folder, "--pool", pool, "--test", test, "--labels", Self.labels.joined(separator: ","),
            "--budget", "20", "--human-share", "0.5", "--rounds", "2", "--llm", llm,
        ] + options)
        try #require(created.status == 0, "imfl init failed: \(created.stderr)")
        return folder
    }

    /// The id shown in the item header, "Item N · round …".
    func itemID(_ screen: String) -> String? {
        guard let line = screen.split(separator: "\n").first(where: { $0.hasPrefix("Item ") }) else { return nil }
        return line.dropFirst(5).split(separator: " ").first.map(String.init)
    }

    func waitForItem(_ tmux: TmuxSession, after previous: String?) throws -> String {
        let screen = try tmux.waitUntil("an item other than \(previous ?? "none")", timeout: .seconds(60)) { s in
            guard let id = itemID(s) else { return false }
            return id != previous
        }
        return itemID(screen)!
    }

    func humanLabels(_ folder: String) throws -> [String] {
        let export = try IMFLBinary.run(["export", folder, "--source", "human"])
        return export.stdout.split(separator: "\n").map(String.init)
    }

    @Test func labelUndoQuitReopenAndAPausedLLM() throws {
        let scratch = try Scratch()
        let folder = try makeSession(scratch)
        let command = "\(TmuxSession.imflBinary) label \(folder)"

        // Given the UI on a fresh session: the engine embeds the items and queues round 1
        var tmux = try TmuxSession(command)
        let first = try waitForItem(tmux, after: nil)

        // When the expert labels two items and undoes the second
        try tmux.send("1")
        let second = try waitForItem(tmux, after: first)
        try tmux.send("3")
        _ = try waitForItem(tmux, after: second)
        try tmux.send("u")
        try tmux.waitFor("undid “positive”")
        #expect(itemID(try tmux.capture()) == second)

        // Then only the first label is in force in the session database, even while the UI runs
        let labels = try humanLabels(folder)
        #expect(labels.count == 1)
        #expect(labels.first?.contains(#""label":"negative""#) == true)

        // When the expert quits and reopens the session
        try tmux.send("q")
        try tmux.waitUntil("the UI to exit") { _ in (try? tmux.paneDead()) == true }
        tmux = try TmuxSession(command)
        // Then the same item waits, and the earlier label is shown as a neighbour with its source
        #expect(try waitForItem(tmux, after: nil) == second)
        try tmux.waitFor("human")

        // When the rest of round 1's expert queue is labeled (7 items in all)
        var current = second
        for _ in 0 ..< 6 {
            try tmux.send("2")
            let screen = try tmux.waitUntil("the next item or the end of the expert queue", timeout: .seconds(60)) { s in
                itemID(s).map { $0 != current } ?? s.contains("No item is waiting")
            }
            guard let next = itemID(screen) else { break }
            current = next
        }
        // Then the LLM queue is shown as paused with the reason, and nothing was lost
        try tmux.waitFor("LLM paused", timeout: .seconds(60))
        try tmux.send("D")
        try tmux.waitFor("the LLM is off")
        #expect(try humanLabels(folder).count == 7)
        try tmux.send("q")
    }
}
