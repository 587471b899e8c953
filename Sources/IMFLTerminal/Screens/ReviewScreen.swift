/// The review screen: LLM labels of this and earlier rounds in the chosen order, with accept,
/// override by label key, and bulk accept above a threshold; the selected item's text and the
/// examples its prompt carried are shown below the list.
public enum ReviewScreen {
    struct Layout {
        var summary: Rect
        var table: Rect
        var bar: Rect
        var detail: Rect
    }

    static func layout(body: Rect) -> Layout {
        let detailHeight = max(3, body.height / 3)
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
        x = buffer.put(" · sorted by \(r.sort.title)", x: x, y: l.summary.y, style: .text, maxX: l.summary.right)
        x = buffer.put(" · \(reviewed) of \(r.rows.count) shown reviewed", x: x, y: l.summary.y, style: .dim, maxX: l.summary.right)
        if r.loading { putRight("loading…", into: &buffer, area: l.summary, style: .dim) }
        guard r.total > 0 else {
            buffer.put(r.loaded ? "No LLM labels yet. They appear here as the LLM queue works through each round."
                                : "Loading LLM labels…",
                       x: l.table.x, y: l.table.y + 1, style: .dim, maxX: l.table.right)
            return
        }
        let labelWidth = min(16, max(9, state.labels.map { DisplayWidth.of($0) }.max() ?? 8))
        let columns = [Table.Column("conf", width: 4), Table.Column("LLM label", width: labelWidth),
                       Table.Column("model", width: labelWidth), Table.Column("rnd", width: 3),
                       Table.Column("status", width: 12), Table.Column("text", width: nil)]
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
            rows.append(row(r.rows[local], state))
        }
        Table(columns: columns, rows: rows, selected: selectedRow).render(into: &buffer, area: l.table)
        LabelBar(labels: state.labels, keys: state.labelKeys,
                 pickerKey: state.keymap.bindings(for: .review).first { $0.action == .pickLabel }?.keys.first,
                 dimmed: state.review.selectionReason != nil).render(into: &buffer, area: l.bar)
        if let item = r.selectedItem { renderDetail(item, state, into: &buffer, area: l.detail) }
    }

    static func row(_ item: ReviewItem, _ state: AppState) -> [Table.Entry] {
        let llmIdx = state.labels.firstIndex(of: item.llmLabel) ?? 0
        let conf = item.llmConfidence.map { formatFixed($0, 2) } ?? "  – "
        let model: Table.Entry = item.prediction.map { p in
            (p.label, Style(p.label == item.llmLabel ? .dim : .warning))
        } ?? ("–", .dim)
        let status: Table.Entry
        if state.review.pending.contains(item.itemID) {
            status = ("saving…", .dim)
        } else {
            switch item.status {
            case .unreviewed: status = ("–", .dim)
            case .accepted: status = ("accepted", Style(.human))
            case .overridden(let l): status = ("→ " + l, Style(.override, .bold))
            }
        }
        return [(conf, (item.llmConfidence ?? 1) < 0.5 ? Style(.warning) : .text),
                (item.llmLabel, Style(.forLabel(index: llmIdx))), model, (String(item.round), .dim), status,
                (singleLine(item.text), .text)]
    }

    static func renderDetail(_ item: ReviewItem, _ state: AppState, into buffer: inout Buffer, area: Rect) {
        guard area.height >= 1 else { return }
        var x = buffer.put("Item \(item.itemID)", x: area.x, y: area.y, style: Style(.title, .bold))
        x = buffer.put(" · LLM: ", x: x, y: area.y, style: .dim, maxX: area.right)
        x = buffer.put(item.effectiveLabel, x: x, y: area.y, style: Style(.llm, .bold), maxX: area.right)
        x = buffer.put(" · cluster \(item.cluster)", x: x, y: area.y, style: .dim, maxX: area.right)
        let neighbourRows = min(item.neighbours.count, max(0, (area.height - 2) / 2))
        let textHeight = area.height - 1 - (neighbourRows > 0 ? neighbourRows + 1 : 0)
        WrappedText(item.text, width: area.width, scroll: 0).render(
            into: &buffer, area: Rect(x: area.x, y: area.y + 1, width: area.width, height: textHeight))
        guard neighbourRows > 0 else { return }
        var y = area.y + 1 + textHeight
        buffer.put("Prompt examples:", x: area.x, y: y, style: .dim)
        for n in item.neighbours.prefix(neighbourRows) {
            y += 1
            let idx = state.labels.firstIndex(of: n.label) ?? 0
            var x = buffer.put(formatFixed(n.similarity, 2) + " ", x: area.x, y: y, style: .dim, maxX: area.right)
            x = buffer.put(LabelScreen.sourceTag(n.source), x: x, y: y, style: Style(LabelScreen.sourceRole(n.source)), maxX: area.right)
            x = buffer.put(" " + n.label + "  ", x: x, y: y, style: Style(.forLabel(index: idx)), maxX: area.right)
            buffer.put(truncate(singleLine(n.text), width: area.right - x), x: x, y: y, style: .text, maxX: area.right)
        }
    }
}
