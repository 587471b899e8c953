import CNcursesw
import Foundation

/// Why the terminal could not be started, in words for the user.
public struct TerminalError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// How many colours the adapter uses.
public enum ColorMode: Sendable, Equatable {
    case none, basic8, full256

    /// `NO_COLOR` (any non-empty value, see no-color.org) turns colour off; otherwise the
    /// terminal's reported colour count decides.
    public static func choose(environment: [String: String], hasColors: Bool, colors: Int) -> ColorMode {
        if let v = environment["NO_COLOR"], !v.isEmpty { return .none }
        guard hasColors else { return .none }
        return colors >= 256 ? .full256 : .basic8
    }
}

/// The only code that calls ncurses. It starts curses without letting it exit the process,
/// turns key codes into `Key`s, and writes the cells of `diff(prev, next)`. Main thread only.
@MainActor
public final class Terminal {
    public private(set) var width: Int
    public private(set) var height: Int
    public let colorMode: ColorMode
    private let theme: Theme
    private var screen: OpaquePointer?
    private var pairs: [PairKey: Int16] = [:]
    private var styles: [Style: (attr_t, Int16)] = [:]
    private var previous = Buffer(width: 0, height: 0)
    private var open = true

    private struct PairKey: Hashable { var fg: Int; var bg: Int }

    /// Starts curses.
    /// - Throws: `TerminalError` when stdin/stdout is not a terminal, TERM is unset, not in
    ///   the terminfo database or cannot address the cursor (`dumb`), or curses cannot start;
    ///   the terminal is left untouched.
    public init(theme: Theme) throws {
        guard isatty(0) == 1, isatty(1) == 1 else {
            throw TerminalError("imfl's labeling UI needs an interactive terminal: stdin and stdout must be a TTY")
        }
        guard let term = ProcessInfo.processInfo.environment["TERM"], !term.isEmpty else {
            throw TerminalError("TERM is not set, so imfl cannot tell what your terminal can do; set it, for example: export TERM=xterm-256color")
        }
        switch imfl_check_term(term) {
        case 1: break
        case 0: throw TerminalError("TERM=\(term) is not in the terminfo database; use a known type such as xterm-256color, or install its terminfo entry (Debian: ncurses-term)")
        default: throw TerminalError("no terminfo database was found for TERM=\(term); install ncurses-base or set TERMINFO")
        }
        guard imfl_has_cursor_addressing() == 1 else {
            throw TerminalError("TERM=\(term) cannot place text on the screen (no cursor addressing), so imfl could not show the items you label; use a full-screen terminal type such as xterm-256color")
        }
        setlocale(LC_ALL, "")
        if imfl_codeset_is_utf8() == 0 {
            // Wide characters need a UTF-8 C library locale; C.UTF-8 exists on every glibc.
            setlocale(LC_CTYPE, "C.UTF-8")
        }
        guard let screen = imfl_newterm(term) else {
            throw TerminalError("curses could not start on TERM=\(term)")
        }
        self.screen = screen
        cbreak()
        noecho()
        nonl()
        imfl_keypad_on()
        curs_set(0)
        set_escdelay(25)
        colorMode = ColorMode.choose(environment: ProcessInfo.processInfo.environment,
                                     hasColors: imfl_has_colors() == 1, colors: Int(imfl_colors()))
        if colorMode != .none {
            start_color()
            use_default_colors()
        }
        self.theme = theme
        width = Int(imfl_getmaxx(imfl_stdscr()))
        height = Int(imfl_getmaxy(imfl_stdscr()))
    }

    /// Restores the terminal. Safe to call twice.
    public func close() {
        guard open else { return }
        open = false
        curs_set(1)
        endwin()
        if let screen { delscreen(screen) }
        screen = nil
    }

    /// True once the terminal has gone away (the window or SSH connection was closed): curses
    /// reads end-of-file, or an error, at once on every call, so waiting for keys would spin.
    public private(set) var inputClosed = false

    /// Waits up to `timeoutMs` for a key. A resize comes back as `.resize`. Returns nil on a
    /// timeout, and also when input has ended, which sets `inputClosed`.
    public func readInput(timeoutMs: Int32) -> Msg? {
        imfl_timeout(timeoutMs)
        var code: UInt32 = 0
        let r = imfl_get_wch(&code)
        if r == imfl_err() {
            if Self.standardInputHungUp() { inputClosed = true }
            return nil
        }
        if r == imfl_key_code_yes() {
            let c = Int32(bitPattern: code)
            if c == imfl_key_resize() {
                width = Int(imfl_getmaxx(imfl_stdscr()))
                height = Int(imfl_getmaxy(imfl_stdscr()))
                previous = Buffer(width: 0, height: 0)
                imfl_clearok()
                return .resize(width: width, height: height)
            }
            return Self.functionKey(c).map(Msg.key)
        }
        return Self.characterKey(code).map(Msg.key)
    }

    /// Whether standard input reports a hang-up or an error: a pseudo-terminal whose other
    /// end was closed (tmux kill-session, a dropped SSH link) or a hung-up tty. A timeout on a
    /// live terminal reports neither.
    nonisolated static func standardInputHungUp() -> Bool {
        var fd = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        let r = poll(&fd, 1, 0)
        if r < 0 { return errno != EINTR && errno != EAGAIN }
        return fd.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
    }

