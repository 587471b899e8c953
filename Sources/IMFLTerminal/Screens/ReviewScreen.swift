/// The review screen: LLM labels of this and earlier rounds in the chosen order, with accept,
/// override by label key, and bulk accept above a threshold; the selected item's text (which
/// scrolls, and marks where the LLM's prompt cut it) and the examples its prompt carried are
/// shown below the list.
public enum ReviewScreen {
    struct Layout {
        var summary: Rect
        var table: Rect
        var bar: Rect
        var detail: Rect
    }

    /// The detail pane takes half the body: the item's text is what the expert judges, and a
    /// long abstract needs the rows more than the list does.
    static func layout(body: Rect) -> Layout {
        let detailHeight = max(3, body.height / 2)
        let parts = body.split(.vertical, [.length(1), .fill, .length(1), .length(1), .length(1), .length(detailHeight)])
        return Layout(summary: parts[0], table: parts[1], bar: parts[3], detail: parts[5])
    }

    /// Table rows on screen (header excluded), for paging.
    public static func visibleRows(_ state: AppState) -> Int {
        max(1, layout(body: AppView.bodyArea(width: state.width, height: state.height)).table.height - 1)
    }

    public static func render(_ state: AppState, into buffer: inout Buffer, area: Rect) {
        let l = layout(body: area)
        let r = state.review
        let reviewed = r.rows.filter { $0.status != .unreviewed }.count
        var x = buffer.put("LLM labels: \(r.total)", x: l.summary.x, y: l.summary.y, style: Style(.title, .bold))
        if r.unreviewedOnly { x = buffer.put(" not reviewed", x: x, y: l.summary.y, style: Style(.accent), maxX: l.summary.right) }
        if let round = r.round { x = buffer.put(" of round \(round)", x: x, y: l.summary.y, style: Style(.accent), maxX: l.summary.right) }
        // Without log-probabilities the "conf" column is empty: say so first, where a narrow
        // screen does not cut it, and what orders the rows instead.
        let noConfidence = !r.rows.isEmpty && r.rows.allSatisfy { $0.llmConfidence == nil }
        if noConfidence, r.sort == .lowestConfidence {
            x = buffer.put(" · least sure first by the model's probability", x: x, y: l.summary.y, style: .text, maxX: l.summary.right)
            x = buffer.put(" (no confidence from the endpoint)", x: x, y: l.summary.y, style: Style(.warning), maxX: l.summary.right)
        } else {
            x = buffer.put(" · sorted by \(r.sort.title)", x: x, y: l.summary.y, style: .text, maxX: l.summary.right)
            if noConfidence { x = buffer.put(" (no confidence from the endpoint)", x: x, y: l.summary.y, style: Style(.warning), maxX: l.summary.right) }
        }
        x = buffer.put(" · \(reviewed) of \(r.rows.count) shown reviewed", x: x, y: l.summary.y, style: .dim, maxX: l.summary.right)
        if r.loading { putRight("loading…", into: &buffer, area: l.summary, style: .dim) }
        guard r.total > 0 else {
            buffer.put(r.loaded ? "No LLM labels yet. They appear here as the LLM queue works through each round."
                                : "Loading LLM labels…",
                       x: l.table.x, y: l.table.y + 1, style: .dim, maxX: l.table.right)
            return
        }
        let widths = columnWidths(state, tableWidth: l.table.width)
        let columns = [Table.Column("conf", width: 4), Table.Column("LLM label", width: widths.label),
                       Table.Column("model", width: widths.label), Table.Column("rnd", width: 3),
                       Table.Column("status", width: widths.status), Table.Column("text", width: nil)]
        let names = LabelAbbreviation(labels: state.labels, width: widths.label)
        let overrides = LabelAbbreviation(labels: state.labels, width: widths.status - 2)
        let rowsOnScreen = max(1, l.table.height - 1)
        let first = r.scroll
        var rows: [[Table.Entry]] = []
        var selectedRow: Int?
        for i in first..<min(r.total, first + rowsOnScreen) {
            let local = i - r.offset
            guard r.rows.indices.contains(local) else {
                rows.append([("…", .dim)])
                continue
            }
            if i == r.selected { selectedRow = rows.count }
            rows.append(row(r.rows[local], state, names: names, overrides: overrides))
        }
        Table(columns: columns, rows: rows, selected: selectedRow).render(into: &buffer, area: l.table)
        LabelBar(labels: state.labels, keys: state.labelKeys,
                 pickerKey: state.keymap.bindings(for: .review).first { $0.action == .pickLabel }?.keys.first,
                 dimmed: state.review.selectionReason != nil).render(into: &buffer, area: l.bar)
        if let item = r.selectedItem { renderDetail(item, state, into: &buffer, area: l.detail) }
    }

