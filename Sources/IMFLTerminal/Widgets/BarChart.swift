/// A vertical bar chart of values in [0, 1], one bar per entry, with eighth-block precision and
/// a 0–1 axis; used for macro-F1 by round.
public struct BarChart {
    public var title: String
    public var bars: [(label: String, value: Double)]
    /// Highlights one bar (the latest round).
    public var highlight: Int?

    public init(title: String, bars: [(label: String, value: Double)], highlight: Int? = nil) {
        self.title = title
        self.bars = bars
        self.highlight = highlight
    }

    private static let eighths: [String] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    public func render(into buffer: inout Buffer, area: Rect) {
        guard area.height >= 4, area.width >= 10 else { return }
        buffer.put(truncate(title, width: area.width), x: area.x, y: area.y, style: Style(.title, .bold))
        let plotHeight = area.height - 3  // title, value row, label row
        let axisX = area.x + 4
        let top = area.y + 1
        for r in 0..<plotHeight {
            let y = top + r
            let v = 1.0 - Double(r) / Double(max(1, plotHeight - 1))
            if r == 0 || r == plotHeight - 1 || r == plotHeight / 2 {
                buffer.put(formatFixed(v * 100, 0), x: area.x, y: y, style: .dim)
            }
            buffer.put("│", x: axisX - 1, y: y, style: .dim)
        }
        guard !bars.isEmpty else {
            buffer.put("no rounds scored yet", x: axisX + 1, y: top + plotHeight / 2, style: .dim, maxX: area.right)
            return
        }
        let slot = max(5, min(8, (area.right - axisX) / bars.count))
        let barWidth = max(1, slot - 2)
        let shown = bars.suffix(max(1, (area.right - axisX) / slot))
        let firstIndex = bars.count - shown.count
        for (j, bar) in shown.enumerated() {
            let x = axisX + j * slot + 1
            let value = bar.value.isFinite ? min(1, max(0, bar.value)) : 0
            let eighthsTotal = Int((value * Double(plotHeight * 8)).rounded())
            let style = Style(.chart, firstIndex + j == highlight ? .bold : [])
            for r in 0..<plotHeight {
                let fromBottom = plotHeight - 1 - r
                let level = min(8, max(0, eighthsTotal - fromBottom * 8))
                if level > 0 {
                    buffer.put(String(repeating: Self.eighths[level], count: barWidth), x: x, y: top + r, style: style, maxX: area.right)
                }
            }
            // Scores are percentages with one decimal everywhere in the tool.
            buffer.put(formatFixed(value * 100, 1), x: x, y: top + plotHeight, style: .text, maxX: min(area.right, x + slot - 1))
            buffer.put(truncate(bar.label, width: slot - 1), x: x, y: top + plotHeight + 1, style: .dim, maxX: area.right)
        }
    }
}

/// Horizontal bars, one row per entry: `label ████▌  0.71`; used for per-class F1. Rows that
/// do not fit scroll, and the title row says which are shown and which keys move them.
public struct HorizontalBars {
    public var title: String
    public var rows: [(label: String, value: Double, style: Style)]
    /// The first row shown.
    public var scroll: Int
    /// The keys that scroll down and up, as the footer writes them.
    public var keys: (down: String, up: String)?

    public init(title: String, rows: [(label: String, value: Double, style: Style)], scroll: Int = 0,
                keys: (down: String, up: String)? = nil) {
        self.title = title
        self.rows = rows
        self.scroll = scroll
        self.keys = keys
    }

    private static let eighths: [String] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    public func render(into buffer: inout Buffer, area: Rect) {
        guard area.height >= 2, area.width >= 12 else { return }
        let height = area.height - 1
        let start = max(0, min(scroll, rows.count - height))
        var position = ""
        if rows.count > height {
            position = "\(start + 1)–\(start + height) of \(rows.count)"
            if start + height < rows.count { position += keys.map { " ↓\($0.down)" } ?? " ↓" }
            if start > 0 { position += keys.map { " ↑\($0.up)" } ?? " ↑" }
        }
        let titleWidth = area.width - (position.isEmpty ? 0 : DisplayWidth.of(position) + 1)
        buffer.put(truncate(title, width: titleWidth), x: area.x, y: area.y, style: Style(.title, .bold))
        if !position.isEmpty { putRight(position, into: &buffer, area: area.row(0), style: Style(.accent)) }
        let labelWidth = min(14, max(4, rows.map { DisplayWidth.of($0.label) }.max() ?? 4), area.width / 3)
        let names = LabelAbbreviation(labels: rows.map(\.label), width: labelWidth)
        let barWidth = area.width - labelWidth - 8
        guard barWidth > 0 else { return }
        for (i, row) in rows.dropFirst(start).prefix(height).enumerated() {
            let y = area.y + 1 + i
            buffer.put(names(row.label), x: area.x, y: y, style: row.style)
            let v = row.value.isFinite ? min(1, max(0, row.value)) : 0
            let eighths = Int((v * Double(barWidth * 8)).rounded())
            let bar = String(repeating: "█", count: eighths / 8) + Self.eighths[eighths % 8]
            buffer.put(bar, x: area.x + labelWidth + 1, y: y, style: Style(.chart))
            putRight(formatFixed(v * 100, 1), into: &buffer, area: Rect(x: area.right - 5, y: y, width: 5, height: 1), style: .text)
        }
    }
}
