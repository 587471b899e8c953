/// One terminal cell: a grapheme cluster and its style. A wide character occupies its own cell
/// and the cell to its right, which holds the empty `continuation` symbol.
public struct Cell: Hashable, Sendable {
    /// The grapheme drawn here; `""` marks the right half of a wide character.
    public var symbol: String
    public var style: Style

    public init(_ symbol: String = " ", style: Style = .text) {
        self.symbol = symbol
        self.style = style
    }

    public static let blank = Cell()
    public var isContinuation: Bool { symbol.isEmpty }
}

/// A grid of cells that views draw into. Views never touch the terminal: they fill a `Buffer`,
/// tests compare buffers as text, and the terminal adapter writes only `diff(prev, next)`.
public struct Buffer: Equatable, Sendable {
    public private(set) var width: Int
    public private(set) var height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    /// A buffer holding `lines` in the `text` style, padded with blanks to the widest line;
    /// the usual expected value in view tests.
    public init(lines: [String]) {
        let w = lines.map { DisplayWidth.of($0) }.max() ?? 0
        self.init(width: w, height: lines.count)
        for (y, line) in lines.enumerated() { put(line, x: 0, y: y) }
    }

    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        cells[y * width + x]
    }

    /// Sets one cell, blanking the other half of any wide character it cuts in two.
    public mutating func set(x: Int, y: Int, _ cell: Cell) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = y * width + x
        if cells[i].isContinuation, x > 0 {
            cells[i - 1] = Cell(" ", style: cells[i - 1].style)
        }
        if x + 1 < width, cells[i + 1].isContinuation, !cells[i].isContinuation {
            cells[i + 1] = Cell(" ", style: cells[i + 1].style)
        }
        cells[i] = cell
    }

    /// Writes `text` from (x, y) without wrapping, clipped at `maxX` (exclusive, default the
    /// buffer's width). A wide character that would straddle the clip edge becomes a blank.
    /// Control characters are drawn as spaces so that item text cannot move the cursor.
    /// - Returns: the column after the last cell written.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .text, maxX: Int? = nil) -> Int {
        guard y >= 0, y < height else { return x }
        let limit = min(maxX ?? width, width)
        var col = x
        for ch in text {
            if col >= limit { break }
            var w = DisplayWidth.of(ch)
            var symbol = String(ch)
            if w == 0 {
                if ch.unicodeScalars.first.map({ $0.value < 0x20 || $0.value == 0x7F }) == true {
                    symbol = " "
                    w = 1
                } else {
                    continue
                }
            }
            if col < 0 { col += w; continue }
            if w == 2 && col + 1 >= limit {
                set(x: col, y: y, Cell(" ", style: style))
                col += 1
                break
            }
            set(x: col, y: y, Cell(symbol, style: style))
            if w == 2 {
                set(x: col + 1, y: y, Cell("", style: style))
            }
            col += w
        }
        return col
    }

    /// Fills `rect` with blanks (or `symbol`) in `style`.
    public mutating func fill(_ rect: Rect, symbol: String = " ", style: Style = .text) {
        let r = rect.intersection(area)
        guard !r.isEmpty else { return }
        for y in r.y..<r.bottom {
            for x in r.x..<r.right { set(x: x, y: y, Cell(symbol, style: style)) }
        }
    }

    /// Changes the style of every cell in `rect`, keeping the symbols.
    public mutating func restyle(_ rect: Rect, _ style: Style) {
        let r = rect.intersection(area)
        guard !r.isEmpty else { return }
        for y in r.y..<r.bottom {
            for x in r.x..<r.right { cells[y * width + x].style = style }
        }
    }

    /// The text of row `y`, one character per column (wide characters once).
    public func line(_ y: Int) -> String {
        var s = ""
        for x in 0..<width where !self[x, y].isContinuation { s += self[x, y].symbol }
        return s
    }

    /// Every row as text; what view tests compare.
    public var lines: [String] { (0..<height).map(line) }

    /// Rows with trailing blanks removed, for readable failure messages.
    public var trimmedLines: [String] {
        lines.map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }
    }

    /// A cell-by-cell account of how `self` differs from `expected`, empty when equal in text
    /// and style. Test failures print it so that they point at the first wrong cell.
    public func differences(from expected: Buffer, includeStyle: Bool = false) -> [String] {
        if width != expected.width || height != expected.height {
            return ["size \(width)×\(height), expected \(expected.width)×\(expected.height)"]
                + zip(trimmedLines, expected.trimmedLines).enumerated()
                .filter { $0.element.0 != $0.element.1 }
                .map { "row \($0.offset): got \"\($0.element.0)\", expected \"\($0.element.1)\"" }
        }
        var out: [String] = []
        for y in 0..<height {
            for x in 0..<width {
                let a = self[x, y], e = expected[x, y]
                if a.symbol != e.symbol || (includeStyle && a.style != e.style) {
                    out.append("(\(x),\(y)): got \"\(a.symbol)\" \(a.style.role.name), expected \"\(e.symbol)\" \(e.style.role.name)")
                }
            }
            if out.count > 20 { out.append("…"); break }
        }
        if !out.isEmpty {
            out.append("got:\n" + lines.map { "|\($0)|" }.joined(separator: "\n"))
            out.append("expected:\n" + expected.lines.map { "|\($0)|" }.joined(separator: "\n"))
        }
        return out
    }

    /// Drops every cell, for reuse at a new size.
    public mutating func resize(width: Int, height: Int) {
        self = Buffer(width: width, height: height)
    }

    /// Blanks every cell without reallocating.
    public mutating func clear() {
        for i in cells.indices { cells[i] = .blank }
    }
}

/// One cell the terminal must redraw.
public struct CellUpdate: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var cell: Cell
}

/// The cells of `next` that differ from `prev`. When the sizes differ every cell of `next` is
/// returned, since the terminal was cleared. Pure, so it is tested and benchmarked without a
/// terminal.
public func diff(_ prev: Buffer, _ next: Buffer) -> [CellUpdate] {
    var updates: [CellUpdate] = []
    let sameSize = prev.width == next.width && prev.height == next.height
    for y in 0..<next.height {
        for x in 0..<next.width {
            let i = y * next.width + x
            let cell = next.cells[i]
            if !sameSize || prev.cells[i] != cell {
                updates.append(CellUpdate(x: x, y: y, cell: cell))
            }
        }
    }
    return updates
}
