/// A table with a header row, fixed-width columns and a fill column, and a selected row.
public struct Table {
    public struct Column {
        public var title: String
        /// Nil for the column that takes the remaining width.
        public var width: Int?
        public init(_ title: String, width: Int?) {
            self.title = title
            self.width = width
        }
    }

    /// One cell's text and style.
    public typealias Entry = (text: String, style: Style)

    public var columns: [Column]
    public var rows: [[Entry]]
    /// Index into `rows` of the selected row.
    public var selected: Int?

    public init(columns: [Column], rows: [[Entry]], selected: Int?) {
        self.columns = columns
        self.rows = rows
        self.selected = selected
    }

    /// Column rectangles' x and width for `area`.
    public func columnSpans(width: Int) -> [(x: Int, width: Int)] {
        let fixed = columns.compactMap(\.width).reduce(0, +) + columns.count - 1
        let fill = max(0, width - fixed)
        var x = 0
        return columns.map { c in
            let w = c.width ?? fill
            defer { x += w + 1 }
            return (x, w)
        }
    }

    public func render(into buffer: inout Buffer, area: Rect) {
        guard area.height >= 1 else { return }
        let spans = columnSpans(width: area.width)
        for (c, col) in columns.enumerated() {
            buffer.put(truncate(col.title, width: spans[c].width), x: area.x + spans[c].x, y: area.y,
                       style: Style(.title, .bold), maxX: area.x + spans[c].x + spans[c].width)
        }
        for (r, row) in rows.prefix(area.height - 1).enumerated() {
            let y = area.y + 1 + r
            let isSelected = r == selected
            if isSelected { buffer.fill(area.row(1 + r), style: Style(.selection)) }
            for (c, entry) in row.enumerated() where c < spans.count {
                let style = isSelected ? Style(.selection, entry.style.emphasis) : entry.style
                buffer.put(truncate(entry.text, width: spans[c].width), x: area.x + spans[c].x, y: y, style: style,
                           maxX: area.x + spans[c].x + spans[c].width)
            }
        }
    }
}
