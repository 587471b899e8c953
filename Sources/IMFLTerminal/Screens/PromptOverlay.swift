/// One-line prompts over the current screen: the item note and the bulk-accept threshold.
public enum PromptOverlay {
    public static func render(title: String, text: String, hint: String, into buffer: inout Buffer, area: Rect) {
        let box = area.centered(width: min(area.width, 64), height: 5)
        let inner = Box(title: title, style: Style(.accent)).render(into: &buffer, area: box)
        guard inner.height >= 2 else { return }
        let shown = DisplayWidth.of(text) > inner.width - 3 ? "…" + String(text.suffix(inner.width - 4)) : text
        let x = buffer.put(shown, x: inner.x + 1, y: inner.y, style: Style(.text, .bold), maxX: inner.right)
        buffer.put("▏", x: x, y: inner.y, style: Style(.accent), maxX: inner.right)
        buffer.put(hint, x: inner.x + 1, y: inner.y + 2, style: .dim, maxX: inner.right)
    }
}
