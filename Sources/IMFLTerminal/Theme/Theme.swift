import Foundation
import TOMLKit

/// A terminal colour as a theme file names it.
public enum ThemeColor: Hashable, Sendable {
    /// The terminal's own foreground or background.
    case terminalDefault
    /// An xterm palette index, 0–255 (0–7 basic, 8–15 bright).
    case indexed(Int)
    case rgb(UInt8, UInt8, UInt8)

    static let names = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// Reads `default`, a colour name (`red`, `bright-blue`), a palette index, or `#rrggbb`.
    init?(toml value: any TOMLValueConvertible) {
        if let i = value.int {
            guard (0...255).contains(i) else { return nil }
            self = .indexed(i)
            return
        }
        guard let s = value.string?.lowercased() else { return nil }
        if s == "default" { self = .terminalDefault; return }
        if let i = Self.names.firstIndex(of: s) { self = .indexed(i); return }
        if s.hasPrefix("bright-"), let i = Self.names.firstIndex(of: String(s.dropFirst(7))) { self = .indexed(i + 8); return }
        if s.hasPrefix("#"), s.count == 7, let v = UInt32(s.dropFirst(), radix: 16) {
            self = .rgb(UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF))
            return
        }
        return nil
    }

    /// The curses colour number for a terminal with `colors` colours; -1 is the default.
    public func index(colors: Int) -> Int {
        switch self {
        case .terminalDefault: return -1
        case .indexed(let i):
            if i < colors { return i }
            if i < 16 { return i - 8 }
            return Self.nearestBasic(Self.rgbOf(i))
        case .rgb(let r, let g, let b):
            if colors >= 256 { return Self.cubeIndex(r, g, b) }
            return Self.nearestBasic((Int(r), Int(g), Int(b)))
        }
    }

    static func cubeIndex(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        func level(_ v: UInt8) -> Int { v < 48 ? 0 : v < 115 ? 1 : (Int(v) - 35) / 40 }
        return 16 + 36 * level(r) + 6 * level(g) + level(b)
    }

    static func rgbOf(_ index: Int) -> (Int, Int, Int) {
        if index >= 232 { let v = 8 + (index - 232) * 10; return (v, v, v) }
        let i = index - 16
        let steps = [0, 95, 135, 175, 215, 255]
        return (steps[i / 36], steps[i / 6 % 6], steps[i % 6])
    }

    static func nearestBasic(_ c: (Int, Int, Int)) -> Int {
        let basic = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229)]
        var best = 0, bestDistance = Int.max
        for (i, b) in basic.enumerated() {
            let d = (c.0 - b.0) * (c.0 - b.0) + (c.1 - b.1) * (c.1 - b.1) + (c.2 - b.2) * (c.2 - b.2)
            if d < bestDistance { best = i; bestDistance = d }
        }
        return best
    }
}

/// How a theme draws one role.
public struct RoleStyle: Hashable, Sendable {
    public var fg: ThemeColor = .terminalDefault
    public var bg: ThemeColor = .terminalDefault
    public var bold = false
    public var dim = false
    public var underline = false
    public var reverse = false
    public var italic = false

    public init(fg: ThemeColor = .terminalDefault, bg: ThemeColor = .terminalDefault, bold: Bool = false,
                dim: Bool = false, underline: Bool = false, reverse: Bool = false, italic: Bool = false) {
        self.fg = fg
        self.bg = bg
        self.bold = bold
        self.dim = dim
        self.underline = underline
        self.reverse = reverse
        self.italic = italic
    }
}

/// A theme file that cannot be used, with the file, the line when known, and the problem.
public struct ThemeError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var problem: String
    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(problem)"
    }
}

/// The colours of every role. Views pick roles; the terminal adapter asks the theme how to
/// draw each one. Roles a file leaves out are drawn like `text`.
public struct Theme: Sendable, Equatable {
    public var name: String
    public var roles: [Role: RoleStyle]

    public init(name: String, roles: [Role: RoleStyle]) {
        self.name = name
        self.roles = roles
    }

    public func style(for role: Role) -> RoleStyle {
        roles[role] ?? roles[.text] ?? RoleStyle()
    }

    /// A theme that needs no file: attributes only, for when no themes directory is found.
    public static let plain = Theme(name: "plain", roles: [
        .text: RoleStyle(), .dim: RoleStyle(dim: true), .accent: RoleStyle(bold: true),
        .title: RoleStyle(bold: true), .selection: RoleStyle(reverse: true),
        .human: RoleStyle(), .llm: RoleStyle(italic: true), .override: RoleStyle(underline: true),
        .warning: RoleStyle(bold: true), .error: RoleStyle(bold: true, reverse: true), .chart: RoleStyle(),
    ])

    // MARK: - Theme files

