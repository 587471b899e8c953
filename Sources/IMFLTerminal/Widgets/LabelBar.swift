/// The always-visible row(s) of label keys: `1 positive  2 negative …`, each label in its own
/// colour role. Labels without a direct key are reached with the picker, which the bar says.
public struct LabelBar {
    public var labels: [String]
    public var keys: [Key]
    /// Key that opens the picker, shown when some labels have no direct key.
    public var pickerKey: Key?
    public var dimmed: Bool

    public init(labels: [String], keys: [Key], pickerKey: Key?, dimmed: Bool = false) {
        self.labels = labels
        self.keys = keys
        self.pickerKey = pickerKey
        self.dimmed = dimmed
    }

    private var entries: [(key: String, label: String, index: Int)] {
        zip(keys, labels).enumerated().map { (i, pair) in (pair.0.description, pair.1, i) }
    }

    private var moreText: String? {
        guard labels.count > keys.count || labels.count > 9 else { return nil }
        return "\(pickerKey?.description ?? "/") all \(labels.count) labels"
    }

    /// Rows the bar needs at `width`, at most `maxRows`.
    public func height(width: Int, maxRows: Int) -> Int {
        min(maxRows, layout(width: width, maxRows: Int.max).count)
    }

    /// Entries per row, packed greedily.
    private func layout(width: Int, maxRows: Int) -> [[(key: String, label: String, index: Int)]] {
        var rows: [[(key: String, label: String, index: Int)]] = [[]]
        var used = 0
        for e in entries {
            let w = DisplayWidth.of(e.key) + 1 + DisplayWidth.of(e.label) + 2
            if used + w > width, !rows[rows.count - 1].isEmpty {
                rows.append([])
                used = 0
            }
            rows[rows.count - 1].append(e)
            used += w
        }
        return rows
    }

    public func render(into buffer: inout Buffer, area: Rect) {
        guard !area.isEmpty else { return }
        let more = moreText
        let reserve = more.map { DisplayWidth.of($0) + 2 } ?? 0
        var rows = layout(width: area.width - reserve, maxRows: area.height)
        let overflow = rows.count > area.height
        rows = Array(rows.prefix(area.height))
        for (r, row) in rows.enumerated() {
            var x = area.x
            for e in row {
                let keyStyle = dimmed ? Style(.dim) : Style(.accent, .bold)
                let labelStyle = dimmed ? Style(.dim) : Style(Role.forLabel(index: e.index))
                x = buffer.put(e.key, x: x, y: area.y + r, style: keyStyle, maxX: area.right)
                x = buffer.put(" " + e.label, x: x, y: area.y + r, style: labelStyle, maxX: area.right)
                x += 2
            }
        }
        if let more {
            let text = overflow ? "… " + more : more
            putRight(text, into: &buffer, area: area.row(rows.count - 1), style: Style(.dim))
        }
    }
}