    /// Column widths of the label columns and the status column. Label columns grow with the
    /// longest label up to what leaves the text column 20 columns.
    static func columnWidths(_ state: AppState, tableWidth: Int) -> (label: Int, status: Int) {
        let status = 12
        let longest = state.labels.map { DisplayWidth.of($0) }.max() ?? 9
        let room = (tableWidth - 4 - 3 - status - 5 - 20) / 2
        return (max(9, min(longest, room)), status)
    }

    static func row(_ item: ReviewItem, _ state: AppState, names: LabelAbbreviation, overrides: LabelAbbreviation) -> [Table.Entry] {
        let llmIdx = state.labels.firstIndex(of: item.llmLabel) ?? 0
        let conf = item.llmConfidence.map { formatFixed($0, 2) } ?? "  – "
        let model: Table.Entry = item.prediction.map { p in
            (names(p.label), Style(p.label == item.llmLabel ? .dim : .warning))
        } ?? ("–", .dim)
        let status: Table.Entry
        if state.review.pending.contains(item.itemID) {
            status = ("saving…", .dim)
        } else {
            switch item.status {
            case .unreviewed: status = ("–", .dim)
            case .accepted: status = (item.bulkAccepted ? "bulk ✓" : "accepted", Style(.human))
            case .overridden(let l): status = ("→ " + overrides(l), Style(.override, .bold))
            }
        }
        return [(conf, (item.llmConfidence ?? 1) < 0.5 ? Style(.warning) : .text),
                (names(item.llmLabel), Style(.forLabel(index: llmIdx))), model, (String(item.round), .dim), status,
                (singleLine(item.text), .text)]
    }

    /// The mark where the LLM's prompt cut the item: its label rests on the text above.
    static let itemCutMark = "the LLM's prompt ended here: it labeled only the text above"

    /// The detail pane's parts: the header row, the item's text, the prompt examples.
    struct DetailLayout {
        var header: Rect
        var text: Rect
        var examples: Rect
    }

