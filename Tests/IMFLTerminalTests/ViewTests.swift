import Foundation
import Testing
import IMFLCore
@testable import IMFLTerminal

@Suite("Views rendered into buffers")
struct ViewTests {
    @Test("label screen at 80×24: item, prediction, neighbours with source, label bar, footer from the keymap")
    func labelScreen80() {
        let (_, state) = startedDemo()
        let blank = String(repeating: " ", count: 80)
        expectBuffer(render(state), equals: Buffer(lines: [
            " imfl · demo   Label  Review  Dashboard                   round 1/3 · 0 labeled ",
            "Item 1 · round 1 · 5 left in round                                              ",
            "Item 1. Profit revenue quarter net contract weak signed year growth rose        ",
            "previous. Quarter weak rose period sales with sales weak shares. Expects the    ",
            "rose growth strong period net company company profit loss.                      ",
        ] + Array(repeating: blank, count: 9) + [
            "Model: no classifier yet (round 1)                                              ",
            "Nearest labeled items (what the LLM sees):                                      ",
            "0.91 llm      positive Item 31. Contract year rose revenue loss fell period exp…",
            "0.86 llm      negative Item 32. Percent revenue growth expects sales percent st…",
            "0.81 llm      positive Item 33. Contract the outlook market signed period.      ",
            "0.74 llm      neutral  Item 34. Company operating rose percent compared weak th…",
            blank,
            "1 positive  2 negative  3 neutral                                               ",
            blank,
            " s skip  u undo  n note  / pick label  q/^C quit  ? keys  g guidelines          ",
        ]))
    }

    @Test("an evaluation item is marked as such and shows no model prediction")
    func evaluationItem() {
        // Given the demo's first item, as an item of the evaluation sample with a prediction
        var (_, state) = startedDemo()
        var item = state.label.item!
        item = ExpertItem(itemID: item.itemID, text: item.text, round: item.round,
                          prediction: Prediction(label: "positive", confidence: 0.9), neighbours: item.neighbours,
                          remainingInRound: item.remainingInRound, isEvaluation: true)
        state.label.item = item
        // Then the header says what it is for and the model's guess is hidden
        let b = render(state)
        #expect(b.trimmedLines[1] == "Item 1 · evaluation item · round 1 · 5 left in round")
        #expect(b[9, 1].style == Style(.accent, .bold))
        #expect(b.trimmedLines[14] == "Model: hidden: this item measures F1 and never trains the model")
    }

    @Test("label screen styles: label keys in accent, labels in their own roles, sources in theirs")
    func labelScreenStyles() {
        let b = render(startedDemo().1)
        #expect(b[0, 21].style == Style(.accent, .bold))
        #expect(b[2, 21].style.role == .label(1))
        #expect(b[14, 21].style.role == .label(2))
        #expect(b[5, 16].style.role == .llm)
    }

    @Test("label screen at a narrow 50×16 stacks the neighbours under the text")
    func labelScreenNarrow() {
        let (_, state) = startedDemo(width: 50, height: 16)
        expectBuffer(render(state), equals: Buffer(lines: [
            " imfl · demo   Label  Review  Dashboard           ",
            "Item 1 · round 1 · 5 left in round                ",
            "Item 1. Profit revenue quarter net contract weak  ",
            "signed year growth rose previous. Quarter weak    ",
            "rose period sales with sales weak shares. Expects ",
            "the rose growth strong period net company company ",
            "profit loss.                                      ",
            "Model: no classifier yet (round 1)                ",
            "Nearest labeled items (what the LLM sees):        ",
            "0.91 llm      positive Item 31. Contract year ros…",
            "0.86 llm      negative Item 32. Percent revenue g…",
            "0.81 llm      positive Item 33. Contract the outl…",
            "                                                  ",
            "1 positive  2 negative  3 neutral                 ",
            "                                                  ",
            " s skip  u undo  n note  / pick label  ? keys     ",
        ]))
    }

