/// The `?` overlay: every binding of the current screen and the global ones, from the same
/// keymap table that dispatches keys, with the reason when an action is unavailable.
public enum HelpOverlay {
    static func lines(_ state: AppState) -> [(keys: String, help: String, disabled: String?)] {
        var out: [(keys: String, help: String, disabled: String?)] = []
        var seen = Set<String>()
        for b in state.keymap.bindings(for: state.screen.scope) {
            let id = b.action.rawValue + b.keyText
            guard seen.insert(id).inserted else { continue }
            out.append((b.keyText, b.help, b.disabledReason(state)))
        }
        // Every direct label key with its label: with a large label set the bar shows only
        // the first few, and this is where the rest are listed.
        if state.screen != .dashboard, !state.labelKeys.isEmpty {
            out.append(("", state.screen == .label ? "Label keys (label the item):" : "Label keys (override with that label):", nil))
            for (key, label) in zip(state.labelKeys, state.labels) {
                out.append((key.description, label, nil))
            }
            let rest = state.labels.count - state.labelKeys.count
            if rest > 0 {
                let picker = state.keymap.bindings(for: state.screen.scope).first { $0.action == .pickLabel }?.keyText ?? "/"
                out.append((picker, "the other \(rest) labels, by name", nil))
            }
        }
        return out
    }

    static func box(_ area: Rect, _ state: AppState) -> Rect {
        area.centered(width: min(area.width, 64), height: min(area.height, lines(state).count + 3))
    }

    /// The last useful scroll offset, for the body area the overlay is drawn in (it was
    /// computed for the whole terminal, two rows taller, so the last rows could not be reached).
    public static func maxScroll(_ state: AppState) -> Int {
        let body = AppView.bodyArea(width: state.width, height: state.height)
        return max(0, lines(state).count - (box(body, state).height - 3))
    }

    public static func render(_ state: AppState, scroll: Int, into buffer: inout Buffer, area: Rect) {
        let all = lines(state)
        let inner = Box(title: "Keys · \(state.screen.title)", style: Style(.accent)).render(into: &buffer, area: box(area, state))
        guard inner.height > 1 else { return }
        let keyWidth = min(14, all.map { DisplayWidth.of($0.keys) }.max() ?? 6)
        for (i, line) in all.dropFirst(scroll).prefix(inner.height - 1).enumerated() {
            let y = inner.y + i
            buffer.put(truncate(line.keys, width: keyWidth), x: inner.x + 1, y: y, style: Style(.accent, .bold))
            let x = buffer.put(line.help, x: inner.x + keyWidth + 3, y: y, style: line.disabled == nil ? .text : .dim, maxX: inner.right)
            if let reason = line.disabled {
                buffer.put(" (\(reason))", x: x, y: y, style: .dim, maxX: inner.right)
            }
        }
        buffer.put("Esc or ? closes", x: inner.x + 1, y: inner.bottom - 1, style: .dim, maxX: inner.right)
    }
}