    /// Parses a theme file:
    ///
    ///     name = "dark"
    ///     [roles]
    ///     text = { fg = "white" }
    ///     accent = { fg = "bright-cyan", bold = true }
    ///     label-1 = { fg = 33 }
    ///     selection = { fg = "black", bg = "#87afff" }
    ///
    /// - Throws: `ThemeError` naming `file`, the line and the problem: a TOML syntax error, an
    ///   unknown role, an unknown colour, an attribute that is not a boolean, a missing `text`.
    public static func parse(toml: String, file: String) throws -> Theme {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: toml)
        } catch let error as TOMLParseError {
            throw ThemeError(file: file, line: error.source.begin.line, problem: error.description)
        } catch {
            throw ThemeError(file: file, line: nil, problem: "\(error)")
        }
        func lineOf(_ key: String) -> Int? {
            for (i, line) in toml.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let t = line.drop(while: { $0 == " " || $0 == "\t" })
                if t.hasPrefix(key + " ") || t.hasPrefix(key + "=") || t.hasPrefix("\"\(key)\"") || t.hasPrefix("[roles.\(key)]") {
                    return i + 1
                }
            }
            return nil
        }
        let name = table["name"]?.string ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        guard let rolesValue = table["roles"], let rolesTable = rolesValue.table else {
            throw ThemeError(file: file, line: nil, problem: "missing [roles] table")
        }
        var roles: [Role: RoleStyle] = [:]
        let attributes = ["bold", "dim", "underline", "reverse", "italic"]
        for (key, value) in rolesTable {
            guard let role = Role(name: key) else {
                let known = Role.all.map(\.name).joined(separator: ", ")
                throw ThemeError(file: file, line: lineOf(key), problem: "unknown role \"\(key)\"; roles are \(known)")
            }
            guard let spec = value.table else {
                throw ThemeError(file: file, line: lineOf(key), problem: "role \(key) must be a table such as { fg = \"cyan\", bold = true }")
            }
            var style = RoleStyle()
            for (field, v) in spec {
                switch field {
                case "fg", "bg":
                    guard let color = ThemeColor(toml: v) else {
                        throw ThemeError(file: file, line: lineOf(key), problem: "role \(key): \(field) = \(v.debugDescription) is not a colour (use default, a name such as red or bright-blue, 0–255, or #rrggbb)")
                    }
                    if field == "fg" { style.fg = color } else { style.bg = color }
                case _ where attributes.contains(field):
                    guard let b = v.bool else {
                        throw ThemeError(file: file, line: lineOf(key), problem: "role \(key): \(field) must be true or false")
                    }
                    switch field {
                    case "bold": style.bold = b
                    case "dim": style.dim = b
                    case "underline": style.underline = b
                    case "reverse": style.reverse = b
                    default: style.italic = b
                    }
                default:
                    throw ThemeError(file: file, line: lineOf(key), problem: "role \(key): unknown field \"\(field)\" (fields are fg, bg, \(attributes.joined(separator: ", ")))")
                }
            }
            roles[role] = style
        }
        guard roles[.text] != nil else {
            throw ThemeError(file: file, line: nil, problem: "the text role is missing; every theme sets [roles] text")
        }
        return Theme(name: name, roles: roles)
    }

    /// Loads a theme by name (`dark` → `themes/dark.toml`, searched in `directories`) or by
    /// path (anything ending in `.toml`).
    /// - Throws: `ThemeError` when the file is missing, unreadable or broken.
    public static func load(_ nameOrPath: String, directories: [String]) throws -> Theme {
        let path: String
        if nameOrPath.hasSuffix(".toml") || nameOrPath.contains("/") {
            path = nameOrPath
        } else if let found = directories.map({ $0 + "/" + nameOrPath + ".toml" }).first(where: { FileManager.default.fileExists(atPath: $0) }) {
            path = found
        } else {
            let available = directories.flatMap { (try? FileManager.default.contentsOfDirectory(atPath: $0)) ?? [] }
                .filter { $0.hasSuffix(".toml") }.map { String($0.dropLast(5)) }.sorted()
            throw ThemeError(file: nameOrPath, line: nil, problem: "no such theme in \(directories.joined(separator: ", "))" + (available.isEmpty ? "" : "; available: \(available.joined(separator: ", "))"))
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ThemeError(file: path, line: nil, problem: "cannot read the theme file (\(error.localizedDescription))")
        }
        return try parse(toml: text, file: path)
    }

    /// Where themes are looked for: `$IMFL_THEMES`, `./themes`, and `themes/` beside or above
    /// the executable (a SwiftPM build puts it in `.build/<config>/`).
    public static func searchDirectories(executable: String = CommandLine.arguments.first ?? "") -> [String] {
        var dirs: [String] = []
        if let env = ProcessInfo.processInfo.environment["IMFL_THEMES"], !env.isEmpty { dirs.append(env) }
        dirs.append(FileManager.default.currentDirectoryPath + "/themes")
        var url = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            dirs.append(url.appendingPathComponent("themes").path)
            url.deleteLastPathComponent()
        }
        return dirs
    }
}
