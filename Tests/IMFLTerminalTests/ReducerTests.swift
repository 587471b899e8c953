import Testing
@testable import IMFLTerminal

@Suite("Reducer: scripted sessions")
struct ReducerTests {
    @Test("a label is committed before the next item is shown; label keys meanwhile are ignored")
    func commitBeforeNext() throws {
        // Given the demo session showing item 1
        var (session, state) = startedDemo()
        #expect(state.label.item?.itemID == 1)
        #expect(state.labelKeys.prefix(3) == [.char("1"), .char("2"), .char("3")])

        // When the expert presses 1 (positive)
        let effects = reduce(&state, .key(.char("1")))

        // Then the label is sent, the item stays on screen, and the screen waits for the commit
        #expect(effects == [.submitLabel(itemID: 1, label: "positive")])
        #expect(state.label.phase == .saving("positive"))
        #expect(state.label.item?.itemID == 1)

        // When another label key arrives before the commit
        let ignored = reduce(&state, .key(.char("2")))
        // Then it is ignored and the status line says why
        #expect(ignored.isEmpty)
        #expect(state.status?.text.contains("still saving the previous label") == true)

        // When the commit arrives, the next item is requested, and shown once it arrives
        let answer = session.perform(effects[0])
        let commit = try #require(answer)
        #expect(reduce(&state, commit) == [.loadNextItem])
        #expect(state.label.item?.itemID == 1)
        let loaded = session.perform(.loadNextItem)
        let next = try #require(loaded)
        #expect(reduce(&state, next).isEmpty)
        #expect(state.label.item?.itemID == 2)
        #expect(state.label.phase == .ready)
        #expect(session.expertLabels.map(\.label) == ["positive"])
    }

    @Test("a failed commit keeps the item and reports the error")
    func failedCommit() {
        var (_, state) = startedDemo()
        _ = reduce(&state, .key(.char("3")))
        _ = reduce(&state, .failed(.submitLabel(itemID: 1, label: "neutral"), message: "disk full"))
        #expect(state.label.phase == .ready)
        #expect(state.label.item?.itemID == 1)
        #expect(state.status == StatusLine("disk full", .error))
    }

    @Test("undo goes back through the session across rounds")
    func undoAcrossRounds() {
        // Given round 1 (5 labels) complete and one label in round 2
        var (session, state) = startedDemo()
        press(Key.chars("123121"), &session, &state)
        #expect(session.currentRound == 2)
        #expect(state.label.item?.itemID == 7)

        // When the expert undoes twice
        press([.char("u")], &session, &state)
        #expect(state.label.item?.itemID == 6)
        #expect(state.status?.text.contains("round 2") == true)
        press([.char("u")], &session, &state)

        // Then the round-1 label of item 5 is withdrawn too, logged as undo events
        #expect(state.label.item?.itemID == 5)
        #expect(state.status?.text.contains("undid “negative” on item 5") == true)
        #expect(state.status?.text.contains("round 1") == true)
        #expect(session.expertLabels.count == 4)
        #expect(session.log.filter { if case .undo = $0 { true } else { false } }.count == 2)
        #expect(session.currentRound == 1)

        // And labeling again resumes from there
        press([.char("2")], &session, &state)
        #expect(session.expertLabels.last == LabelCommit(itemID: 5, label: "negative", round: 1, expertLabelCount: 5))
        #expect(state.label.item?.itemID == 6)
    }

    @Test("skip sends the item to the back of the queue")
    func skip() {
        var (session, state) = startedDemo()
        press([.char("s")], &session, &state)
        #expect(state.label.item?.itemID == 2)
        #expect(session.queue.first == 1)
    }

