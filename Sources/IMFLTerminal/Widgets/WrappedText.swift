/// Word-wraps `text` to `width` columns by display width. Paragraph breaks (`\n`) are kept,
/// runs of spaces collapse, and a word wider than the line is broken.
public func wrap(_ text: String, width: Int) -> [String] {
    guard width > 0 else { return [] }
    var out: [String] = []
    for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
        var line = ""
        var lineWidth = 0
        for word in paragraph.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            var w = DisplayWidth.of(String(word))
            var word = String(word)
            if lineWidth > 0 && lineWidth + 1 + w <= width {
                line += " " + word
                lineWidth += 1 + w
                continue
            }
            if lineWidth > 0 {
                out.append(line)
                line = ""
                lineWidth = 0
            }
            while w > width {
                var head = "", hw = 0
                var rest = Substring(word)
                while let c = rest.first, hw + DisplayWidth.of(c) <= width {
                    head.append(c)
                    hw += DisplayWidth.of(c)
                    rest = rest.dropFirst()
                }
                if head.isEmpty, let c = rest.first { head.append(c); rest = rest.dropFirst() }
                out.append(head)
                word = String(rest)
                w = DisplayWidth.of(word)
            }
            line = word
            lineWidth = w
        }
        out.append(line)
    }
    return out
}

/// Cuts `text` to `width` columns, ending in `…` when it had to cut.
public func truncate(_ text: String, width: Int) -> String {
    guard width > 0 else { return "" }
    if DisplayWidth.of(text) <= width { return text }
    var out = "", w = 0
    for c in text {
        let cw = DisplayWidth.of(c)
        if w + cw > width - 1 { break }
        out.append(c)
        w += cw
    }
    return out + "…"
}

/// `text` on one line with newlines and tabs turned into spaces.
public func singleLine(_ text: String) -> String {
    String(text.map { $0 == "\n" || $0 == "\t" || $0 == "\r" ? " " : $0 })
}

/// A place in a text where what one reader saw ends: the LLM's prompt carried the text up to
/// `offset` characters and not the rest. `WrappedText` draws `mark` as a line of its own there.
public struct TextCut: Sendable, Equatable {
    public var offset: Int
    public var mark: String

    public init(offset: Int, mark: String) {
        self.offset = offset
        self.mark = mark
    }
}

/// A block of wrapped text shown from line `scroll`, with a page indicator when it does not
/// fit, and a mark line where a `TextCut` falls.
public struct WrappedText {
    public var lines: [String]
    /// The line that is the cut's mark, if any.
    public var markLine: Int?
    public var scroll: Int
    public var style: Style

    public init(_ text: String, width: Int, scroll: Int, style: Style = .text, cut: TextCut? = nil) {
        self.scroll = scroll
        self.style = style
        guard let cut, width > 0, cut.offset < text.count else {
            lines = wrap(text, width: width)
            markLine = nil
            return
        }
        let before = String(text.prefix(cut.offset))
        let after = String(text.dropFirst(cut.offset).drop { $0 == " " || $0 == "\t" || $0 == "\n" })
        lines = before.allSatisfy(\.isWhitespace) ? [] : wrap(before, width: width)
        markLine = lines.count
        lines.append(Self.markLine(cut.mark, width: width))
        lines += wrap(after, width: width)
    }

    /// `┄┄ mark ┄┄┄…` across the width.
    static func markLine(_ mark: String, width: Int) -> String {
        let head = "┄┄ " + mark + " "
        return truncate(head, width: width) + String(repeating: "┄", count: max(0, width - DisplayWidth.of(head)))
    }

    /// The first line shown for `height` rows: `scroll`, kept within the text.
    func start(height: Int) -> Int { max(0, min(scroll, max(0, lines.count - height))) }

    /// Draws the visible lines into `area`; the mark line in the LLM's role.
    public func render(into buffer: inout Buffer, area: Rect) {
        let start = start(height: area.height)
        for (row, line) in lines.dropFirst(start).prefix(area.height).enumerated() {
            let lineStyle = start + row == markLine ? Style(.llm, .bold) : style
            buffer.put(line, x: area.x, y: area.y + row, style: lineStyle, maxX: area.right)
        }
    }

    /// "lines 1–12 of 40", or nil when everything fits.
    public func pageIndicator(height: Int) -> String? {
        guard lines.count > height, height > 0 else { return nil }
        let start = start(height: height)
        return "lines \(start + 1)–\(min(lines.count, start + height)) of \(lines.count)"
    }
}