    static func functionKey(_ c: Int32) -> Key? {
        switch c {
        case KEY_UP: .up
        case KEY_DOWN: .down
        case KEY_LEFT: .left
        case KEY_RIGHT: .right
        case KEY_HOME: .home
        case KEY_END: .end
        case KEY_NPAGE: .pageDown
        case KEY_PPAGE: .pageUp
        case KEY_BTAB: .backTab
        case KEY_BACKSPACE: .backspace
        case KEY_DC: .delete
        case KEY_ENTER: .enter
        default:
            (1...12).first { imfl_key_f(Int32($0)) == c }.map { .function($0) }
        }
    }

    static func characterKey(_ code: UInt32) -> Key? {
        switch code {
        case 27: return .escape
        case 9: return .tab
        case 10, 13: return .enter
        case 8, 127: return .backspace
        case 1...26: return .ctrl(Character(Unicode.Scalar(UInt8(code) + 96)))
        default:
            guard let scalar = Unicode.Scalar(code) else { return nil }
            return .char(Character(scalar))
        }
    }

    /// Writes the cells that changed since the last frame and shows them.
    public func draw(_ next: Buffer) {
        for update in diff(previous, next) where !update.cell.isContinuation {
            let (attrs, pair) = cursesStyle(update.cell.style)
            let columns = update.cell.symbol.first.map(DisplayWidth.of) ?? 1
            for part in Self.cursesParts(update.cell.symbol, columns: max(1, columns), width: { Int(imfl_wcwidth($0.value)) }) {
                let wide = part.scalars.map { wchar_t(bitPattern: $0.value) }
                wide.withUnsafeBufferPointer { p in
                    _ = imfl_put_cluster(Int32(update.y), Int32(update.x + part.offset), p.baseAddress, Int32(p.count), attrs, pair)
                }
            }
        }
        previous = next
        refresh()
    }

    /// One `cchar_t` to write: a spacing character and the zero-width marks on it.
    struct CursesPart: Equatable {
        var offset: Int
        var scalars: [Unicode.Scalar]
    }

    /// Splits one grapheme cluster that the buffer measured as `columns` wide into what curses
    /// can write so that exactly `columns` cells are painted.
    ///
    /// curses holds one spacing character per cell, so a cluster of several spacing characters
    /// (an emoji with a skin-tone modifier, a ZWJ family, a flag's two regional indicators) is
    /// refused whole, which left the previous frame's cells on screen. Instead each spacing
    /// character starts a part, zero-width marks stay on theirs, joiners are dropped, parts that
    /// would pass `columns` are left out and blanks fill what the parts do not cover.
    /// - Parameter width: the terminal's width of a scalar (wcwidth).
    nonisolated static func cursesParts(_ symbol: String, columns: Int, width: (Unicode.Scalar) -> Int) -> [CursesPart] {
        var parts: [CursesPart] = []
        var column = 0
        var skipping = false
        for scalar in symbol.unicodeScalars where scalar.value != 0x200D {
            let w = width(scalar)
            if w <= 0 {
                if !skipping, !parts.isEmpty, parts[parts.count - 1].scalars.count < 5 { parts[parts.count - 1].scalars.append(scalar) }
                continue
            }
            guard column + w <= columns else { skipping = true; continue }
            skipping = false
            parts.append(CursesPart(offset: column, scalars: [scalar]))
            column += w
        }
        while column < columns {
            parts.append(CursesPart(offset: column, scalars: [" "]))
            column += 1
        }
        return parts
    }

    private func cursesStyle(_ style: Style) -> (attr_t, Int16) {
        if let cached = styles[style] { return cached }
        let r = theme.style(for: style.role)
        var attrs = imfl_a_normal()
        if r.bold || style.emphasis.contains(.bold) { attrs |= imfl_a_bold() }
        if r.dim { attrs |= imfl_a_dim() }
        if r.underline || style.emphasis.contains(.underline) { attrs |= imfl_a_underline() }
        if r.reverse != style.emphasis.contains(.reverse) { attrs |= imfl_a_reverse() }
        if r.italic { attrs |= imfl_a_italic() }
        var pair: Int16 = 0
        if colorMode != .none {
            let colors = colorMode == .full256 ? 256 : 8
            let key = PairKey(fg: r.fg.index(colors: colors), bg: r.bg.index(colors: colors))
            if key.fg != -1 || key.bg != -1 {
                if let p = pairs[key] {
                    pair = p
                } else if pairs.count + 1 < Int(imfl_color_pairs()) {
                    pair = Int16(pairs.count + 1)
                    init_pair(pair, Int16(key.fg), Int16(key.bg))
                    pairs[key] = pair
                }
            }
        } else if r.fg != .terminalDefault && !r.bold && !r.reverse && style.emphasis.isEmpty && style.role != .text {
            // Without colour, roles that differ only by colour keep a visible difference.
            attrs |= imfl_a_bold()
        }
        styles[style] = (attrs, pair)
        return (attrs, pair)
    }
}