    @Test("I sets an item aside with a reason, its round goes on without it, and u takes it back")
    func ignore() {
        var (session, state) = startedDemo()
        // Esc leaves the item as it was
        press([.char("I"), .char("x"), .escape], &session, &state)
        #expect(state.overlay == nil)
        #expect(session.ignored.isEmpty)
        #expect(state.label.item?.itemID == 1)
        // Given round 1 with four items labeled
        press(Key.chars("1212"), &session, &state)
        #expect(state.label.item?.itemID == 5)
        // When the expert sets item 5 aside with a reason
        press([.char("I")] + Key.chars("off topic") + [.enter], &session, &state)
        // Then it is logged with its reason, round 1 is complete, and the label count is unchanged
        #expect(session.ignored.map(\.itemID) == [5])
        #expect(session.ignored.first?.reason == "off topic")
        #expect(session.currentRound == 2)
        #expect(state.label.item?.itemID == 6)
        #expect(state.label.expertLabels == 4)
        #expect(state.status?.text.contains("set item 5 aside") == true)
        // When the expert presses u, the ignore is taken back (not item 4's label)
        press([.char("u")], &session, &state)
        #expect(state.label.item?.itemID == 5)
        #expect(session.ignored.isEmpty)
        #expect(session.currentRound == 1)
        #expect(session.expertLabels.count == 4)
        #expect(state.label.expertLabels == 4)
        #expect(state.status?.text.contains("took back setting item 5 aside") == true)
    }

    @Test("Tab cycles Label → Review → Dashboard and each screen loads its data")
    func switchScreens() {
        var (session, state) = startedDemo()
        press([.tab], &session, &state)
        #expect(state.screen == .review)
        #expect(state.review.total == 12)
        press([.tab], &session, &state)
        #expect(state.screen == .dashboard)
        #expect(state.dashboard?.schedule.count == 3)
        press([.tab], &session, &state)
        #expect(state.screen == .label)
        press([.backTab], &session, &state)
        #expect(state.screen == .dashboard)
        press([.char("L")], &session, &state)
        #expect(state.screen == .label)
    }

    @Test("review: a label key overrides the selected LLM label, logged as an override")
    func overrideInReview() throws {
        // Given the review list sorted by lowest confidence
        var (session, state) = startedDemo()
        press([.char("R")], &session, &state)
        let first = try #require(state.review.selectedItem)
        let confidences = state.review.rows.compactMap(\.llmConfidence)
        #expect(confidences == confidences.sorted())

        // When the expert presses the key of a label the LLM did not give
        let differing = state.labels.firstIndex(where: { $0 != first.llmLabel })
        let index = try #require(differing)
        press([state.labelKeys[index]], &session, &state)

        // Then the row shows the override and the session logged it with its own source,
        // and the cursor moved on as an accept would
        #expect(state.review.rows[0].status == .overridden(state.labels[index]))
        #expect(session.log.last == .override(itemID: first.itemID, label: state.labels[index]))
        #expect(state.review.pending.isEmpty)
        #expect(state.review.selected == 1)
    }

    /// Regression for issue 13 (item 4): override left the cursor on the row, so the next
    /// Enter accepted the LLM's original label over the override; the LLM's own label was
    /// logged as an override.
    @Test("review: the key of the LLM's own label accepts it; a following Enter judges the next row")
    func ownLabelIsAnAccept() throws {
        // Given the review list
        var (session, state) = startedDemo()
        press([.char("R")], &session, &state)
        let first = try #require(state.review.selectedItem)
        let second = try #require(state.review.rows.dropFirst().first)
        // When the expert presses the key of the label the LLM gave, then Enter
        let own = try #require(state.labels.firstIndex(of: first.llmLabel))
        press([state.labelKeys[own], .enter], &session, &state)
        // Then the first row is accepted (not overridden) and Enter accepted the second row
        #expect(state.review.rows[0].status == .accepted)
        #expect(session.log.suffix(2) == [.accept(itemID: first.itemID), .accept(itemID: second.itemID)])
        #expect(!session.log.contains(.override(itemID: first.itemID, label: first.llmLabel)))
    }

    @Test("review: accept marks the row and moves to the next; o changes the order")
    func acceptAndSort() {
        var (session, state) = startedDemo()
        press([.char("R"), .char("a")], &session, &state)
        #expect(state.review.rows[0].status == .accepted)
        #expect(state.review.selected == 1)
        press([.char("o")], &session, &state)
        #expect(state.review.sort == .disagreement)
        #expect(state.review.selected == 0)
        let rows = state.review.rows
        let disagreeing = rows.prefix { r in r.prediction?.label != r.llmLabel }
        #expect(rows.dropFirst(disagreeing.count).allSatisfy { $0.prediction?.label == $0.llmLabel })
    }

