import Testing
@testable import IMFLTerminal

/// Regression for issue 14: emoji with modifiers, ZWJ families and flags were handed to curses
/// whole, which refuses a cell of several spacing characters, so the previous frame's cells
/// stayed on screen. Each cluster now paints exactly the columns the buffer measured.
@Suite("Grapheme clusters written to curses")
struct CursesPartsTests {
    /// glibc's wcwidth for the scalars below, so the test does not depend on the locale.
    static func wcwidth(_ s: Unicode.Scalar) -> Int {
        switch s.value {
        case 0x200D, 0xFE0F, 0x0301: 0
        case 0x1F1E6 ... 0x1F1FF: 1
        case 0x1F300 ... 0x1FAFF: 2
        case 0x2764: 1
        default: 1
        }
    }

    func columns(_ cluster: String) -> Int { DisplayWidth.of(Character(cluster)) }

    func painted(_ parts: [Terminal.CursesPart]) -> Int {
        parts.map { p in p.scalars.first.map(Self.wcwidth) ?? 0 }.reduce(0, +)
    }

    @Test("each cluster paints exactly the columns the buffer measured", arguments: [
        "👍🏽", "👨‍👩‍👧‍👦", "🇺🇸", "❤️", "é", "e\u{301}", "a", "漢",
    ])
    func paintsMeasuredColumns(cluster: String) {
        let width = columns(cluster)
        let parts = Terminal.cursesParts(cluster, columns: width, width: Self.wcwidth)
        #expect(painted(parts) == width, "\(parts)")
        #expect(parts.allSatisfy { $0.scalars.count <= 5 && !$0.scalars.contains("\u{200D}") })
        #expect(parts.map(\.offset) == parts.indices.reduce(into: [Int]()) { acc, i in
            acc.append(i == 0 ? 0 : acc[i - 1] + Self.wcwidth(parts[i - 1].scalars[0]))
        })
    }

    @Test("a ZWJ family keeps its first person; a flag keeps both regional indicators")
    func whatIsKept() {
        let family = Terminal.cursesParts("👨‍👩‍👧‍👦", columns: 2, width: Self.wcwidth)
        #expect(family == [Terminal.CursesPart(offset: 0, scalars: ["👨"])])
        let flag = Terminal.cursesParts("🇺🇸", columns: 2, width: Self.wcwidth)
        #expect(flag == [Terminal.CursesPart(offset: 0, scalars: ["\u{1F1FA}"]), Terminal.CursesPart(offset: 1, scalars: ["\u{1F1F8}"])])
        let heart = Terminal.cursesParts("❤️", columns: 2, width: Self.wcwidth)
        #expect(heart == [Terminal.CursesPart(offset: 0, scalars: ["\u{2764}", "\u{FE0F}"]), Terminal.CursesPart(offset: 1, scalars: [" "])])
    }
}