    @Test("label screen at 200×60 puts the neighbours beside the text, each with more of its text")
    func labelScreenWide() {
        let (_, state) = startedDemo(width: 200, height: 60)
        let b = render(state)
        #expect(b.width == 200 && b.height == 60)
        #expect(b.line(1).hasPrefix("Item 1 · round 1 · 5 left in round"))
        #expect(b.line(1).dropFirst(117).hasPrefix("Model: no classifier yet (round 1)"))
        #expect(b.line(3).dropFirst(117).hasPrefix("0.91 llm      positive"))
        #expect(b.line(4).dropFirst(117).hasPrefix("  Item 31. Contract year rose revenue loss fell period expects strong period"))
        #expect(b.line(57).hasPrefix("1 positive  2 negative  3 neutral"))
        #expect(b.line(59).hasPrefix(" s skip  u undo  n note"))
    }

    @Test("a long item shows its page position and PgDn moves the window")
    func pagedItem() {
        var (session, state) = startedDemo()
        press(Key.chars("111112222"), &session, &state)
        #expect(render(state).line(1).contains("lines 1–12 of"))
        press([.pageDown], &session, &state)
        #expect(render(state).line(1).contains("lines 12–23 of"))
    }

    @Test("review screen at 80×24: least confident first, the model's disagreement, the prompt examples")
    func reviewScreen80() {
        var (session, state) = startedDemo()
        press([.char("R")], &session, &state)
        let b = render(state)
        #expect(b.trimmedLines[1] == "LLM labels: 12 · sorted by lowest confidence · 0 of 12 shown reviewed")
        #expect(b.trimmedLines[2] == "conf LLM label model     rnd status       text")
        #expect(b.line(3).hasPrefix("0.36 negative  positive  1   –            Item 32. Percent revenue growth expec…"))
        #expect(b[10, 3].style.role == .selection)   // first row selected
        #expect(b[15, 3].style.role == .selection)
        #expect(b[15, 4].style.role == .dim)         // the model agrees with the LLM: neutral
        #expect(b[15, 5].style.role == .warning)     // the model disagrees: positive vs neutral
        #expect(b.trimmedLines[12] == "Item 32 · LLM: negative · cluster 0")
        #expect(b.trimmedLines[17] == "What the LLM saw: its prompt's examples, labels as they were then")
        #expect(b.line(23).hasPrefix(" a/Enter accept  A bulk accept ≥  o sort  / override…"))
    }

    @Test("dashboard at 80×24 after round 1: F1 chart, per-class F1, budget, schedule with the current round")
    func dashboard80() {
        var (session, state) = startedDemo()
        press(Key.chars("11111D"), &session, &state)
        let lines = render(state).trimmedLines
        #expect(lines[1] == "Macro-F1 by round                         Budget")
        #expect(lines[2].hasSuffix("Expert      █████████░░░░░░░░░ 5/10"))
        // Scores read as percentages with one decimal, as in status and the notices
        #expect(lines[10].hasPrefix("     57.0"))
        #expect(lines[11].hasPrefix("     r1"))
        #expect(lines[10].hasSuffix("▶ r2      0/3         4/4"))
        #expect(lines[12] == "r1 F1 57.0")
        #expect(lines[13].hasPrefix("too early to judge: one round so far  "))
        #expect(lines[14].hasPrefix("F1 per class, round 1 · accuracy 61.0%"))
        #expect(lines[16].hasPrefix("negative █████████████▋             57.0"))
        #expect(lines[16].hasSuffix("LLM running"))
    }

    @Test("dashboard shows the last round's F1 with its interval, and a stopping hint when F1 stalls")
    func dashboardInterval() {
        // Given three rounds whose F1 moved by half a point, within wide intervals
        var (session, state) = startedDemo()
        press(Key.chars("11111D"), &session, &state)
        state.dashboard?.rounds = [0.650, 0.652, 0.655].enumerated().map { i, f1 in
            RoundReport(round: i + 1, macroF1: f1, accuracy: f1, perClassF1: [:],
                        interval: F1Interval(lower: f1 - 0.09, upper: f1 + 0.09, level: 0.95), evaluated: 100)
        }
        // Then the left column says so under the chart, the hint in the warning role
        let b = render(state)
        #expect(b.trimmedLines[12].hasPrefix("r3 F1 65.5 95% [56.5, 74.5] on 100 items"))
        #expect(b.trimmedLines[13].hasPrefix("stop? F1 +0.5 in 2 rounds, within the"))
        #expect(b[0, 13].style.role == .warning)
    }

