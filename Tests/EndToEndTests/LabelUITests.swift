import Foundation
import Testing
import IMFLTerminal

private let ready = TmuxSession.available && TmuxSession.imflBuilt
private let skipReason: Comment = "needs tmux on PATH and the imfl binary (swift build --product imfl, or set IMFL_BIN)"

@Suite("Label UI in tmux", .serialized, .enabled(if: ready, skipReason))
struct LabelUITests {
    private func stateFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("imfl-e2e-\(UUID().uuidString).json")
    }

    @Test("label, undo, override, switch screens, resize, quit, reopen at the same position")
    func fullSession() throws {
        let state = stateFile()
        defer { try? FileManager.default.removeItem(at: state) }
        let command = "\(TmuxSession.imflBinary) label-scripted --state \(state.path)"
        let tmux = try TmuxSession(command)

        // Label three items; each appears only after the previous label is stored
        try tmux.waitFor("Item 1 ")
        try tmux.send("1")
        try tmux.waitFor("Item 2 ")
        try tmux.send("2")
        try tmux.waitFor("Item 3 ")
        try tmux.send("3")
        try tmux.waitFor("Item 4 ")

        // Undo brings item 3 back; label it again
        try tmux.send("u")
        try tmux.waitFor("undid “neutral” on item 3")
        #expect(try tmux.capture().contains("Item 3 "))
        try tmux.send("1")
        try tmux.waitFor("Item 4 ")

        // Review: override the first (least confident) LLM label with a different label
        let demo = ScriptedSession.demo()
        let page = demo.reviewPage(sort: .lowestConfidence, offset: 0, limit: 1)
        let first = try #require(page.items.first)
        let differing = demo.info.labels.firstIndex(where: { $0 != first.llmLabel })
        let other = try #require(differing)
        try tmux.send("R")
        try tmux.waitFor("LLM labels: 12")
        try tmux.send(String(other + 1))
        try tmux.waitFor("→ \(demo.info.labels[other])")

        // Dashboard, then resize to 80×24 and back
        try tmux.send("D")
        try tmux.waitFor("Macro-F1 by round")
        try tmux.resize(width: 80, height: 24)
        let small = try tmux.waitUntil("an 80×24 dashboard") { s in
            let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
            return s.contains("Macro-F1 by round") && lines.count <= 25 && lines.allSatisfy { $0.count <= 80 }
        }
        #expect(small.contains("Budget"))
        try tmux.resize(width: 120, height: 40)
        try tmux.waitUntil("a 120-column screen") { s in s.split(separator: "\n").contains { $0.count > 100 } }

        // Back to labeling: still at item 4; quit
        try tmux.send("L")
        try tmux.waitFor("Item 4 ")
        try tmux.send("q")
        try tmux.waitUntil("imfl to exit") { _ in (try? tmux.paneDead()) == true }

        // Every label is stored, the undo is logged, the override kept its own source
        let saved = try JSONDecoder().decode(ScriptedSession.self, from: Data(contentsOf: state))
        #expect(saved.expertLabels.map(\.itemID) == [1, 2, 3])
        #expect(saved.expertLabels.map(\.label) == ["positive", "negative", "positive"])
        #expect(saved.log.contains(.undo(itemID: 3, round: 1)))
        #expect(saved.log.contains(.override(itemID: first.itemID, label: demo.info.labels[other])))

        // Reopening resumes at the same item
        let again = try TmuxSession(command)
        try again.waitFor("Item 4 ")
        try again.send("q")
    }

    @Test("the LLM queue shows as paused with its reason when no LLM is reachable")
    func llmDown() throws {
        let tmux = try TmuxSession("\(TmuxSession.imflBinary) label-scripted --llm-down")
        try tmux.waitFor("LLM paused")
        try tmux.send("D")
        try tmux.waitFor("LLM paused: connection refused")
        try tmux.send("q")
    }

    @Test("the ? overlay lists the keys from the keymap, and g shows the guidelines")
    func overlays() throws {
        let tmux = try TmuxSession("\(TmuxSession.imflBinary) label-scripted")
        try tmux.waitFor("Item 1 ")
        try tmux.send("?")
        try tmux.waitFor("Keys · Label")
        #expect(try tmux.capture().contains("undo"))
        try tmux.send("Escape")
        try tmux.send("g")
        try tmux.waitFor("Guidelines · demo")
        try tmux.send("Escape")
        try tmux.send("q")
    }

    @Test("no TERM, an unknown TERM or one that cannot show an item gives a clear error instead of a curses exit", arguments: [
        (nil as String?, "TERM is not set"),
        ("no-such-terminal-xyz", "TERM=no-such-terminal-xyz is not in the terminfo database"),
        // Regression for issue 14: a dumb terminal drew only the header, and keys still labeled.
        ("dumb", "TERM=dumb cannot place text on the screen"),
    ])
    func badTerm(term: String?, message: String) throws {
        let tmux = try TmuxSession("\(TmuxSession.imflBinary) label-scripted; echo exit=$?; sleep 30", term: term)
        let screen = try tmux.waitFor("exit=")
        #expect(screen.contains(message))
        #expect(!screen.contains("exit=0"))
    }

    @Test("SIGTERM restores the terminal and exits")
    func sigterm() throws {
        // Given the UI running in a pane's shell
        let tmux = try TmuxSession("sh -c '\(TmuxSession.imflBinary) label-scripted; echo exit=$?; stty -a | grep -o \" echo \"; sleep 30'")
        try tmux.waitFor("Item 1 ")
        // When imfl (the shell's child) gets SIGTERM
        let shell = try tmux.tmux(["display-message", "-p", "-t", tmux.name, "#{pane_pid}"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let children = try String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)
        let pid = try #require(children.split(separator: " ").compactMap { Int32($0) }.first)
        kill(pid, SIGTERM)
        // Then it exits with 128+15 and the terminal is back in cooked mode with echo on
        let screen = try tmux.waitFor("exit=")
        #expect(screen.contains("exit=143"))
        try tmux.waitUntil("stty to report echo on") { $0.split(separator: "\n").contains(" echo") }
    }
}
