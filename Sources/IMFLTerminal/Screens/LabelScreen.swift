import IMFLCore

/// The label screen: the item (wrapped, paged), the model's prediction, the retrieved
/// neighbours with label and source, and the label bar, which is always visible.
public enum LabelScreen {
    /// Most rows the label bar may take before the picker takes over.
    static let maxBarRows = 3

    struct Layout {
        var header: Rect
        var text: Rect
        var info: Rect
        var bar: Rect
    }

    /// Splits the body: text beside the info pane on wide terminals, above it on narrow ones.
    static func layout(_ state: AppState, body: Rect) -> Layout {
        let bar = LabelBar(labels: state.labels, keys: state.labelKeys, pickerKey: nil)
        let barHeight = max(1, bar.height(width: body.width, maxRows: maxBarRows))
        let parts = body.split(.vertical, [.fill, .length(1), .length(barHeight)])
        let main = parts[0]
        let barArea = parts[2]
        let k = state.label.item?.neighbours.count ?? 3
        if body.width >= 100 {
            let cols = main.split(.horizontal, [.percentage(58), .length(1), .fill])
            let textParts = cols[0].split(.vertical, [.length(1), .fill])
            return Layout(header: textParts[0], text: textParts[1], info: cols[2], bar: barArea)
        }
        let infoHeight = min(main.height / 2, 2 + max(1, k))
        let rows = main.split(.vertical, [.length(1), .fill, .length(infoHeight)])
        return Layout(header: rows[0], text: rows[1], info: rows[2], bar: barArea)
    }

    static func body(_ state: AppState) -> Rect { AppView.bodyArea(width: state.width, height: state.height) }

    /// Rows of item text on screen, for paging.
    public static func textPageHeight(_ state: AppState) -> Int {
        layout(state, body: body(state)).text.height - (state.label.item?.note == nil ? 0 : 1)
    }

    /// The last useful scroll offset of the item text.
    public static func maxScroll(_ state: AppState) -> Int {
        guard let item = state.label.item else { return 0 }
        let l = layout(state, body: body(state))
        return max(0, itemText(item, width: l.text.width, scroll: 0).lines.count - textPageHeight(state))
    }

    /// The mark where the LLM's view of an expert item ends. The LLM never labels an expert
    /// item; it sees the text only as a retrieved example in other items' prompts, cut at
    /// `llm.max_example_tokens`.
    static let exampleCutMark = "as a prompt example, the LLM sees only the text above"

    /// The item's text wrapped to `width`, with the mark where the LLM's view of it ends.
    static func itemText(_ item: ExpertItem, width: Int, scroll: Int, style: Style = .text) -> WrappedText {
        WrappedText(item.text, width: width, scroll: scroll, style: style,
                    cut: item.llmVisibleCharacters.map { TextCut(offset: $0, mark: exampleCutMark) })
    }

    /// Why a label key must not act on the current item now: the screen cannot show it, or
    /// part of its text has never been on screen. Nil once every line has been shown.
    public static func unseenReason(_ state: AppState) -> String? {
        guard state.fitsScreen else {
            return "the terminal is too small to show the item (at least \(AppView.minimumWidth)×\(AppView.minimumHeight))"
        }
        guard textPageHeight(state) >= 1 else { return "the terminal has no room for the item's text" }
        if !state.label.lastLineShown, maxScroll(state) > 0 {
            return "part of the item is not on screen yet; page down (PgDn) to its end first"
        }
        return nil
    }

    /// Records that the item's last line is on screen, when it is at the current size and
    /// scroll offset. The reducer calls it whenever the item, the size or the scroll changes,
    /// and the runtime draws the state before it reads the next key.
    static func recordShownLines(_ state: inout AppState) {
        guard state.label.item != nil, state.fitsScreen, textPageHeight(state) >= 1,
              state.label.scroll >= maxScroll(state) else { return }
        state.label.lastLineShown = true
    }

