/// The filterable label picker: a filter line and the matching labels with their direct keys,
/// for label sets (77 intents and more) larger than the keys.
public struct LabelPicker {
    public var state: PickerState
    public var labels: [String]
    public var keys: [Key]

    public init(state: PickerState, labels: [String], keys: [Key]) {
        self.state = state
        self.labels = labels
        self.keys = keys
    }

    public func render(into buffer: inout Buffer, area: Rect) {
        let matches = state.matches(labels)
        let boxHeight = min(area.height, max(6, min(matches.count, 20) + 4))
        let box = area.centered(width: min(area.width, 50), height: boxHeight)
        let inner = Box(title: "Pick a label (\(matches.count) of \(labels.count))", style: Style(.accent))
            .render(into: &buffer, area: box)
        guard inner.height >= 2 else { return }
        var x = buffer.put("filter: ", x: inner.x, y: inner.y, style: .dim, maxX: inner.right)
        x = buffer.put(state.filter, x: x, y: inner.y, style: Style(.text, .bold), maxX: inner.right)
        buffer.put("▏", x: x, y: inner.y, style: Style(.accent), maxX: inner.right)
        let listArea = Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: inner.height - 1)
        guard !matches.isEmpty else {
            buffer.put("no label contains “\(state.filter)”", x: listArea.x, y: listArea.y, style: Style(.warning), maxX: listArea.right)
            return
        }
        let first = max(0, min(state.selected - listArea.height + 1, matches.count - listArea.height))
        for (row, index) in matches.dropFirst(max(0, first)).prefix(listArea.height).enumerated() {
            let y = listArea.y + row
            let selected = max(0, first) + row == state.selected
            if selected { buffer.fill(listArea.row(row), style: Style(.selection)) }
            let key = index < keys.count ? keys[index].description : " "
            let keyStyle = selected ? Style(.selection, .bold) : Style(.accent, .bold)
            let labelStyle = selected ? Style(.selection) : Style(Role.forLabel(index: index))
            let x = buffer.put(key, x: listArea.x + 1, y: y, style: keyStyle, maxX: listArea.right)
            buffer.put(" " + labels[index], x: max(x, listArea.x + 3), y: y, style: labelStyle, maxX: listArea.right)
        }
    }
}
