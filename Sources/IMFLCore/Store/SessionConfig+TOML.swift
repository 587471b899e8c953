import Foundation
import TOMLKit

extension SessionConfig {
    /// Parses and validates a session.toml.
    /// - Parameter path: used in error messages only.
    /// - Throws: `SessionError.config` naming the file, the line when the TOML itself is
    ///   malformed, and the offending key.
    public static func parse(_ text: String, path: String) throws -> SessionConfig {
        // The TOML parser reads a C string: everything after a NUL would be dropped unread,
        // and the defaults would apply to the keys the file sets there.
        if let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex(where: { $0.contains("\0") }) {
            throw SessionError.config(path: path, line: line + 1, message: "a NUL byte; session.toml must be plain text")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw SessionError.config(path: path, line: error.source.begin.line, message: error.description)
        }
        var decoder = TOMLDecoder()
        decoder.strictDecoding = true
        let config: SessionConfig
        do {
            config = try decoder.decode(SessionConfig.self, from: table)
        } catch let error as UnexpectedKeysError {
            let keys = error.keys.values.map { path in path.map(\.stringValue).joined(separator: ".") }.sorted()
            throw SessionError.config(path: path, line: nil, message: "unknown key\(keys.count == 1 ? "" : "s") \(keys.joined(separator: ", "))")
        } catch let error as DecodingError {
            throw SessionError.config(path: path, line: nil, message: Self.describe(error, in: table))
        }
        try config.validate(path: path)
        return config
    }

    /// Reads and parses a session.toml file.
    public static func load(path: String) throws -> SessionConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SessionError.config(path: path, line: nil, message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            let bad = lines.firstIndex { String(data: Data($0), encoding: .utf8) == nil }
            throw SessionError.config(path: path, line: bad.map { $0 + 1 }, message: "bytes that are not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    /// Checks values that TOML types alone cannot: the range of every number (see
    /// `SettingRange`), the query strategy's name, and the label set (the schedule and the
    /// retrieval mode are enums, checked as they are decoded).
    public func validate(path: String) throws {
        func fail(_ message: String) -> SessionError { .config(path: path, line: nil, message: message) }
        if task.labels.count < 2 { throw fail("task.labels: at least 2 labels are needed, found \(task.labels.count)") }
        if Set(task.labels).count != task.labels.count { throw fail("task.labels: a label is listed twice") }
        if task.labels.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw fail("task.labels: a label is empty")
        }
        for setting in SettingRange.all {
            if let problem = setting.problem(in: self) { throw fail(problem) }
        }
        if QueryStrategyName(rawValue: query.strategy) == nil {
            let names = QueryStrategyName.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail("query.strategy must be one of \(names), got \"\(query.strategy)\"")
        }
        if let url = llm.baseURL, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw fail("llm.base_url must be an http(s) URL, got \"\(url)\"")
        }
        for (i, more) in budget.extensions.enumerated() {
            if !(1 ... 1_000_000).contains(more.total) { throw fail("budget.extend[\(i + 1)].total must be 1 to 1000000, got \(more.total)") }
            if !(1 ... 100).contains(more.rounds) { throw fail("budget.extend[\(i + 1)].rounds must be 1 to 100, got \(more.rounds)") }
        }
        if evaluation.sample < 1 { throw fail("evaluation.sample must be at least 1, got \(evaluation.sample)") }
    }