    @Test("review: bulk accept previews its count, accepts exactly the confident unreviewed labels, and one u takes it back")
    func bulkAccept() throws {
        var (session, state) = startedDemo()
        let expected = session.llmLabels.filter { $0.confidence >= 0.5 }.count
        try #require(expected > 1)
        let unreviewed = session.llmLabels.count
        press([.char("R"), .char("A")], &session, &state)
        #expect(state.overlay == .bulkThreshold(text: "0.90"))
        // Typing replaces the offered value; backspace edits what is there
        press(Key.chars("0.7"), &session, &state)
        #expect(state.overlay == .bulkThreshold(text: "0.7"))
        // The prompt says what Enter would do at the threshold typed so far
        press([.backspace, .backspace, .backspace] + Key.chars("0.5"), &session, &state)
        #expect(state.review.bulkPreview?.accepted == expected)
        #expect(bulkAcceptHint(state.review.bulkPreview).hasPrefix("Enter accepts \(expected) of \(unreviewed) unreviewed"))
        press([.enter], &session, &state)
        #expect(state.overlay == nil)
        #expect(session.llmLabels.filter { $0.status == .accepted }.count == expected)
        #expect(state.status?.text == "accepted \(expected) LLM label\(expected == 1 ? "" : "s") with confidence ≥ 0.50 as one step; u undoes it")
        // A bulk accept is not a judgement of single labels: agreement does not count it
        #expect(session.dashboard().agreementCompared == 0)
        // One undo on the Review screen takes the whole bulk accept back
        press([.char("u")], &session, &state)
        #expect(session.llmLabels.allSatisfy { $0.status == .unreviewed })
        #expect(state.status?.text == "undid the bulk accept of \(expected) items; the LLM labels are unreviewed again")
        press([.char("u")], &session, &state)
        #expect(state.status?.text == "nothing to undo on this screen (label undo is on the Label screen)")
    }

    @Test("the picker filters labels as the expert types and commits the chosen one")
    func picker() {
        var (session, state) = startedDemo()
        press([.char("/")] + Key.chars("eu"), &session, &state)
        guard case .picker(let p) = state.overlay else {
            Issue.record("the picker did not open")
            return
        }
        #expect(p.matches(state.labels) == [2])  // only "neutral" contains "eu"
        press([.enter], &session, &state)
        #expect(session.expertLabels.last?.label == "neutral")
        #expect(state.label.item?.itemID == 2)
    }

    @Test("a note is saved on the item and shown")
    func note() {
        var (session, state) = startedDemo()
        press([.char("n")] + Key.chars("ask Ana") + [.enter], &session, &state)
        #expect(session.notes[1] == "ask Ana")
        #expect(state.label.item?.note == "ask Ana")
        #expect(render(state).lines.contains { $0.contains("note: ask Ana") })
    }

    @Test("PgDn pages a long item and stops at its end")
    func paging() {
        // Item 10 is long in the scripted session: skip to it
        var (session, state) = startedDemo()
        press(Key.chars("111112222"), &session, &state)
        #expect(state.label.item?.itemID == 10)
        let maxScroll = LabelScreen.maxScroll(state)
        #expect(maxScroll > 0)
        press([.pageDown], &session, &state)
        #expect(state.label.scroll == min(maxScroll, LabelScreen.textPageHeight(state) - 1))
        press(Array(repeating: .pageDown, count: 50), &session, &state)
        #expect(state.label.scroll == maxScroll)
        press([.pageUp], &session, &state)
        #expect(state.label.scroll < maxScroll)
    }

    @Test("engine events: new expert items wake a waiting label screen; progress reaches the dashboard")
    func events() {
        var state = AppState()
        state.label.phase = .waiting
        #expect(reduce(&state, .event(.expertQueueChanged(count: 0))).isEmpty)
        #expect(reduce(&state, .event(.expertQueueChanged(count: 4))) == [.loadNextItem])
        var (session, started) = startedDemo()
        // The item on screen counts down as its round's items are labeled (by another expert too)
        let round = started.label.item?.round ?? 0, before = started.label.item?.remainingInRound
        _ = reduce(&started, .event(.expertQueueChanged(count: 99, round: round + 1)))
        #expect(started.label.item?.remainingInRound == before)
        _ = reduce(&started, .event(.expertQueueChanged(count: 2, round: round)))
        #expect(started.label.item?.remainingInRound == 2)
        session.drive(&started, .event(.progress(.retraining, TaskProgress(done: 3, total: 10))))
        #expect(started.dashboard?.progress[.retraining] == TaskProgress(done: 3, total: 10))
        session.drive(&started, .event(.llmStatus(LLMStatus(pausedReason: "endpoint down"))))
        #expect(started.status == StatusLine("LLM queue paused (E shows why in full): endpoint down", .warning))
    }

