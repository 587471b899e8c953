import IMFLCore

/// The dashboard: macro-F1 by round with the last round's interval and a stopping hint,
/// per-class F1, budget gauges, the schedule with the current round marked, LLM-vs-expert
/// agreement, background progress and the LLM's state.
public enum DashboardScreen {
    public static func render(_ state: AppState, into buffer: inout Buffer, area: Rect) {
        guard let d = state.dashboard else {
            buffer.put("Loading the dashboard…", x: area.x, y: area.y, style: .dim, maxX: area.right)
            return
        }
        let (left, right) = columns(area)
        renderScores(d, state, into: &buffer, area: left)
        renderBudget(d, into: &buffer, area: right)
    }

    /// Scores on the left, budget and progress on the right; stacked on narrow terminals.
    static func columns(_ area: Rect) -> (left: Rect, right: Rect) {
        if area.width >= 70 {
            let cols = area.split(.horizontal, [.percentage(50), .length(2), .fill])
            return (cols[0], cols[2])
        }
        let rows = area.split(.vertical, [.percentage(45), .fill])
        return (rows[0], rows[1])
    }

    /// The chart, the gain lines and per-class F1, top to bottom.
    static func scoreParts(_ left: Rect) -> [Rect] {
        left.split(.vertical, [.percentage(55), .length(2), .fill])
    }

    /// Per-class F1 rows on screen (the title row excluded), for scrolling.
    public static func perClassRows(_ state: AppState) -> Int {
        let body = AppView.bodyArea(width: state.width, height: state.height)
        return max(0, scoreParts(columns(body).left)[2].height - 1)
    }

    /// The last useful scroll offset of per-class F1.
    public static func maxPerClassScroll(_ state: AppState) -> Int {
        max(0, (state.dashboard?.labels.count ?? 0) - perClassRows(state))
    }

    static func renderScores(_ d: DashboardSnapshot, _ state: AppState, into buffer: inout Buffer, area: Rect) {
        let parts = scoreParts(area)
        let bars = d.rounds.map { (label: "r\($0.round)", value: $0.macroF1) }
        BarChart(title: "Macro-F1 by round", bars: bars, highlight: bars.isEmpty ? nil : bars.count - 1)
            .render(into: &buffer, area: parts[0])
        guard let last = d.rounds.last else { return }
        renderGain(d, last, into: &buffer, area: parts[1])
        let rows = d.labels.enumerated().map { i, l in
            (label: l, value: last.perClassF1[l] ?? 0, style: Style(Role.forLabel(index: i)))
        }
        func key(_ action: Action) -> String {
            state.keymap.bindings(for: .dashboard).first { $0.action == action }?.keys.first?.description ?? "?"
        }
        HorizontalBars(title: "F1 per class, round \(last.round) · accuracy \(formatFixed(last.accuracy * 100, 1))%", rows: rows,
                       scroll: state.perClassScroll, keys: (key(.down), key(.up)))
            .render(into: &buffer, area: parts[2])
    }

    /// The last round's F1 with its 95 % interval, and whether the last rounds' gain is beyond
    /// the noise (`StoppingHint`).
    static func renderGain(_ d: DashboardSnapshot, _ last: RoundReport, into buffer: inout Buffer, area: Rect) {
        guard area.height >= 1 else { return }
        var text = "r\(last.round) F1 " + formatFixed(last.macroF1 * 100, 1)
        if let interval = last.interval { text += " 95% " + interval.percentText }
        if let n = last.evaluated { text += " on \(n) items" }
        buffer.put(text, x: area.x, y: area.y, style: .text, maxX: area.right)
        guard area.height >= 2 else { return }
        let hint = StoppingHint(f1: d.rounds.map(\.macroF1), intervals: d.rounds.map(\.interval))
        let style: Style = switch hint.verdict {
        case .plateau: Style(.warning)
        case .declining: Style(.error)
        default: .dim
        }
        buffer.put(hint.message, x: area.x, y: area.y + 1, style: style, maxX: area.right)
    }