    @Test("dashboard shows the live estimate of the LLM's accuracy and what the last round did with its labels")
    func dashboardLLMEstimate() {
        // Given a session whose shadow labels give an estimate and whose round 1 kept some LLM labels
        var (session, state) = startedDemo()
        press(Key.chars("11111D"), &session, &state)
        state.dashboard?.llmEstimate = "LLM ≈ 66% right (54–76%, 12 shadow labels)"
        state.dashboard?.llmLabelUse = "r1 used 20 of 32 LLM labels: the LLM beats the classifier on positive"
        // Then the budget column says both under the agreement line, wrapped to the column at 80
        // columns, and the schedule still fits
        let lines = render(state).trimmedLines
        let left = lines[1].distance(from: lines[1].startIndex, to: lines[1].range(of: "Budget")!.lowerBound)
        let column = lines.map { String($0.dropFirst(left)) }
        let at = column.firstIndex { $0.hasPrefix("LLM agreement") }
        #expect(at != nil, "\(lines.joined(separator: "\n"))")
        if let at {
            #expect(Array(column[(at + 1) ... (at + 4)]) == [
                "LLM ≈ 66% right (54–76%, 12 shadow", "labels)",
                "r1 used 20 of 32 LLM labels: the LLM", "beats the classifier on positive",
            ], "\(lines.joined(separator: "\n"))")
        }
        #expect(lines.contains { $0.contains("▶ r2") })
    }

    @Test("dashboard shows the experts' agreement when several labeled the same items, and nothing of it for one expert")
    func dashboardTeamAgreement() {
        var (session, state) = startedDemo()
        press(Key.chars("11111D"), &session, &state)
        #expect(!render(state).trimmedLines.contains { $0.contains("Expert agreement") })
        state.dashboard?.team = TeamAgreement(
            labelsByAnnotator: [1: ["ana": "positive", "ben": "positive"], 2: ["ana": "negative", "ben": "negative"],
                                3: ["ana": "positive", "ben": "negative"]],
            labels: ["positive", "negative", "neutral"])
        let lines = render(state).trimmedLines
        #expect(lines.contains { $0.contains("Expert agreement κ 0.40 (2/3 alike)") },
                "\(lines.joined(separator: "\n"))")
        // And the LLM against each expert, beneath
        state.dashboard?.llmByExpert = ["ben": LLMExpertAgreement(compared: 4, agreed: 2), "ana": LLMExpertAgreement(compared: 4, agreed: 3)]
        let withLLM = render(state).trimmedLines
        #expect(withLLM.contains { $0.contains("LLM vs experts ana 75%, ben 50%") }, "\(withLLM.joined(separator: "\n"))")
    }

    @Test("the experts' disagreements at 80×24: each expert's label, and why this expert cannot settle, in full")
    func disputesOverlay() {
        var (session, state) = startedDemo()
        press([.char("R")], &session, &state)
        let why = "this session has no adjudicator: name one in session.toml, [team] adjudicators = [\"lead\"]"
        state.overlay = .disputes(DisputeState(list: DisputeList(
            items: [DisputeItem(itemID: 7, displayID: "p7", text: "Sales at unit 7 rose.", labels: ["ben": "neutral", "ana": "negative"])],
            cannotSettle: why)))
        let b = render(state)
        let text = b.lines.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "│ ")) }.joined(separator: " ")
        #expect(b.trimmedLines.contains { $0.contains("▶ p7  ana: negative · ben: neutral  Sales at unit 7 rose.") })
        #expect(text.contains(why + " · Esc closes"), "\(b.trimmedLines.joined(separator: "\n"))")
    }

    @Test("dashboard shows a paused LLM queue with its reason, in the error role")
    func dashboardPaused() {
        var (session, state) = startedDemo(session: .demo(llmPausedReason: "connection refused"))
        press([.char("D")], &session, &state)
        let b = render(state)
        let row = b.trimmedLines.firstIndex { $0.contains("LLM paused: connection refused") }
        #expect(row != nil, "\(b.trimmedLines.joined(separator: "\n"))")
        #expect(b.line(0).contains("LLM paused"))
        if let row {
            let x = b.line(row).distance(from: b.line(row).startIndex, to: b.line(row).range(of: "LLM paused:")!.lowerBound)
            #expect(b[x, row].style.role == .error)
        }
    }

    @Test("with 77 labels the bar shows what fits and points at the picker, which filters")
    func manyLabels() {
        var session = ScriptedSession(name: "banking", labels: (1...77).map { "intent_\($0)" }, itemCount: 50, expertPlan: [10])
        var state = AppState()
        session.start(&state)
        let lines = render(state).trimmedLines
        #expect(lines[19] == "1 intent_1  2 intent_2  3 intent_3  4 intent_4  5 intent_5")
        #expect(lines[21].hasSuffix("… / all 77 labels"))
        press([.char("/")] + Key.chars("7"), &session, &state)
        let picker = render(state).trimmedLines
        #expect(picker[2].contains("Pick a label (15 of 77)"))
        #expect(picker[4].contains(" 7  intent_7 "))
        #expect(picker[5].contains(" l  intent_17 "))
    }

    @Test("the help overlay lists the label screen's bindings from the keymap table")
    func helpOverlay() {
        var (session, state) = startedDemo()
        press([.char("?")], &session, &state)
        let lines = render(state).lines
        #expect(lines[1].contains("┌─ Keys · Label "))
        #expect(lines[2].contains("│ s           skip "))
        // The last rows (the label keys, each with its label) are one page down
        press([.pageDown], &session, &state)
        let paged = render(state).lines
        #expect(paged.contains { $0.contains("│             Label keys (label the item):") }, "\(paged.joined(separator: "\n"))")
        #expect(paged.contains { $0.contains("│ 3           neutral ") }, "\(paged.joined(separator: "\n"))")
    }

    /// Issue 13, item 10: with 77 labels the letter keys were never listed.
    @Test("with 77 labels the help overlay lists every direct key with its label, and the picker for the rest")
    func helpListsLabelKeys() {
        // Given a session of 77 intents, more than the direct keys
        var session = ScriptedSession.manyLabels()
        var state = AppState()
        session.start(&state)
        let direct = state.labelKeys.count
        #expect(direct > 9 && direct < 77)
        // When the expert opens the key list and pages to its end
        press([.char("?")] + Array(repeating: Key.pageDown, count: 8), &session, &state)
        // Then its last rows are the last letter keys with their labels, then the picker
        let lines = render(state).trimmedLines
        let last = state.labelKeys[direct - 1], label = state.labels[direct - 1]
        #expect(lines.contains { $0.contains("│ \(last)") && $0.contains(" \(label) ") }, "\(lines.joined(separator: "\n"))")
        #expect(lines.contains { $0.contains("│ /") && $0.contains("the other \(77 - direct) labels, by name") })
        // And every key is somewhere in the list, with its own label
        let listed = HelpOverlay.lines(state)
        for (key, label) in zip(state.labelKeys, state.labels) {
            #expect(listed.contains { $0.keys == key.description && $0.help == label }, "\(key) \(label)")
        }
    }

    /// Issue 13, item 10: Review cut labels at 16 columns, so that two looked alike.
    @Test("review rows never show two different labels alike, at 80 and 120 columns")
    func reviewLabelsStayApart() {
        for width in [80, 120] {
            var session = ScriptedSession.manyLabels()
            var state = AppState(width: width, height: 40)
            session.start(&state)
            press([.char("R")], &session, &state)
            // Rows whose LLM labels all start "cash_withdrawal_"
            for i in state.review.rows.indices { state.review.rows[i].llmLabel = state.labels[7 + i % 7] }
            #expect(state.labels[7 ..< 14].allSatisfy { $0.hasPrefix("cash_withdrawal_") })
            let b = render(state)
            let (labelWidth, _) = ReviewScreen.columnWidths(state, tableWidth: width)
            var shown = [String: String]()
            for (i, item) in state.review.rows.prefix(ReviewScreen.visibleRows(state)).enumerated() {
                let cell = String(b.line(3 + i).dropFirst(5).prefix(labelWidth)).trimmingCharacters(in: .whitespaces)
                #expect(DisplayWidth.of(cell) <= labelWidth)
                if let other = shown[cell] { #expect(other == item.llmLabel, "\(other) and \(item.llmLabel) both read \(cell)") }
                shown[cell] = item.llmLabel
                if DisplayWidth.of(item.llmLabel) <= labelWidth { #expect(cell == item.llmLabel) }
            }
            #expect(shown.count == 7)
        }
    }

    @Test("labels cut to a width keep apart labels that share their start")
    func labelAbbreviation() {
        let labels = ["balance_not_updated_after_bank_transfer", "balance_not_updated_after_cheque_or_cash_deposit",
                      "cash_withdrawal_charge", "cash_withdrawal_not_recognised", "pin_blocked"]
        let short = LabelAbbreviation(labels: labels, width: 16)
        #expect(Set(labels.map { short($0) }).count == labels.count)
        #expect(labels.allSatisfy { DisplayWidth.of(short($0)) <= 16 })
        #expect(short("pin_blocked") == "pin_blocked")
        // Cut at the end where that is enough
        #expect(LabelAbbreviation(labels: ["positive_outlook", "negative_outlook"], width: 9)("positive_outlook") == "positive…")
    }

    @Test("the review detail pane marks where the LLM's prompt cut the item, in the LLM's role")
    func reviewMarksTheLLMCut() {
        var (session, state) = startedDemo(width: 120, height: 40, session: .longTexts())
        press([.char("R")], &session, &state)
        let item = state.review.selectedItem!
        let cut = item.llmVisibleCharacters!
        let b = render(state)
        let mark = b.trimmedLines.firstIndex { $0.hasPrefix("┄┄ the LLM's prompt ended here: it labeled only the text above ┄┄") }
        #expect(mark != nil, "\(b.trimmedLines.joined(separator: "\n"))")
        if let mark {
            #expect(b[0, mark].style.role == .llm)
            // The line before the mark ends where the prompt's text ends
            let before = b.trimmedLines[mark - 1]
            #expect(String(item.text.prefix(cut)).trimmingCharacters(in: .whitespaces).hasSuffix(before.split(separator: " ").last.map(String.init) ?? "?"))
        }
    }


    @Test("E opens the LLM's error in full, wrapped, however long; E or Esc closes it")
    func llmErrorOverlay() {
        // Given a paused LLM whose reason is longer than a screen line
        let reason = "3 LLM calls failed in a row: the LLM answered '{\"label\": \"neutral\"}', which is not one of the labels (negative, neutral, positive); set llm.constraint = \"json_schema\" in session.toml"
        var (session, state) = startedDemo(session: .demo(llmPausedReason: reason))
        // When the expert presses E
        press([.char("E")], &session, &state)
        // Then the whole reason is on screen, wrapped inside the box
        let text = render(state).lines.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "│ ")) }.joined(separator: " ")
        #expect(text.contains("The LLM's last error"))
        #expect(text.contains("set llm.constraint = \"json_schema\" in session.toml"))
        // And what to do about it
        #expect(text.contains("What to do: keep labeling"))
        #expect(text.contains("then press T to retry now"))
        #expect(text.contains("Esc or E closes"))
        press([.char("E")], &session, &state)
        #expect(state.overlay == nil)
    }

    @Test("a terminal below the minimum gets a message instead of a broken layout")
    func tooSmall() {
        let state = AppState(width: 30, height: 8)
        let lines = render(state).trimmedLines
        #expect(lines[0] == "Terminal too small: 30×8, imfl")
        #expect(lines[1] == "needs at least 40×12.")
    }
}
