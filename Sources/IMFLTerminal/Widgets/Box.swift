/// A bordered panel with an optional title, for overlays and grouped panes.
public struct Box {
    public var title: String
    public var style: Style

    public init(title: String = "", style: Style = .dim) {
        self.title = title
        self.style = style
    }

    /// Clears `area`, draws the border and returns the inner area.
    @discardableResult
    public func render(into buffer: inout Buffer, area: Rect) -> Rect {
        guard area.width >= 2, area.height >= 2 else { return Rect(x: area.x, y: area.y, width: 0, height: 0) }
        buffer.fill(area)
        let h = String(repeating: "─", count: area.width - 2)
        buffer.put("┌" + h + "┐", x: area.x, y: area.y, style: style)
        for y in (area.y + 1)..<(area.bottom - 1) {
            buffer.put("│", x: area.x, y: y, style: style)
            buffer.put("│", x: area.right - 1, y: y, style: style)
        }
        buffer.put("└" + h + "┘", x: area.x, y: area.bottom - 1, style: style)
        if !title.isEmpty {
            buffer.put(" " + truncate(title, width: area.width - 6) + " ", x: area.x + 2, y: area.y,
                       style: Style(.title, .bold), maxX: area.right - 2)
        }
        return area.inset()
    }
}

/// Draws `text` right-aligned in the one-row `area`.
public func putRight(_ text: String, into buffer: inout Buffer, area: Rect, style: Style = .text) {
    let t = truncate(text, width: area.width)
    buffer.put(t, x: area.right - DisplayWidth.of(t), y: area.y, style: style, maxX: area.right)
}