    @Test("a disabled action explains itself instead of acting")
    func disabledReason() {
        var (_, state) = startedDemo()
        _ = reduce(&state, .key(.char("1")))
        #expect(reduce(&state, .key(.char("s"))).isEmpty)
        #expect(state.status == StatusLine("skip: still saving the previous label", .warning))
    }

    @Test("q quits; Ctrl-C quits even from an overlay")
    func quitting() {
        var (_, state) = startedDemo()
        _ = reduce(&state, .key(.char("?")))
        #expect(reduce(&state, .key(.ctrl("c"))) == [.quit])
        #expect(state.shouldQuit)
    }
}

@Suite("Reducer: working through Review")
struct ReviewWorkflowTests {
    @Test("F shows only the labels not reviewed yet; a reload keeps the selected row selected")
    func unreviewedFilterAndStableSelection() throws {
        var (session, state) = startedDemo()
        press([.char("R")], &session, &state)
        let all = state.review.total
        // Given one label accepted
        press([.char("a")], &session, &state)
        // When the expert shows only unreviewed labels
        press([.char("F")], &session, &state)
        // Then the accepted one is gone from the list, and the summary says what is shown
        #expect(state.review.unreviewedOnly)
        #expect(state.review.total == all - 1)
        #expect(state.review.rows.allSatisfy { $0.status == .unreviewed })
        #expect(render(state).trimmedLines[1].hasPrefix("LLM labels: \(all - 1) not reviewed · sorted by"))
        // And when the list reloads (new LLM labels arrive), the selected row stays selected
        press([.char("j"), .char("j")], &session, &state)
        let selected = try #require(state.review.selectedItem?.itemID)
        session.drive(&state, .event(.reviewChanged))
        #expect(state.review.selectedItem?.itemID == selected)
        // And F again shows every label
        press([.char("F")], &session, &state)
        #expect(!state.review.unreviewedOnly && state.review.total == all)
    }

    @Test("] and [ show one round's LLM labels at a time, then all again")
    func roundFilter() {
        var (session, state) = startedDemo()
        press([.char("R")], &session, &state)
        let all = state.review.total
        let inRound1 = session.llmLabels.count { $0.round == 1 }
        try? #require(inRound1 > 0 && inRound1 < all)
        // When the expert presses ]
        press([.char("]")], &session, &state)
        // Then only round 1's labels are listed, and the summary says so
        #expect(state.review.round == 1)
        #expect(state.review.total == inRound1)
        #expect(state.review.rows.allSatisfy { $0.round == 1 })
        #expect(render(state).trimmedLines[1].hasPrefix("LLM labels: \(inRound1) of round 1 · "))
        // And ] steps to round 2; [ twice goes back through round 1 to every round
        press([.char("]")], &session, &state)
        #expect(state.review.round == 2 && state.review.rows.allSatisfy { $0.round == 2 })
        press([.char("["), .char("[")], &session, &state)
        #expect(state.review.round == nil && state.review.total == all)
        // And [ from every round goes to the last round
        press([.char("[")], &session, &state)
        #expect(state.review.round == 3)
    }
}

extension ReviewWorkflowTests {
    @Test("n on the Review screen notes the selected LLM-labeled item; the detail line shows it")
    func noteInReview() throws {
        var (session, state) = startedDemo()
        press([.char("R")], &session, &state)
        let item = try #require(state.review.selectedItem)
        press([.char("n")] + Key.chars("ask compliance") + [.enter], &session, &state)
        #expect(session.notes[item.itemID] == "ask compliance")
        #expect(state.review.selectedItem?.note == "ask compliance")
        #expect(render(state).trimmedLines.contains { $0.hasPrefix("Item \(item.displayID) · LLM:") && $0.contains("note: ask compliance") })
    }
}
