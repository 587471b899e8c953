/// A one-line gauge: `Title  ████████░░░░  12/30`.
public struct Gauge {
    public var title: String
    public var fraction: Double
    public var caption: String
    public var style: Style

    public init(title: String, fraction: Double, caption: String, style: Style = Style(.chart)) {
        self.title = title
        self.fraction = fraction.isFinite ? min(1, max(0, fraction)) : 0
        self.caption = caption
        self.style = style
    }

    /// Draws into the first row of `area`; `titleWidth` aligns several gauges.
    public func render(into buffer: inout Buffer, area: Rect, titleWidth: Int = 12) {
        guard !area.isEmpty else { return }
        let tw = min(titleWidth, area.width / 3)
        buffer.put(truncate(title, width: tw), x: area.x, y: area.y, style: .text, maxX: area.x + tw)
        let cap = truncate(caption, width: max(0, area.width - tw - 4)).padding(7)
        let barWidth = area.width - tw - 1 - DisplayWidth.of(cap) - 1
        guard barWidth > 0 else { return }
        let filled = Int((fraction * Double(barWidth)).rounded())
        let x = area.x + tw + 1
        buffer.put(String(repeating: "█", count: filled), x: x, y: area.y, style: style)
        buffer.put(String(repeating: "░", count: barWidth - filled), x: x + filled, y: area.y, style: .dim)
        buffer.put(cap, x: x + barWidth + 1, y: area.y, style: .text, maxX: area.right)
    }
}