    static func renderBudget(_ d: DashboardSnapshot, into buffer: inout Buffer, area: Rect) {
        var y = area.y
        func line(_ r: Rect) -> Rect { Rect(x: r.x, y: y, width: r.width, height: y < r.bottom ? 1 : 0) }
        buffer.put("Budget", x: area.x, y: y, style: Style(.title, .bold))
        y += 1
        let expertUsed = d.schedule.map(\.expertUsed).reduce(0, +)
        let expertPlanned = d.schedule.map(\.expertPlanned).reduce(0, +)
        let llmUsed = d.schedule.map(\.llmUsed).reduce(0, +)
        let llmPlanned = d.schedule.map(\.llmPlanned).reduce(0, +)
        Gauge(title: "Expert", fraction: Double(expertUsed) / Double(max(1, expertPlanned)),
              caption: "\(expertUsed)/\(expertPlanned)", style: Style(.human)).render(into: &buffer, area: line(area), titleWidth: 11)
        y += 1
        Gauge(title: "LLM", fraction: Double(llmUsed) / Double(max(1, llmPlanned)),
              caption: "\(llmUsed)/\(llmPlanned)", style: Style(.llm)).render(into: &buffer, area: line(area), titleWidth: 11)
        y += 1
        buffer.put("Tokens \(d.promptTokens + d.completionTokens) (\(d.promptTokens) in, \(d.completionTokens) out)",
                   x: area.x, y: y, style: .text, maxX: area.right)
        y += 1
        buffer.put("Cost   expert \(formatFixed(d.expertCost, 2)) · LLM \(formatFixed(d.llmCost, 4))",
                   x: area.x, y: y, style: .text, maxX: area.right)
        y += 1
        // Only LLM labels the expert judged one by one count (bulk accepts do not).
        let agreement = d.agreement.map { "\(formatFixed($0 * 100, 1))% (\(d.agreementAgreed) of \(d.agreementCompared) judged)" } ?? "none judged yet"
        var x = buffer.put("LLM agreement ", x: area.x, y: y, style: .dim, maxX: area.right)
        buffer.put(agreement, x: x, y: y, style: .text, maxX: area.right)
        y += 1
        // The estimate and the last round's use of LLM labels, wrapped to the column (two rows
        // each at most, so the schedule keeps its place at 80×24).
        for text in [d.llmEstimate, d.llmLabelUse].compactMap({ $0 }) {
            for line in wrap(text, width: max(1, area.width)).prefix(2) where y < area.bottom {
                buffer.put(line, x: area.x, y: y, style: .text, maxX: area.right)
                y += 1
            }
        }
        if let t = d.team {
            // Chance-corrected: Cohen's κ for two experts, Krippendorff's α for more.
            let figure = t.kappa.map { "κ \(formatFixed($0, 2))" } ?? t.alpha.map { "α \(formatFixed($0, 2))" } ?? "–"
            let text = "\(figure) (\(t.unanimousItems)/\(t.sharedItems) alike) · " + t.annotators.joined(separator: ", ")
            x = buffer.put("Expert agreement ", x: area.x, y: y, style: .dim, maxX: area.right)
            buffer.put(text, x: x, y: y, style: .text, maxX: area.right)
            y += 1
            let judged = d.llmByExpert.filter { $0.value.compared > 0 }.sorted { $0.key < $1.key }
            if !judged.isEmpty, y < area.bottom {
                let byName = judged.map { "\($0.key) \(formatFixed(Double($0.value.agreed) / Double($0.value.compared) * 100, 0))%" }
                x = buffer.put("LLM vs experts ", x: area.x, y: y, style: .dim, maxX: area.right)
                buffer.put(byName.joined(separator: ", "), x: x, y: y, style: .text, maxX: area.right)
                y += 1
            }
        }
        y += 1

        // Schedule table with the current round marked.
        let scheduleRows = max(0, min(d.schedule.count, area.bottom - y - 6))
        if scheduleRows > 0 {
            buffer.put("Schedule   expert      LLM", x: area.x, y: y, style: Style(.title, .bold), maxX: area.right)
            y += 1
            let start = max(0, min(d.currentRound - 1 - scheduleRows / 2, d.schedule.count - scheduleRows))
            for e in d.schedule.dropFirst(start).prefix(scheduleRows) {
                let current = e.round == d.currentRound
                let style = current ? Style(.accent, .bold) : Style.text
                let marker = current ? "▶" : " "
                let text = "\(marker) r\(e.round)".padding(10) + "\(e.expertUsed)/\(e.expertPlanned)".padding(12) + "\(e.llmUsed)/\(e.llmPlanned)"
                buffer.put(text, x: area.x, y: y, style: style, maxX: area.right)
                y += 1
            }
            y += 1
        }
        // Background work.
        for task in BackgroundTask.allCases {
            guard y < area.bottom else { return }
            let p = d.progress[task] ?? TaskProgress(done: 0, total: 0)
            let caption = p.total == 0 ? "idle" : (p.round.map { "round \($0): " } ?? "") + "\(p.done)/\(p.total)"
            Gauge(title: task.title, fraction: p.fraction, caption: caption).render(into: &buffer, area: line(area), titleWidth: 11)
            y += 1
        }
        guard y < area.bottom else { return }
        if let reason = d.llm.pausedReason {
            x = buffer.put("LLM paused: ", x: area.x, y: y, style: Style(.error, .bold), maxX: area.right)
            // A reason cut at the edge says which key shows it whole.
            let text = singleLine(reason), room = area.right - x
            let shown = DisplayWidth.of(text) > room ? truncate(text, width: max(1, room - 4)) + " (E)" : text
            buffer.put(shown, x: x, y: y, style: Style(.error), maxX: area.right)
        } else {
            buffer.put("LLM running", x: area.x, y: y, style: Style(.human), maxX: area.right)
        }
        y += 1
        if d.llm.errorCount > 0, y < area.bottom {
            let last = d.llm.lastError.map { ": " + singleLine($0) } ?? ""
            buffer.put("\(d.llm.errorCount) LLM error\(d.llm.errorCount == 1 ? "" : "s")\(last)", x: area.x, y: y, style: Style(.warning), maxX: area.right)
        }
    }
}

extension String {
    /// Pads with spaces to `width` columns (unchanged when already as wide).
    func padding(_ width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - DisplayWidth.of(self)))
    }
}
