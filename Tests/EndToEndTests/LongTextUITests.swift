import Foundation
import Testing

private let ready = TmuxSession.available && TmuxSession.imflBuilt
private let skipReason: Comment = "needs tmux on PATH and the imfl binary (swift build --product imfl, or set IMFL_BIN)"

/// Issue 13, items 5 and 10, as an expert meets them: long abstracts in Review, where the LLM's
/// view of a text ends, the dataset's own ids, and a 77-label session's dashboard and keys.
/// Each runs `imfl label-scripted` with a preset session in tmux.
@Suite("Long texts and large label sets in tmux", .serialized, .enabled(if: ready, skipReason))
struct LongTextUITests {
    static let sizes = [(80, 24), (120, 40)]

    /// The detail pane's position, "lines 6–11 of 38", as (first, last, total).
    func position(_ screen: String) -> (first: Int, last: Int, total: Int)? {
        guard let match = screen.firstMatch(of: /lines (\d+)–(\d+) of (\d+)/) else { return nil }
        return (Int(match.1)!, Int(match.2)!, Int(match.3)!)
    }

    /// Regression for issue 13, item 5: a 2,025-character abstract showed 12 lines in Review (6
    /// at 80×24) with no scroll and no indicator, and nothing said the LLM saw only its start.
    @Test("Review's detail pane pages through a long abstract with J and K, says where it is and where the LLM's prompt ended",
          arguments: sizes)
    func reviewScrollsALongText(width: Int, height: Int) throws {
        let tmux = try TmuxSession("\(TmuxSession.imflBinary) label-scripted --preset abstracts", width: width, height: height)
        try tmux.waitFor("Item pqal-1 ")
        try tmux.send("R")
        // The selected abstract does not fit: the pane says which lines show and that J shows more
        var screen = try tmux.waitUntil("the detail pane's position") { $0.contains("LLM labels: 12") && self.position($0) != nil }
        var at = try #require(position(screen))
        #expect(at.first == 1 && at.total > at.last)
        #expect(screen.contains("↓ J"))
        #expect(screen.contains("J more text"))
        #expect(!screen.contains("↑ K"))
        // Paging with J reaches the end, keeping a line of context each time, and passes the
        // mark where the LLM's prompt ended
        var sawMark = screen.contains("┄┄ the LLM's prompt ended here: it labeled only the text above")
        while at.last < at.total {
            let previous = at
            try tmux.send("J")
            screen = try tmux.waitUntil("the pane to move from line \(previous.first)") { s in
                self.position(s).map { $0.first > previous.first } ?? false
            }
            at = try #require(position(screen))
            // A page keeps the last line on screen; the last page ends at the text's end
            #expect(at.first == previous.last || (at.last == at.total && at.first < previous.last))
            #expect(screen.contains("↑ K"))
            sawMark = sawMark || screen.contains("┄┄ the LLM's prompt ended here: it labeled only the text above")
        }
        #expect(sawMark, "the mark of the LLM's cut was never on screen")
        #expect(!screen.contains("↓ J"))
        // K goes back up
        try tmux.send("K")
        try tmux.waitUntil("the pane to move back up") { self.position($0).map { $0.first < at.first } ?? false }
        // Another row starts at its own top
        try tmux.send("j")
        try tmux.waitUntil("the next row's text from its first line") { self.position($0)?.first == 1 }
        try tmux.send("q")
    }

    @Test("the Label screen marks where the LLM's view of the item ends", arguments: sizes)
    func labelScreenMarksTheLLMsView(width: Int, height: Int) throws {
        let tmux = try TmuxSession("\(TmuxSession.imflBinary) label-scripted --preset abstracts", width: width, height: height)
        try tmux.waitFor("Item pqal-1 ")
        try tmux.waitFor("┄┄ as a prompt example, the LLM sees only the text above ┄┄")
        try tmux.send("q")
    }

    /// Regression for issue 13, item 10: the screens showed the internal row id.
    @Test("the screens show the dataset's own ids")
    func datasetIDs() throws {
        let tmux = try TmuxSession("\(TmuxSession.imflBinary) label-scripted --preset abstracts", width: 80, height: 24)
        try tmux.waitFor("Item pqal-1 ")
        // A long item is read to its end before a label key acts
        for _ in 0 ..< 4 { try tmux.send("PageDown") }
        try tmux.send("1")
        try tmux.waitFor("saved “yes” for item pqal-1")
        try tmux.waitFor("Item pqal-2 ")
        try tmux.send("R")
        try tmux.waitUntil("a review item with its dataset id") { $0.firstMatch(of: #/Item pqal-\d+ · LLM: /#) != nil }
        try tmux.send("q")
    }

    /// Regression for issue 13, item 10: with 77 labels the letter keys were never listed and
    /// per-class F1 could not scroll.
    @Test("a 77-label session lists its label keys under ? and scrolls per-class F1 on the dashboard", arguments: sizes)
    func manyLabels(width: Int, height: Int) throws {
        let tmux = try TmuxSession("\(TmuxSession.imflBinary) label-scripted --preset intents", width: width, height: height)
        try tmux.waitFor("Item bank-1 ")
        // The key list names every direct key's label, and the picker for the rest
        try tmux.send("?")
        try tmux.waitFor("Keys · Label")
        try tmux.send("PageDown")
        try tmux.waitFor("Label keys (label the item):")
        for _ in 0 ..< 8 { try tmux.send("PageDown") }
        try tmux.waitUntil("the end of the key list") { $0.contains("labels, by name") }
        try tmux.send("Escape")
        // Round 1 (5 items) gives per-class F1 for 77 labels, more rows than fit
        for n in 1 ... 5 {
            try tmux.waitFor("Item bank-\(n) ")
            try tmux.send("1")
        }
        try tmux.waitFor("Item bank-6 ")
        try tmux.send("D")
        let first = try tmux.waitUntil("per-class F1's position") { $0.firstMatch(of: /1–(\d+) of 77 ↓j/) != nil }
        let shown = Int(first.firstMatch(of: /1–(\d+) of 77/)!.1)!
        // j scrolls a row, PgDn a page, to the last label
        try tmux.send("j")
        try tmux.waitFor("2–\(shown + 1) of 77 ↓j ↑k")
        for _ in 0 ..< 77 / max(1, shown - 1) + 1 { try tmux.send("PageDown") }
        try tmux.waitFor("\(77 - shown + 1)–77 of 77 ↑k")
        try tmux.send("q")
    }
}
