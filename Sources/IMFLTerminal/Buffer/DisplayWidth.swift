/// Display width of text in terminal columns. East Asian wide characters and emoji take two
/// columns, combining marks and joiners none. The table is our own rather than libc's
/// `wcwidth`, which depends on the process locale and would make buffer tests locale-dependent.
public enum DisplayWidth {
    /// Columns taken by one grapheme cluster: 0, 1 or 2.
    public static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let base = scalars.first else { return 0 }
        var width = scalarWidth(base)
        if width == 0 { return 0 }
        for scalar in scalars.dropFirst() {
            if scalarWidth(scalar) == 2 { width = 2 }
            // VS16 asks for emoji presentation of a text-default symbol such as ❤ or ☀.
            if scalar.value == 0xFE0F, base.properties.isEmoji { width = 2 }
        }
        return width
    }

    /// Columns taken by a string.
    public static func of(_ text: String) -> Int {
        var total = 0
        for c in text { total += of(c) }
        return total
    }

    /// Columns taken by a single scalar, ignoring the cluster it sits in.
    public static func scalarWidth(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x20 || (0x7F..<0xA0).contains(v) { return 0 }
        if v < 0x300 { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if v == 0x200B { return 0 }
        if scalar.properties.isEmojiPresentation { return 2 }
        for range in wideRanges where range.contains(v) { return 2 }
        return 1
    }

    /// East Asian Wide and Fullwidth blocks (Unicode UAX #11), coarse but covering CJK, Hangul,
    /// kana, fullwidth forms and the supplementary ideograph planes.
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF,
        0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
        0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
        0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]
}
