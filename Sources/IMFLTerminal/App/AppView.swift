/// Draws the whole UI for a state: header with the screen tabs, the current screen, the status
/// line, the footer of keys (from the keymap table) and any overlay. Pure: it only fills the
/// buffer, which tests compare as text.
public enum AppView {
    /// The smallest terminal the UI lays out; smaller ones get a message instead.
    public static let minimumWidth = 40
    public static let minimumHeight = 12

    /// The screen area between the header and the status line.
    public static func bodyArea(width: Int, height: Int) -> Rect {
        Rect(x: 0, y: 0, width: width, height: height).split(.vertical, [.length(1), .fill, .length(1), .length(1)])[1]
    }

    /// Renders `state` into `buffer`, which it resizes to the state's terminal size.
    public static func render(_ state: AppState, into buffer: inout Buffer) {
        if buffer.width != state.width || buffer.height != state.height {
            buffer.resize(width: state.width, height: state.height)
        } else {
            buffer.clear()
        }
        let area = buffer.area
        guard state.fitsScreen else {
            let lines = wrap("Terminal too small: \(state.width)×\(state.height), imfl needs at least \(minimumWidth)×\(minimumHeight).", width: max(1, state.width))
            for (i, l) in lines.prefix(state.height).enumerated() { buffer.put(l, x: 0, y: i, style: Style(.warning)) }
            return
        }
        let rows = area.split(.vertical, [.length(1), .fill, .length(1), .length(1)])
        renderHeader(state, into: &buffer, area: rows[0])
        switch state.screen {
        case .label: LabelScreen.render(state, into: &buffer, area: rows[1])
        case .review: ReviewScreen.render(state, into: &buffer, area: rows[1])
        case .dashboard: DashboardScreen.render(state, into: &buffer, area: rows[1])
        }
        renderStatus(state, into: &buffer, area: rows[2])
        renderFooter(state, into: &buffer, area: rows[3])
        switch state.overlay {
        case nil: break
        case .help(let scroll): HelpOverlay.render(state, scroll: scroll, into: &buffer, area: rows[1])
        case .guidelines(let scroll): TextOverlay.render(state, .guidelines, scroll: scroll, into: &buffer, area: area)
        case .llmError(let scroll): TextOverlay.render(state, .llmError, scroll: scroll, into: &buffer, area: area)
        case .note(let id, let text):
            let shown = state.label.item.flatMap { $0.itemID == id ? $0.displayID : nil }
                ?? state.review.rows.first { $0.itemID == id }?.displayID ?? String(id)
            PromptOverlay.render(title: "Note for item \(shown)", text: text, hint: "Enter saves · Esc cancels · empty clears", into: &buffer, area: rows[1])
        case .ignore(let id, let reason):
            let shown = state.label.item.flatMap { $0.itemID == id ? $0.displayID : nil } ?? String(id)
            PromptOverlay.render(title: "Set item \(shown) aside · reason (optional)", text: reason,
                                 hint: "Enter: ignore it, never trained on · Esc cancels", into: &buffer, area: rows[1])
        case .bulkThreshold(let text):
            PromptOverlay.render(title: "Accept unreviewed LLM labels with confidence ≥", text: text,
                                 hint: bulkAcceptHint(state.review.bulkPreview), into: &buffer, area: rows[1])
        case .picker(let picker):
            LabelPicker(state: picker, labels: state.labels, keys: state.labelKeys).render(into: &buffer, area: rows[1])
        }
    }

    static func renderHeader(_ state: AppState, into buffer: inout Buffer, area: Rect) {
        buffer.fill(area, style: Style(.title))
        var x = buffer.put(" imfl", x: area.x, y: area.y, style: Style(.title, .bold))
        if let name = state.session?.name { x = buffer.put(" · " + name, x: x, y: area.y, style: Style(.title)) }
        x += 2
        for screen in Screen.allCases {
            let current = screen == state.screen
            x = buffer.put(" \(screen.title) ", x: x, y: area.y, style: current ? Style(.accent, [.bold, .reverse]) : Style(.title), maxX: area.right)
        }
        var right: [String] = []
        if let d = state.dashboard {
            right.append("round \(d.currentRound)/\(max(d.schedule.count, state.session?.rounds ?? 0))")
            if d.llm.isPaused { right.append("LLM paused") }
        }
        right.append("\(state.label.expertLabels) labeled")
        let text = right.joined(separator: " · ") + " "
        if x + DisplayWidth.of(text) + 1 <= area.right {
            let paused = state.dashboard?.llm.isPaused ?? false
            putRight(text, into: &buffer, area: area, style: paused ? Style(.warning, .bold) : Style(.title))
        }
    }

    static func renderStatus(_ state: AppState, into buffer: inout Buffer, area: Rect) {
        if let s = state.status {
            let role: Role = switch s.kind {
            case .info: .accent
            case .warning: .warning
            case .error: .error
            }
            buffer.put(" " + truncate(singleLine(s.text), width: area.width - 1), x: area.x, y: area.y, style: Style(role))
            return
        }
        let hint: String? = switch (state.screen, state.label.phase) {
        case (.label, .saving(let l)): "saving “\(l)”…"
        case (.label, .skipping): "skipping…"
        case (.label, .ignoring): "setting aside…"
        case (.label, .undoing): "undoing…"
        default: nil
        }
        if let hint { buffer.put(" " + hint, x: area.x, y: area.y, style: .dim, maxX: area.right) }
    }

    /// The keys of the current screen from the keymap table; unavailable ones are dimmed.
    /// The key of the `?` overlay, which lists the rest, keeps its place when the others do
    /// not all fit.
    static func renderFooter(_ state: AppState, into buffer: inout Buffer, area: Rect) {
        var seen = Set<Action>()
        let shown = state.keymap.bindings(for: state.screen.scope).filter { $0.inFooter && seen.insert($0.action).inserted }
        func width(_ b: Binding) -> Int { DisplayWidth.of(b.keyText + " " + b.help) }
        let help = shown.first { $0.action == .help }
        var x = area.x + 1
        var helpDrawn = false
        for b in shown {
            let reserve = b.action != .help && !helpDrawn ? help.map { width($0) + 2 } ?? 0 : 0
            guard x + width(b) + reserve <= area.right else {
                if b.action == .help { break }
                continue
            }
            let disabled = b.disabledReason(state) != nil
            x = buffer.put(b.keyText, x: x, y: area.y, style: disabled ? .dim : Style(.accent, .bold))
            x = buffer.put(" " + b.help, x: x, y: area.y, style: disabled ? .dim : .text)
            x += 2
            if b.action == .help { helpDrawn = true }
        }
    }
}

/// The bulk-accept prompt's hint: what Enter would do at the threshold typed so far.
func bulkAcceptHint(_ preview: BulkAcceptResult?) -> String {
    guard let p = preview else { return "Enter accepts · Esc cancels" }
    var line = "Enter accepts \(p.accepted) of \(p.unreviewed) unreviewed"
    if p.withoutConfidence > 0 { line += " (\(p.withoutConfidence) have no confidence)" }
    return line + " · Esc cancels (u undoes it afterwards)"
}
