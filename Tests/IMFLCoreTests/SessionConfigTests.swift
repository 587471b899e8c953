import Testing
@testable import IMFLCore

@Suite struct SessionConfigTests {
    @Test func aMinimalFileTakesEveryDefault() throws {
        let config = try SessionConfig.parse("[task]\nlabels = [\"yes\", \"no\"]\n", path: "session.toml")
        #expect(config.task.labels == ["yes", "no"])
        #expect(config.budget.total == 1000)
        #expect(config.budget.humanShare == 0.2)
        #expect(config.budget.rounds == 5)
        #expect(config.retrieval.k == 5)
        #expect(config.llm.enabled && config.llm.usesLocalServer)
    }

    @Test func theRenderedFileParsesBackToTheSameSettings() throws {
        var config = SessionConfig(task: .init(name: "fpb \"x\"", description: "news\tsentiment", labels: ["a", "b\\c"]))
        config.budget.total = 300
        config.budget.schedule = .single
        config.retrieval.mode = .random
        config.retrieval.labelDiverse = true
        config.llm.baseURL = "https://api.example.com/v1"
        config.llm.constraint = .jsonSchema
        config.llm.apiKeyEnv = "OPENAI_API_KEY"
        config.team.overlap = 0.25
        config.team.adjudicators = ["lead", "ana"]
        config.ui.keys = ["undo": ["u", "ctrl-z"]]
        #expect(try SessionConfig.parse(config.renderTOML(), path: "s.toml") == config)
    }

    @Test func malformedTOMLNamesTheLine() throws {
        #expect {
            try SessionConfig.parse("[task]\nlabels = [\"a\", \"b\"]\nbudget = = 3\n", path: "session.toml")
        } throws: { error in
            guard case .config(let path, let line, _) = error as? SessionError else { return false }
            return path == "session.toml" && line == 3
        }
    }

    @Test func teamSettingsParseAndBadOnesAreRefusedWithTheirKey() throws {
        let config = try SessionConfig.parse(
            "[task]\nlabels = [\"a\", \"b\"]\n[team]\noverlap = 0.1\nadjudicators = [\"lead\"]\n", path: "session.toml")
        #expect(config.team.overlap == 0.1)
        #expect(config.team.adjudicators == ["lead"])
        #expect(try config.engineConfiguration().overlap == 0.1)
        #expect(try config.engineConfiguration().adjudicators == ["lead"])
        #expect(throws: SessionError.self) {
            try SessionConfig.parse("[task]\nlabels = [\"a\", \"b\"]\n[team]\noverlap = 1.5\n", path: "session.toml")
        }
        do {
            _ = try SessionConfig.parse("[task]\nlabels = [\"a\", \"b\"]\n[team]\nadjudicators = [\" \"]\n", path: "session.toml")
            Issue.record("an empty adjudicator name was accepted")
        } catch let SessionError.config(_, _, message) {
            #expect(message.contains("team.adjudicators"))
        }
    }

    @Test func anUnknownKeyIsRefused() throws {
        #expect(throws: SessionError.config(path: "session.toml", line: nil, message: "unknown key budget.totl")) {
            try SessionConfig.parse("[task]\nlabels = [\"a\", \"b\"]\n[budget]\ntotl = 3\n", path: "session.toml")
        }
    }

    @Test func aWrongTypeNamesTheKey() throws {
        #expect(throws: SessionError.config(path: "session.toml", line: nil, message: "budget.total: wrong type (found a string)")) {
            try SessionConfig.parse("[task]\nlabels = [\"a\", \"b\"]\n[budget]\ntotal = \"many\"\n", path: "session.toml")
        }
    }

    @Test(arguments: [
        ("[task]\nlabels = [\"a\"]\n", "task.labels: at least 2 labels are needed, found 1"),
        ("[task]\nlabels = [\"a\", \"a\"]\n", "task.labels: a label is listed twice"),
        ("[task]\nlabels = [\"a\", \"b\"]\n[budget]\nhuman_share = 1.5\n", "budget.human_share (--human-share) must be a number from 0 to 1, got 1.5"),
        ("[task]\nlabels = [\"a\", \"b\"]\n[budget]\nschedule = \"fast\"\n", "budget.schedule: must be decay, equal or single, got \"fast\""),
        ("[task]\nlabels = [\"a\", \"b\"]\n[retrieval]\nmode = \"nearest\"\n", "retrieval.mode: must be similar, random or none, got \"nearest\""),
        ("[task]\nlabels = [\"a\", \"b\"]\n[llm]\nbase_url = \"nowhere\"\n", "llm.base_url must be an http(s) URL, got \"nowhere\""),
        ("[task]\nlabels = [\"a\", \"b\"]\n[llm]\nk = 3\n", "unknown key llm.k"),
        ("[budget]\ntotal = 3\n", "missing key task"),
    ])
    func invalidValuesAreRefused(text: String, message: String) throws {
        #expect(throws: SessionError.config(path: "session.toml", line: nil, message: message)) {
            try SessionConfig.parse(text, path: "session.toml")
        }
    }
}
