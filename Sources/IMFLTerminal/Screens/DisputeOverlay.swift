/// The items the session's experts labeled differently, each with every expert's label, over
/// the Review screen: an adjudicator moves to one and presses the key of the label that
/// stands. Anyone may look; only `[team] adjudicators` settle, and the hint says so.
public enum DisputeOverlay {
    public static func render(_ state: AppState, _ d: DisputeState, into buffer: inout Buffer, area: Rect) {
        let count = d.list?.items.count
        let title = count.map { "Experts' disagreements (\($0))" } ?? "Experts' disagreements"
        let box = area.centered(width: min(area.width, 100), height: area.height)
        let inner = Box(title: title, style: Style(.accent)).render(into: &buffer, area: box)
        guard inner.height >= 3 else { return }
        let hint: String
        if let why = d.list?.cannotSettle {
            hint = why + " · Esc closes"
        } else {
            hint = "a label key settles the selected item · j/k move · Esc closes"
        }
        // The hint says in full why this expert cannot settle: wrapped, from the bottom up.
        let hintLines = wrap(hint, width: max(1, inner.width - 2)).suffix(max(1, inner.height - 2))
        for (i, line) in hintLines.enumerated() {
            buffer.put(line, x: inner.x + 1, y: inner.bottom - hintLines.count + i, style: .dim, maxX: inner.right)
        }
        guard let list = d.list else {
            buffer.put("Loading…", x: inner.x + 1, y: inner.y, style: .dim, maxX: inner.right)
            return
        }
        guard !list.items.isEmpty else {
            buffer.put("No item is disputed: the experts agree on every item they share.", x: inner.x + 1, y: inner.y, style: .text, maxX: inner.right)
            return
        }
        let rows = max(1, inner.height - 1 - hintLines.count)
        let start = max(0, min(d.selected - rows / 2, list.items.count - rows))
        for (i, item) in list.items.enumerated().dropFirst(start).prefix(rows) {
            let y = inner.y + i - start
            let selected = i == d.selected
            let labels = item.labels.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: " · ")
            var x = buffer.put(selected ? "▶ " : "  ", x: inner.x + 1, y: y, style: Style(.accent, .bold), maxX: inner.right)
            x = buffer.put(item.displayID + "  ", x: x, y: y, style: selected ? Style(.accent, .bold) : .text, maxX: inner.right)
            x = buffer.put(labels + "  ", x: x, y: y, style: Style(.warning), maxX: inner.right)
            buffer.put(singleLine(item.text), x: x, y: y, style: .dim, maxX: inner.right)
        }
    }
}
