import Testing
@testable import IMFLTerminal

/// Regression for issue 14: at 40×10 the screen said "Terminal too small", yet label keys
/// labeled items that were never displayed. A label key acts only on an item whose whole
/// text has been on screen.
@Suite("Label keys act only on an item the expert has seen")
struct ItemVisibilityTests {
    static func longItem(_ id: Int64 = 1) -> ExpertItem {
        ExpertItem(itemID: id, text: ScriptedSession.text(of: 10), round: 1, prediction: nil, neighbours: [], note: nil,
                   remainingInRound: 3)
    }

    @Test("at 40×10 no label key labels anything, and the picker cannot either")
    func tooSmall() {
        // Given the demo showing item 1 on a 40×10 terminal
        var (session, state) = startedDemo(width: 40, height: 10)
        #expect(state.label.item?.itemID == 1)
        #expect(render(state).lines.joined().contains("Terminal too small"))

        // When the expert presses three label keys and picks a label through the picker
        for key in Key.chars("333") + [.char("/"), .enter] { session.drive(&state, .key(key)) }

        // Then nothing is labeled and the status says why
        #expect(session.expertLabels.isEmpty)
        #expect(state.label.item?.itemID == 1)
        #expect(state.status?.text.contains("too small") == true)

        // And once the terminal is large enough, the same key labels the item now on screen
        session.drive(&state, .resize(width: 80, height: 24))
        session.drive(&state, .key(.char("3")))
        #expect(session.expertLabels.map(\.itemID) == [1])
    }

    @Test("the review screen takes no override or accept at 40×10")
    func reviewTooSmall() {
        var (session, state) = startedDemo()
        session.drive(&state, .key(.char("R")))
        #expect(state.review.total > 0)
        session.drive(&state, .resize(width: 40, height: 10))
        let before = session.log.count
        for key in [Key.char("1"), .char("a")] { session.drive(&state, .key(key)) }
        #expect(session.log.count == before)
    }

    @Test("a text longer than the screen takes a label only after the expert has paged to its end")
    func pagedToEnd() {
        // Given an item whose text needs paging at 80×24
        var (_, state) = startedDemo()
        _ = reduce(&state, .itemLoaded(Self.longItem()))
        #expect(LabelScreen.maxScroll(state) > 1)

        // When the expert presses a label key on the first page
        #expect(reduce(&state, .key(.char("1"))).isEmpty)
        // Then it is ignored with a message
        #expect(state.status?.text.contains("page down") == true)

        // When they page down to the end, then back up to the top
        while state.label.scroll < LabelScreen.maxScroll(state) { _ = reduce(&state, .key(.pageDown)) }
        while state.label.scroll > 0 { _ = reduce(&state, .key(.pageUp)) }
        // Then the label key acts: every line has been on screen
        #expect(reduce(&state, .key(.char("1"))) == [.submitLabel(itemID: 1, label: "positive")])
    }

    @Test("an item that fits on screen takes a label at once, and the next long item waits again")
    func fitsAtOnce() {
        var (_, state) = startedDemo()
        _ = reduce(&state, .key(.char("1")))
        #expect(state.label.phase == .saving("positive"))
        _ = reduce(&state, .itemLoaded(Self.longItem(2)))
        #expect(!state.label.lastLineShown)
        #expect(reduce(&state, .key(.char("1"))).isEmpty)
    }
}
