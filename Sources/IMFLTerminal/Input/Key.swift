/// A key press as the UI sees it, independent of curses key codes.
public enum Key: Hashable, Sendable, CustomStringConvertible {
    /// A printable character, space included.
    case char(Character)
    /// Control plus a letter, e.g. `.ctrl("c")`.
    case ctrl(Character)
    case enter, escape, tab, backTab, backspace, delete
    case up, down, left, right, home, end, pageUp, pageDown
    case function(Int)

    /// Parses a key as written in a keymap file: a single character (`j`, `?`, `A`), or a
    /// name: `space`, `enter`, `esc`, `tab`, `shift-tab`, `backspace`, `delete`, `up`, `down`,
    /// `left`, `right`, `home`, `end`, `pgup`, `pgdn`, `f1`…`f12`, `ctrl-x`.
    public init?(spec: String) {
        let s = spec.trimmedSpaces
        if s.count == 1, let c = s.first { self = .char(c); return }
        let lower = s.lowercased()
        switch lower {
        case "space": self = .char(" ")
        case "enter", "return": self = .enter
        case "esc", "escape": self = .escape
        case "tab": self = .tab
        case "shift-tab", "backtab": self = .backTab
        case "backspace": self = .backspace
        case "delete", "del": self = .delete
        case "up": self = .up
        case "down": self = .down
        case "left": self = .left
        case "right": self = .right
        case "home": self = .home
        case "end": self = .end
        case "pgup", "pageup": self = .pageUp
        case "pgdn", "pagedown": self = .pageDown
        default:
            if lower.hasPrefix("ctrl-"), lower.count == 6, let c = lower.last, c.isLetter {
                self = .ctrl(c)
            } else if lower.hasPrefix("f"), let n = Int(lower.dropFirst()), (1...12).contains(n) {
                self = .function(n)
            } else {
                return nil
            }
        }
    }

    /// How the key is shown in the footer and the help overlay.
    public var description: String {
        switch self {
        case .char(" "): "Space"
        case .char(let c): String(c)
        case .ctrl(let c): "^" + c.uppercased()
        case .enter: "Enter"
        case .escape: "Esc"
        case .tab: "Tab"
        case .backTab: "S-Tab"
        case .backspace: "Bksp"
        case .delete: "Del"
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .home: "Home"
        case .end: "End"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .function(let n): "F\(n)"
        }
    }
}

extension String {
    fileprivate var trimmedSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
