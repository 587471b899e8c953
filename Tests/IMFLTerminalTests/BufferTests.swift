import Testing
@testable import IMFLTerminal

@Suite("Buffer")
struct BufferTests {
    @Test("wide CJK and emoji take two cells, combining marks attach to their base")
    func displayWidths() {
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("東京") == 4)
        #expect(DisplayWidth.of("📈") == 2)
        #expect(DisplayWidth.of("e\u{301}") == 1)          // e + combining acute
        #expect(DisplayWidth.of("naïve") == 5)
        #expect(DisplayWidth.of("👩‍🔬") == 2)                // ZWJ sequence
        #expect(DisplayWidth.of("❤\u{FE0F}") == 2)        // text symbol with emoji presentation
    }

    @Test("put writes a wide character into two cells, the second a continuation")
    func wideCharacters() {
        // Given a 6-cell row
        var b = Buffer(width: 6, height: 1)
        // When writing a mix of narrow and wide characters
        let end = b.put("a東b", x: 0, y: 0)
        // Then the wide character owns cells 1 and 2 and the text reads back unchanged
        #expect(end == 4)
        #expect(b[1, 0].symbol == "東")
        #expect(b[2, 0].isContinuation)
        #expect(b.line(0) == "a東b  ")
        expectBuffer(b, equals: Buffer(lines: ["a東b  "]))
    }

    @Test("a combining mark stays in its base's cell")
    func combining() {
        var b = Buffer(width: 4, height: 1)
        b.put("e\u{301}x", x: 0, y: 0)
        #expect(b[0, 0].symbol == "e\u{301}")
        #expect(b[1, 0].symbol == "x")
    }

    @Test("a wide character that would straddle the clip edge becomes a blank")
    func clipWide() {
        var b = Buffer(width: 5, height: 1)
        b.put("ab東", x: 0, y: 0, maxX: 3)
        #expect(b.line(0) == "ab   ")
        #expect(!b[3, 0].isContinuation)
    }

    @Test("overwriting half of a wide character blanks the other half")
    func overwriteHalf() {
        var b = Buffer(width: 4, height: 1)
        b.put("東京", x: 0, y: 0)
        b.put("x", x: 1, y: 0)   // right half of 東
        #expect(b.line(0) == " x京")
        b.put("y", x: 2, y: 0)   // left half of 京
        #expect(b.line(0) == " xy ")
    }

    @Test("control characters in item text are drawn as spaces")
    func controls() {
        var b = Buffer(width: 5, height: 1)
        b.put("a\u{1B}[2J", x: 0, y: 0)
        #expect(b.line(0) == "a [2J")
    }

    @Test("differences name the first wrong cells and show both screens")
    func differencesPointAtCells() {
        let a = Buffer(lines: ["hello", "world"])
        let b = Buffer(lines: ["hello", "wOrld"])
        let d = a.differences(from: b)
        #expect(d.first == "(1,1): got \"o\" text, expected \"O\" text")
        #expect(d.contains { $0.hasPrefix("got:") })
        #expect(a.differences(from: a).isEmpty)
    }

    @Test("diff returns only the changed cells, or every cell after a resize")
    func diffing() {
        var prev = Buffer(width: 4, height: 2)
        prev.put("abcd", x: 0, y: 0)
        var next = prev
        next.put("X", x: 2, y: 1)
        next.put("b", x: 1, y: 0, style: Style(.accent))
        let updates = diff(prev, next)
        #expect(updates.map { [$0.x, $0.y] } == [[1, 0], [2, 1]])
        #expect(updates[0].cell.style.role == .accent)
        #expect(diff(next, next).isEmpty)
        #expect(diff(Buffer(width: 3, height: 2), next).count == 8)
    }
}

@Suite("Layout")
struct LayoutTests {
    @Test("vertical split gives fixed rows and the rest to fill")
    func vertical() {
        let area = Rect(x: 0, y: 0, width: 80, height: 24)
        let parts = area.split(.vertical, [.length(1), .fill, .length(1)])
        #expect(parts == [Rect(x: 0, y: 0, width: 80, height: 1),
                          Rect(x: 0, y: 1, width: 80, height: 22),
                          Rect(x: 0, y: 23, width: 80, height: 1)])
    }

    @Test("horizontal split by percentage, with fills sharing the remainder, odd cells first")
    func horizontal() {
        let area = Rect(x: 2, y: 3, width: 101, height: 10)
        let parts = area.split(.horizontal, [.percentage(50), .fill, .fill])
        #expect(parts == [Rect(x: 2, y: 3, width: 50, height: 10),
                          Rect(x: 52, y: 3, width: 26, height: 10),
                          Rect(x: 78, y: 3, width: 25, height: 10)])
    }

    @Test("lengths are clamped when the area runs out, and no rect is negative")
    func clamped() {
        let parts = Rect(x: 0, y: 0, width: 10, height: 3).split(.vertical, [.length(2), .length(5), .fill])
        #expect(parts == [Rect(x: 0, y: 0, width: 10, height: 2),
                          Rect(x: 0, y: 2, width: 10, height: 1),
                          Rect(x: 0, y: 3, width: 10, height: 0)])
    }

    @Test("centered and inset rectangles")
    func centeredInset() {
        let area = Rect(x: 0, y: 0, width: 80, height: 24)
        #expect(area.centered(width: 40, height: 10) == Rect(x: 20, y: 7, width: 40, height: 10))
        #expect(area.inset() == Rect(x: 1, y: 1, width: 78, height: 22))
    }
}

@Suite("Wrapping")
struct WrapTests {
    @Test("words wrap by display width; long words break; paragraphs stay")
    func wrapping() {
        #expect(wrap("the quick brown fox", width: 10) == ["the quick", "brown fox"])
        #expect(wrap("東京東京東京", width: 5) == ["東京", "東京", "東京"])
        #expect(wrap("abcdefghij", width: 4) == ["abcd", "efgh", "ij"])
        #expect(wrap("one\n\ntwo", width: 10) == ["one", "", "two"])
        #expect(truncate("abcdef", width: 4) == "abc…")
    }
}
