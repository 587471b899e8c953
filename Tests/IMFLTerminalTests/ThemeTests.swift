import Foundation
import Testing
@testable import IMFLTerminal

/// The repository's `themes/` directory, found from this file's path.
let themesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("themes").path

@Suite("Themes")
struct ThemeTests {
    @Test("every shipped theme parses and sets every role", arguments: ["default", "dark", "light", "high-contrast", "monochrome"])
    func shippedThemes(name: String) throws {
        let theme = try Theme.load(name, directories: [themesDirectory])
        #expect(theme.name == name)
        for role in Role.all {
            #expect(theme.roles[role] != nil, "\(name) does not set \(role.name)")
        }
    }

    @Test("the monochrome theme uses no colour at all")
    func monochrome() throws {
        let theme = try Theme.load("monochrome", directories: [themesDirectory])
        #expect(theme.roles.values.allSatisfy { $0.fg == .terminalDefault && $0.bg == .terminalDefault })
        #expect(theme.style(for: .selection).reverse)
    }

    @Test("colours: names, bright names, indices and #rrggbb, down-converted for 8-colour terminals")
    func colours() throws {
        let theme = try Theme.parse(toml: """
            [roles]
            text = { fg = "red", bg = "default" }
            accent = { fg = "bright-blue" }
            chart = { fg = 208 }
            dim = { fg = "#5fafff" }
            """, file: "t.toml")
        #expect(theme.style(for: .text).fg == .indexed(1))
        #expect(theme.style(for: .accent).fg.index(colors: 8) == 4)
        #expect(theme.style(for: .chart).fg.index(colors: 256) == 208)
        #expect(theme.style(for: .chart).fg.index(colors: 8) == 3)    // orange → yellow
        #expect(theme.style(for: .dim).fg.index(colors: 256) == 75)
        #expect(theme.style(for: .warning) == theme.style(for: .text))  // unset roles draw as text
    }

    @Test("a broken theme names the file, the line and the problem", arguments: [
        ("[roles]\ntext = {}\nsparkle = { fg = \"red\" }\n", "broken.toml:3: unknown role \"sparkle\""),
        ("[roles]\ntext = { fg = \"purple-ish\" }\n", "broken.toml:2: role text: fg = \"purple-ish\" is not a colour"),
        ("[roles]\ntext = { fg = 300 }\n", "broken.toml:2: role text: fg = 300 is not a colour"),
        ("[roles]\ntext = { bold = \"yes\" }\n", "broken.toml:2: role text: bold must be true or false"),
        ("[roles]\naccent = { bold = true }\n", "broken.toml: the text role is missing"),
        ("name = \"x\"\n", "broken.toml: missing [roles] table"),
        ("[roles]\ntext = { fg = \"red\" \n", "broken.toml:2:"),
        ("[roles]\ntext = { colour = \"red\" }\n", "broken.toml:2: role text: unknown field \"colour\""),
    ])
    func brokenThemes(toml: String, expected: String) {
        do {
            _ = try Theme.parse(toml: toml, file: "broken.toml")
            Issue.record("expected an error for \(toml)")
        } catch let error as ThemeError {
            #expect(error.description.hasPrefix(expected), "got: \(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("an unknown theme name lists the available ones")
    func unknownName() {
        #expect(throws: ThemeError.self) { try Theme.load("neon", directories: [themesDirectory]) }
        do {
            _ = try Theme.load("neon", directories: [themesDirectory])
        } catch {
            #expect("\(error)".contains("available: dark, default, high-contrast, light, monochrome"))
        }
    }

    @Test("NO_COLOR turns colour off; 256 colours when the terminal has them, else 8")
    func colourModes() {
        #expect(ColorMode.choose(environment: ["NO_COLOR": "1"], hasColors: true, colors: 256) == .none)
        #expect(ColorMode.choose(environment: ["NO_COLOR": ""], hasColors: true, colors: 256) == .full256)
        #expect(ColorMode.choose(environment: [:], hasColors: true, colors: 8) == .basic8)
        #expect(ColorMode.choose(environment: [:], hasColors: false, colors: 0) == .none)
    }
}

@Suite("Keymap")
struct KeyMapTests {
    @Test("key specs read names, control keys and function keys")
    func keySpecs() {
        #expect(Key(spec: "j") == .char("j"))
        #expect(Key(spec: "ctrl-s") == .ctrl("s"))
        #expect(Key(spec: "PgDn") == .pageDown)
        #expect(Key(spec: "space") == .char(" "))
        #expect(Key(spec: "f2") == .function(2))
        #expect(Key(spec: "hyper-x") == nil)
    }

    @Test("label keys are 1–9 then the letters no binding uses")
    func labelKeys() {
        let keys = KeyMap.standard.labelKeys(count: 30)
        #expect(Array(keys.prefix(10)) == Key.chars("123456789b"))
        #expect(!keys.contains(.char("s")) && !keys.contains(.char("u")) && !keys.contains(.char("a")))
        #expect(keys.count == 26)
    }

    @Test("an override rebinds dispatch, the footer and the help overlay, and frees the old key for labels")
    func overrideDrivesEverything() throws {
        // Given skip moved from s to x
        let map = try KeyMap.standard.overriding(toml: "[keys]\nskip = [\"x\", \"ctrl-k\"]\n", file: "session.toml")
        #expect(map.binding(for: .char("x"), on: .label)?.action == .skip)
        #expect(map.binding(for: .char("s"), on: .label) == nil)
        #expect(map.labelKeys(count: 30).contains(.char("s")))
        #expect(!map.labelKeys(count: 30).contains(.char("x")))

        // When the UI runs with it
        var session = ScriptedSession.demo()
        var state = AppState(keymap: map)
        session.start(&state)
        press([.char("x")], &session, &state)

        // Then x skips, and the footer and help overlay show x
        #expect(state.label.item?.itemID == 2)
        #expect(render(state).line(23).contains("x/^K skip"))
        press([.char("?")], &session, &state)
        #expect(render(state).lines.contains { $0.contains("x/^K") && $0.contains("skip") })
    }

    @Test("bad overrides name the file and the problem", arguments: [
        ("[keys]\njump = \"x\"\n", "session.toml: unknown action \"jump\""),
        ("[keys]\nskip = \"hyper-x\"\n", "session.toml: [keys] skip: cannot read key \"hyper-x\""),
        ("[keys]\nskip = \"u\"\n", "session.toml: key u is bound to both"),
        ("[keys]\nskip = 3\n", "session.toml: [keys] skip: expected a key or a list of keys"),
        ("keys = 1\n", "session.toml: keys must be a table"),
        ("[keys\n", "session.toml: line 1:"),
    ])
    func badOverrides(toml: String, expected: String) {
        do {
            _ = try KeyMap.standard.overriding(toml: toml, file: "session.toml")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".hasPrefix(expected), "got: \(error)")
        }
    }
}
