/// The `g` overlay: the session's labeling guidelines, wrapped and scrollable.
public enum GuidelinesOverlay {
    static func box(_ area: Rect) -> Rect {
        area.centered(width: min(area.width, 76), height: area.height - 2)
    }

    static func lines(_ state: AppState) -> [String] {
        let inner = box(Rect(x: 0, y: 0, width: state.width, height: state.height)).inset()
        return wrap(state.session?.guidelines ?? "", width: max(1, inner.width - 2))
    }

    public static func maxScroll(_ state: AppState) -> Int {
        let inner = box(Rect(x: 0, y: 0, width: state.width, height: state.height)).inset()
        return max(0, lines(state).count - (inner.height - 1))
    }

    public static func render(_ state: AppState, scroll: Int, into buffer: inout Buffer, area: Rect) {
        let inner = Box(title: "Guidelines · \(state.session?.name ?? "")", style: Style(.accent)).render(into: &buffer, area: box(area))
        guard inner.height > 1 else { return }
        for (i, line) in lines(state).dropFirst(scroll).prefix(inner.height - 1).enumerated() {
            buffer.put(line, x: inner.x + 1, y: inner.y + i, style: .text, maxX: inner.right)
        }
        buffer.put("Esc or g closes · j/k scroll", x: inner.x + 1, y: inner.bottom - 1, style: .dim, maxX: inner.right)
    }
}