    private static func describe(_ error: DecodingError, in table: TOMLTable) -> String {
        func keyPath(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            var names = context.codingPath.map(\.stringValue)
            if names.last != key.stringValue { names.append(key.stringValue) }
            // TOMLKit reports a value of the wrong type as a missing key; tell them apart.
            var node: TOMLValueConvertible? = table
            for name in names { node = node?.table?[name] }
            if let node {
                return "\(names.joined(separator: ".")): wrong type (found \(Self.article(node.type)))"
            }
            return "missing key \(names.joined(separator: "."))"
        case .typeMismatch(let type, let context):
            return "\(keyPath(context)): expected \(Self.typeName(type))"
        case .valueNotFound(let type, let context):
            return "\(keyPath(context)): expected \(Self.typeName(type))"
        case .dataCorrupted(let context):
            return "\(keyPath(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func article(_ type: TOMLType) -> String {
        switch type {
        case .int: "an integer"
        case .array: "an array"
        default: "a \(type.rawValue)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is [String].Type: "a list of strings"
        default: "\(type)"
        }
    }
}

// MARK: - Writing

extension SessionConfig {
    /// The file `imfl init` writes: every setting with a comment, so the file documents itself.
    public func renderTOML() -> String {
        func s(_ value: String) -> String { TOMLText.quote(value) }
        func list(_ values: [String]) -> String { "[" + values.map(s).joined(separator: ", ") + "]" }
        var lines = [String]()
        lines += [
            "# imfl session settings. Every key but task.labels has a default.",
            "",
            "[task]",
            "name = \(s(task.name))",
            "# One phrase the LLM instruction uses: \"Classify <description>.\"",
            "description = \(s(task.description))",
            "labels = \(list(task.labels))",
        ]
        if let guidelines = task.guidelines { lines.append("guidelines = \(s(guidelines))") } else {
            lines.append("# guidelines = \"guidelines.md\"   # shown with `g`, added to the LLM instruction")
        }
        lines += [
            "",
            "[budget]",
            "total = \(budget.total)".commented("labels B, expert and LLM together"),
            "human_share = \(budget.humanShare)".commented("share of B labeled by the expert"),
            "rounds = \(budget.rounds)",
            "schedule = \(s(budget.schedule.sessionName))".commented("decay | equal | single"),
            "decay = \(budget.decay)".commented("ratio between successive expert batches"),
            "human_label_cost = \(budget.humanLabelCost)",
            "pipeline = \(s(budget.pipeline.rawValue))".commented("overlapped (the expert never waits) | sequential"),
        ]
        for more in budget.extensions { lines += ["", Self.extensionTOML(more)] }
        lines += [
            "",
            "[query]",
            "strategy = \(s(query.strategy))".commented("eeq | random | least-confidence | margin | entropy | score-difference"),
            "subsample_factor = \(query.subsampleFactor)",
            "seed = \(query.seed)",
            "",
            "[retrieval]",
            "k = \(retrieval.k)",
            "mode = \(s(retrieval.mode.rawValue))".commented("similar | random (the ablation) | none (zero-shot)"),
            "label_diverse = \(retrieval.labelDiverse)",
            "prompt_layout = \(s(retrieval.promptLayout.rawValue))"
                .commented(PromptLayout.allCases.map(\.rawValue).joined(separator: " | ")),
            "",
            "[embedder]",
            "model = \(s(embedder.model))",
        ]
        if let path = embedder.path { lines.append("path = \(s(path))") }
        lines += [
            "",
            "[llm]",
            "enabled = \(llm.enabled)".commented("false: LLM items wait (use human_share = 1 to label alone)"),
        ]
        if let url = llm.baseURL { lines.append("base_url = \(s(url))") } else {
            lines.append("# base_url = \"https://api.openai.com/v1\"   # unset: imfl's local llama.cpp server")
        }
        lines.append("model = \(s(llm.model))")
        if let env = llm.apiKeyEnv { lines.append("api_key_env = \(s(env))") } else {
            lines.append("# api_key_env = \"OPENAI_API_KEY\"   # the variable's name; the key stays in the environment")
        }
        lines += [
            "constraint = \(s(llm.constraint.rawValue))".commented("grammar | json_schema | none"),
            "max_concurrency = \(llm.maxConcurrency)".commented("LLM calls in flight at once"),
            "timeout_seconds = \(llm.timeoutSeconds)",
            "max_attempts = \(llm.maxAttempts)",
            "prompt_price_per_1k = \(llm.promptPricePer1K)",
            "completion_price_per_1k = \(llm.completionPricePer1K)",
            "shadow = \(llm.shadow)".commented("share of expert items the LLM also labels, to measure it (0: off)"),
            "route_doubtful = \(llm.routeDoubtful)".commented("share of an expert batch LLM labels in doubt may take (0: off)"),
            "",
            "[learner]",
            "llm_labels = \(s(learner.llmLabels.rawValue))".commented(LLMLabelUse.names),
            "",
            "[evaluation]",
            "sample = \(evaluation.sample)".commented("without --test: pool items held out for F1"),
            "",
            "[team]",
            "overlap = \(team.overlap)".commented("share of expert items a second expert labels too"),
            "adjudicators = \(list(team.adjudicators))".commented("experts who settle disagreements"),
            "claim_lease = \(team.claimLease)".commented("seconds a dead terminal's item stays claimed"),
            "",
            "[ui]",
            "theme = \(s(ui.theme))",
        ]
        if !ui.keys.isEmpty {
            lines.append("[ui.keys]")
            for (action, keys) in ui.keys.sorted(by: { $0.key < $1.key }) {
                lines.append("\(TOMLText.key(action)) = \(list(keys))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// The line with a trailing comment aligned at column 27.
    fileprivate func commented(_ comment: String) -> String {
        padding(toLength: Swift.max(count + 1, 26), withPad: " ", startingAt: 0) + "# " + comment
    }
}

/// TOML string and key quoting.
enum TOMLText {
    static func quote(_ value: String) -> String { value.quotedLiteral }

    static func key(_ key: String) -> String {
        let bare = key.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" }
        return bare && !key.isEmpty ? key : quote(key)
    }
}

extension SessionConfig {
    /// One `imfl extend` as session.toml records it: an array-of-tables entry under [budget],
    /// which may follow any table, so `imfl extend` appends it to the file as the user left it.
    public static func extensionTOML(_ more: Budget.Extension) -> String {
        """
        [[budget.extend]]         # added by imfl extend: labels spread over rounds after the planned ones
        total = \(more.total)
        rounds = \(more.rounds)
        """
    }
}