    /// The text gets the pane but for the header and the prompt examples; a text that does not
    /// fit keeps the examples to two rows.
    static func detailLayout(_ item: ReviewItem, area: Rect) -> DetailLayout {
        let header = area.row(0)
        let rest = Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1)
        let all = min(item.neighbours.count, max(0, (area.height - 2) / 2))
        let fits = text(item, width: area.width, scroll: 0).lines.count <= rest.height - (all > 0 ? all + 1 : 0)
        let rows = fits ? all : min(all, 2)
        let parts = rest.split(.vertical, [.fill, .length(rows > 0 ? rows + 1 : 0)])
        return DetailLayout(header: header, text: parts[0], examples: parts[1])
    }

    /// The item's text wrapped to `width`, with the mark where the LLM's prompt cut it.
    static func text(_ item: ReviewItem, width: Int, scroll: Int) -> WrappedText {
        WrappedText(item.text, width: width, scroll: scroll,
                    cut: item.llmVisibleCharacters.map { TextCut(offset: $0, mark: itemCutMark) })
    }

    /// The detail pane's area for the state's terminal size.
    static func detailArea(_ state: AppState) -> Rect {
        layout(body: AppView.bodyArea(width: state.width, height: state.height)).detail
    }

    /// Rows of the selected item's text on screen, and the last useful scroll offset.
    public static func detailText(_ state: AppState) -> (rows: Int, maxScroll: Int) {
        guard let item = state.review.selectedItem else { return (0, 0) }
        let area = detailLayout(item, area: detailArea(state)).text
        let lines = text(item, width: area.width, scroll: 0).lines.count
        return (area.height, max(0, lines - area.height))
    }

    /// Why the detail pane cannot scroll that way now; nil when it can.
    public static func detailScrollReason(_ state: AppState, down: Bool) -> String? {
        guard let item = state.review.selectedItem else { return state.review.selectionReason ?? "no row selected" }
        let (rows, maxScroll) = detailText(state)
        if maxScroll == 0 { return rows > 0 ? "the whole text is on screen" : "the terminal has no room for the text" }
        let at = min(state.review.detailScroll(for: item), maxScroll)
        if down, at >= maxScroll { return "the end of the text is on screen" }
        if !down, at == 0 { return "the start of the text is on screen" }
        return nil
    }

    /// Scrolls the selected item's text a page (less one line, kept for context) down or up.
    static func scrollDetail(_ state: inout AppState, down: Bool) {
        guard let item = state.review.selectedItem else { return }
        let (rows, maxScroll) = detailText(state)
        let page = max(1, rows - 1)
        let from = min(state.review.detailScroll(for: item), maxScroll)
        state.review.detailItem = item.itemID
        state.review.detailScroll = max(0, min(maxScroll, from + (down ? page : -page)))
    }

    static func renderDetail(_ item: ReviewItem, _ state: AppState, into buffer: inout Buffer, area: Rect) {
        guard area.height >= 1 else { return }
        let d = detailLayout(item, area: area)
        let h = d.header
        var x = buffer.put("Item \(item.displayID)", x: h.x, y: h.y, style: Style(.title, .bold), maxX: h.right)
        x = buffer.put(" · LLM: ", x: x, y: h.y, style: .dim, maxX: h.right)
        x = buffer.put(item.llmLabel, x: x, y: h.y, style: Style(.llm, .bold), maxX: h.right)
        switch item.status {
        case .overridden(let label):
            x = buffer.put(" → you: ", x: x, y: h.y, style: .dim, maxX: h.right)
            x = buffer.put(label, x: x, y: h.y, style: Style(.override, .bold), maxX: h.right)
        case .accepted:
            x = buffer.put(item.bulkAccepted ? " (bulk-accepted)" : " (accepted)", x: x, y: h.y, style: Style(.human), maxX: h.right)
        case .unreviewed:
            break
        }
        x = buffer.put(" · cluster \(item.cluster)", x: x, y: h.y, style: .dim, maxX: h.right)
        if let note = item.note {
            x = buffer.put(" · note: " + singleLine(note), x: x, y: h.y, style: Style(.accent), maxX: h.right)
        }
        let body = text(item, width: d.text.width, scroll: state.review.detailScroll(for: item))
        if let page = body.pageIndicator(height: d.text.height) {
            let start = body.start(height: d.text.height)
            var keys: [String] = []
            if start + d.text.height < body.lines.count { keys.append(scrollKey(.textDown, state).map { "↓ \($0)" } ?? "↓") }
            if start > 0 { keys.append(scrollKey(.textUp, state).map { "↑ \($0)" } ?? "↑") }
            putRight(([page] + keys).joined(separator: " "), into: &buffer,
                     area: Rect(x: x + 1, y: h.y, width: h.right - x - 1, height: 1), style: Style(.accent))
        }
        body.render(into: &buffer, area: d.text)
        guard d.examples.height > 1 else { return }
        var y = d.examples.y
        // What the LLM saw, as stored with its label; older labels show today's neighbours instead.
        buffer.put(item.neighboursAsSeen ? "What the LLM saw: its prompt's examples, labels as they were then"
                                         : "Most similar expert labels now (this label's prompt was not recorded)",
                   x: area.x, y: y, style: .dim, maxX: area.right)
        for n in item.neighbours.prefix(d.examples.height - 1) {
            y += 1
            let idx = state.labels.firstIndex(of: n.label) ?? 0
            var x = buffer.put(formatFixed(n.similarity, 2) + " ", x: area.x, y: y, style: .dim, maxX: area.right)
            x = buffer.put(LabelScreen.sourceTag(n.source), x: x, y: y, style: Style(LabelScreen.sourceRole(n.source)), maxX: area.right)
            x = buffer.put(" " + n.label + "  ", x: x, y: y, style: Style(.forLabel(index: idx)), maxX: area.right)
            buffer.put(truncate(singleLine(n.text), width: area.right - x), x: x, y: y, style: .text, maxX: area.right)
        }
    }

    /// The first key bound to `action` on this screen, as the footer writes it.
    static func scrollKey(_ action: Action, _ state: AppState) -> String? {
        state.keymap.bindings(for: .review).first { $0.action == action }?.keys.first?.description
    }
}