    public static func render(_ state: AppState, into buffer: inout Buffer, area: Rect) {
        let l = layout(state, body: area)
        let busy = state.label.busyReason != nil
        LabelBar(labels: state.labels, keys: state.labelKeys,
                 pickerKey: state.keymap.bindings(for: .label).first { $0.action == .pickLabel }?.keys.first,
                 dimmed: busy || state.label.item == nil).render(into: &buffer, area: l.bar)
        guard let item = state.label.item, state.label.phase != .waiting else {
            let message = state.label.phase == .loading
                ? "Loading the next item…"
                : "No item is waiting for you. " + (state.activity ?? "The engine is preparing the next round.")
            let lines = wrap(message, width: l.text.width)
            for (i, line) in lines.prefix(l.text.height).enumerated() {
                buffer.put(line, x: l.text.x, y: l.text.y + i, style: .dim)
            }
            return
        }
        // Header: item, round, position, page indicator.
        let textLines = itemText(item, width: l.text.width, scroll: state.label.scroll, style: busy ? .dim : .text)
        let noteRows = item.note == nil ? 0 : 1
        let textArea = Rect(x: l.text.x, y: l.text.y, width: l.text.width, height: l.text.height - noteRows)
        var x = buffer.put("Item \(item.displayID)", x: l.header.x, y: l.header.y, style: Style(.title, .bold), maxX: l.header.right)
        if item.isEvaluation {
            x = buffer.put(" · evaluation item", x: x, y: l.header.y, style: Style(.accent, .bold), maxX: l.header.right)
        }
        x = buffer.put(" · round \(item.round) · \(item.remainingInRound) left in round", x: x, y: l.header.y, style: .dim, maxX: l.header.right)
        if let page = textLines.pageIndicator(height: textArea.height) {
            putRight(page + " PgUp/PgDn", into: &buffer, area: Rect(x: x + 1, y: l.header.y, width: l.header.right - x - 1, height: 1), style: Style(.accent))
        }
        textLines.render(into: &buffer, area: textArea)
        if let note = item.note {
            buffer.put("note: " + singleLine(note), x: l.text.x, y: l.text.bottom - 1, style: Style(.warning), maxX: l.text.right)
        }
        renderInfo(state, item, into: &buffer, area: l.info)
    }

    /// The model's prediction and the neighbours the LLM prompt used.
    static func renderInfo(_ state: AppState, _ item: ExpertItem, into buffer: inout Buffer, area: Rect) {
        guard area.height >= 1 else { return }
        var x = buffer.put("Model: ", x: area.x, y: area.y, style: .dim, maxX: area.right)
        if item.isEvaluation {
            buffer.put("hidden: this item measures F1 and never trains the model", x: x, y: area.y, style: .dim, maxX: area.right)
        } else if let p = item.prediction {
            let idx = state.labels.firstIndex(of: p.label) ?? 0
            x = buffer.put(p.label, x: x, y: area.y, style: Style(Role.forLabel(index: idx), .bold), maxX: area.right)
            buffer.put(" (confidence \(formatFixed(p.confidence, 2)))", x: x, y: area.y, style: .text, maxX: area.right)
        } else {
            buffer.put("no classifier yet (round 1)", x: x, y: area.y, style: .dim, maxX: area.right)
        }
        guard area.height >= 3 else { return }
        buffer.put("Nearest labeled items (what the LLM sees):", x: area.x, y: area.y + 1, style: .dim, maxX: area.right)
        let rows = area.height - 2
        let neighbours = item.neighbours.prefix(rows)
        guard !neighbours.isEmpty else {
            buffer.put("none yet", x: area.x, y: area.y + 2, style: .dim, maxX: area.right)
            return
        }
        let perNeighbour = max(1, min(3, rows / neighbours.count))
        let labelWidth = min(16, neighbours.map { DisplayWidth.of($0.label) }.max() ?? 0)
        let names = LabelAbbreviation(labels: state.labels, width: labelWidth)
        var y = area.y + 2
        for n in neighbours {
            guard y < area.bottom else { break }
            let idx = state.labels.firstIndex(of: n.label) ?? 0
            var x = buffer.put(formatFixed(n.similarity, 2) + " ", x: area.x, y: y, style: .dim, maxX: area.right)
            x = buffer.put(sourceTag(n.source), x: x, y: y, style: Style(sourceRole(n.source)), maxX: area.right)
            x = buffer.put(" " + names(n.label).padding(labelWidth), x: x, y: y, style: Style(Role.forLabel(index: idx)), maxX: area.right)
            let textWidth = area.right - x - 2
            if perNeighbour == 1 || textWidth < 20 {
                buffer.put(" " + singleLine(n.text), x: x, y: y, style: .text, maxX: area.right)
                if DisplayWidth.of(n.text) + x + 1 > area.right { buffer.put("…", x: area.right - 1, y: y, style: .dim) }
                y += 1
            } else {
                let lines = wrap(singleLine(n.text), width: area.width - 2)
                y += 1
                for (i, line) in lines.prefix(perNeighbour - 1).enumerated() {
                    guard y < area.bottom else { break }
                    let shown = i == perNeighbour - 2 && lines.count > perNeighbour - 1 ? truncate(line + " …", width: area.width - 2) : line
                    buffer.put(shown, x: area.x + 2, y: y, style: .text, maxX: area.right)
                    y += 1
                }
            }
        }
    }

    /// The fixed-width source column: `human`, `llm`, `override`.
    static func sourceTag(_ source: LabelSource) -> String {
        switch source {
        case .human: "human   "
        case .llm: "llm     "
        case .override: "override"
        case .model: "model   "
        case .shadow: "shadow  "
        }
    }

    static func sourceRole(_ source: LabelSource) -> Role {
        switch source {
        case .human: .human
        case .llm: .llm
        case .override: .override
        case .model, .shadow: .dim
        }
    }
}
