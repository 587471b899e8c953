import ArgumentParser
import Foundation
import IMFLCore

/// `imfl init`: creates a session folder, or a shared session on PostgreSQL, from a pool file
/// and, optionally, a test file.
struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a session from a pool file and, optionally, a labeled test file (JSONL or CSV).",
        discussion: """
            JSONL lines are {"id", "text", "label"} objects (id and label optional in the pool). \
            CSV files need a header row. Nothing is created when a file has a problem: every \
            problem is listed with its file and line.
            """)

    @Argument(help: "The session folder to create, e.g. sessions/fpb, or a shared session's URL, postgres://USER@HOST:PORT/DB?session=NAME (the password comes from PGPASSWORD or ~/.pgpass).")
    var folder: String

    @Option(help: "The unlabeled pool (JSONL or CSV).")
    var pool: String

    @Option(help: "The labeled test split used for F1 (JSONL or CSV). Without it, imfl holds out a random evaluation sample of the pool that the expert labels during the session.")
    var test: String?

    @Option(help: "Without --test: pool items held out at random for the evaluation sample.")
    var evaluationSample = EvaluationSample.defaultSize

    @Option(help: "The label set, comma-separated, in key order (default: the test file's labels, sorted; without --test, the pool's).")
    var labels: String?

    @Option(help: "Read the files as jsonl or csv (default: from the file extension).")
    var format: DatasetFormatArgument?

    @Option(help: "CSV column holding the text.")
    var textColumn = "text"

    @Option(help: "CSV column holding the label.")
    var labelColumn = "label"

    @Option(help: "CSV column holding the id; rows without one get <file>-<line>.")
    var idColumn = "id"

    @Option(help: "A phrase for the LLM instruction: \"Classify <description>.\"")
    var description: String?

    @Option(help: "A guidelines file for the expert and the LLM; copied into the session as guidelines.md.")
    var guidelines: String?

    @Option(help: "Total label budget B, expert and LLM together.")
    var budget = 1000

    @Option(help: "Share of the budget labeled by the expert.")
    var humanShare = 0.2

    @Option(help: "Number of rounds R.")
    var rounds = 5

    @Option(help: "LLM endpoint: local, off, or an OpenAI-compatible base URL.")
    var llm = "local"

    @Option(help: "With --llm URL: the model to ask (default: the first the endpoint lists).")
    var llmModel: String?

    @Option(help: "With --llm URL: the environment variable that holds the API key (its name; the key is never stored).")
    var apiKeyEnv: String?

    @Flag(help: "With --llm URL: skip the pre-flight check of the endpoint (`imfl llm test` runs it later).")
    var noLLMCheck = false

    func validate() throws {
        if let labels, labels.split(separator: ",").count < 2 {
            throw ValidationError("--labels needs at least 2 labels, comma-separated")
        }
        if let description, description.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("--description is empty: give the phrase that completes the LLM's instruction \"Classify <description>.\", e.g. --description \"the sentiment of a sentence from financial news\", or leave the option out")
        }
        if PostgresAddress.isAddress(folder) {
            _ = try PostgresAddress(parsing: folder)
        }
        if test == nil, evaluationSample < 1 {
            throw ValidationError("--evaluation-sample must be at least 1, got \(evaluationSample)")
        }
    }

    func run() async throws {
        let labelList = labels.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let source = DatasetSource(
            poolPath: pool, testPath: test, format: format?.format,
            columns: CSVColumns(id: idColumn, text: textColumn, label: labelColumn))
        var dataset: DatasetImport
        do {
            dataset = try DatasetImport.load(source, labels: labelList)
            if test == nil {
                guard dataset.pool.count >= 2 * evaluationSample else {
                    throw DatasetError(pool, "the pool has \(dataset.pool.count) items, too few to hold out an evaluation sample of \(evaluationSample) and label the rest; give a test file with --test or a smaller --evaluation-sample")
                }
                dataset = dataset.holdingOutEvaluationSample(size: evaluationSample, seed: UInt64(SessionConfig.Query().seed))
            }
        } catch let error as DatasetError {
            printError("imfl init: refused, nothing was created:\n\(error)")
            throw ExitCode(65)
        }
        for warning in dataset.warnings.prefix(10) { printError("warning: \(warning)") }
        if let test, dataset.test.count > dataset.pool.count {
            printError("warning: the test file \(test) (\(dataset.test.count) items) is larger than the pool \(pool) (\(dataset.pool.count) items): were --pool and --test swapped? The pool is what gets labeled; the test file only measures F1")
        }
        if dataset.warnings.count > 10 { printError("warning: … and \(dataset.warnings.count - 10) more") }

        let address = PostgresAddress.isAddress(folder) ? try PostgresAddress(parsing: folder) : nil
        var config = SessionConfig(task: .init(
            name: address?.session ?? URL(fileURLWithPath: folder).lastPathComponent, description: description ?? "",
            labels: dataset.labels))
        config.budget.total = budget
        config.budget.humanShare = humanShare
        config.budget.rounds = rounds
        config.evaluation.sample = evaluationSample
        switch llm {
        case "local": break
        case "off": config.llm.enabled = false
        default:
            // A remote endpoint: a JSON schema is what OpenAI, vLLM and Ollama all constrain
            // answers with (GBNF grammars are llama.cpp's own), and such servers take many
            // requests at once.
            config.llm.baseURL = llm
            config.llm.constraint = .jsonSchema
            config.llm.maxConcurrency = 16
            config.llm.apiKeyEnv = apiKeyEnv
            config.llm.model = llmModel ?? config.llm.model
            if llmModel == nil, !noLLMCheck {
                let client = OpenAIChatClient(endpoint: config.llm.endpoint(), policy: config.llm.clientPolicy)
                if let first = try? await client.models().first {
                    config.llm.model = first
                    print("the endpoint serves \(first): llm.model = \"\(first)\"")
                }
                try? await client.shutdown()
            }
        }
        try config.validate(path: "options")
        var files = [String: Data]()
        if let guidelines {
            guard let data = FileManager.default.contents(atPath: guidelines), String(data: data, encoding: .utf8) != nil else {
                printError("imfl init: refused, nothing was created:\n\(guidelines): cannot read the file as UTF-8 text")
                throw ExitCode(65)
            }
            files["guidelines.md"] = data
            config.task.guidelines = "guidelines.md"
        }

        let path: String
        if let address {
            try await Session.create(
                at: address, config: config, dataset: dataset,
                guidelines: files["guidelines.md"].flatMap { String(data: $0, encoding: .utf8) })
            path = address.description
        } else {
            let bar = ProgressBar("importing")
            path = try Session.create(at: folder, config: config, dataset: dataset, files: files) { done, total in
                bar.update(done, of: total)
            }
        }
        let evaluatedOn = test == nil ? "an evaluation sample of \(dataset.test.count) pool items for the expert to label" : "\(dataset.test.count) test items"
        print("created \(path): \(dataset.pool.count) pool items, \(evaluatedOn), \(dataset.labels.count) labels (\(dataset.labels.joined(separator: ", ")))")
        if !config.llm.enabled, humanShare < 1, let schedule = try? config.schedule() {
            let llmLabels = schedule.rounds.map(\.llm).reduce(0, +)
            printError("note: the LLM is off, so its share of each round (\(llmLabels) of \(budget) labels) waits, and no round is trained, "
                + "until session.toml's [llm] names an endpoint (enabled = true, base_url = …; `imfl llm test` checks it); "
                + "to label every item yourself, create the session with --human-share 1")
        }
        if config.llm.baseURL != nil, !noLLMCheck {
            print("checking the LLM endpoint (skip with --no-llm-check; run again with `imfl llm test \(path)`):")
            let report = try await LLM.Test.check(config, guidelines: files["guidelines.md"].flatMap { String(data: $0, encoding: .utf8) },
                                                  text: dataset.pool.first?.text)
            for line in report.lines { print("  " + line) }
        }
    }
}

/// `--format` values.
enum DatasetFormatArgument: String, ExpressibleByArgument, CaseIterable {
    case jsonl, csv
    var format: DatasetFormat { DatasetFormat(rawValue: rawValue)! }
}
