import Foundation

/// The results files of a simulation: every round of every run as CSV and JSON, the arms'
/// final figures (mean ± std over seeds) as markdown, and the F1-vs-labels curves as SVG.
public struct SimulationReport: Sendable {
    public var results: [SimulationRunResult]
    public var dataset: DatasetSummary

    public init(results: [SimulationRunResult], dataset: DatasetSummary) {
        self.results = results
        self.dataset = dataset
    }

    public static let csvFile = "results.csv"
    public static let jsonFile = "results.json"
    public static let markdownFile = "summary.md"
    public static let svgFile = "curves.svg"

    /// One summary per arm, in the order the arms first appear.
    public var summaries: [ArmSummary] {
        var order: [String] = []
        var byArm: [String: [SimulationRunResult]] = [:]
        for result in results {
            if byArm[result.arm.name] == nil { order.append(result.arm.name) }
            byArm[result.arm.name, default: []].append(result)
        }
        return order.compactMap { ArmSummary(byArm[$0]!) }
    }

    /// Writes the four files into `folder`, each atomically.
    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try csv().write(to: folder.appendingPathComponent(Self.csvFile), atomically: true, encoding: .utf8)
        try JSONEncoder.pretty.encode(Document(dataset: dataset, summaries: summaries, runs: results))
            .write(to: folder.appendingPathComponent(Self.jsonFile), options: .atomic)
        try markdown().write(to: folder.appendingPathComponent(Self.markdownFile), atomically: true, encoding: .utf8)
        try SimulationChart(summaries: summaries, baseline: dataset.majorityMacroF1).svg()
            .write(to: folder.appendingPathComponent(Self.svgFile), atomically: true, encoding: .utf8)
    }

    private struct Document: Codable {
        var dataset: DatasetSummary
        var summaries: [ArmSummary]
        var runs: [SimulationRunResult]
    }

    /// Every round of every run, one line each.
    public func csv() -> String {
        let lines = [SimulationRound.csvHeader.joined(separator: ",")]
            + results.flatMap(\.rounds).map { $0.csvFields.map(Self.csvEscape).joined(separator: ",") }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func csvEscape(_ field: String) -> String {
        field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }

    /// The arms' final-round figures as a markdown table, with the data and the baseline.
    public func markdown() -> String {
        let pool = dataset.maxPool.map { "\(min($0, dataset.poolItems)) of \(dataset.poolItems)" } ?? "\(dataset.poolItems)"
        var out = """
            # Simulation results

            Pool: \(dataset.poolFile) (\(pool) items per seed) · test: \(dataset.testFile) (\(dataset.testItems) items) · \
            labels: \(dataset.labels.joined(separator: ", "))

            Majority-class baseline (always “\(dataset.majorityLabel)”): macro-F1 \
            \(String(format: "%.1f", dataset.majorityMacroF1 * 100)), accuracy \(String(format: "%.1f", dataset.majorityAccuracy * 100)).

            Final round, mean ± std over seeds, in percent:

            | arm | seeds | expert | LLM | selection | schedule | retrieval | macro-F1 | accuracy | LLM label accuracy | LLM calls per run | prompt tokens per call | time per run | expert idle per run |
            |---|---|---|---|---|---|---|---|---|---|---|---|---|---|

            """
        for s in summaries {
            let runs = max(1, s.seeds.count)
            let retrieval = s.arm.usesLLM
                ? (s.arm.retrieval == .none ? "zero-shot" : "\(s.arm.retrieval.rawValue), k=\(s.arm.k)\(s.arm.labelDiverse ? ", label-diverse" : "")")
                : "–"
            var schedule = s.arm.schedule == .geometric ? "decay γ=\(s.arm.decay)" : s.arm.schedule.rawValue
            if s.arm.usesLLM, s.arm.humanShare > 0 { schedule += ", \(s.arm.pipeline.rawValue)" }
            let idle = s.expertIdleSeconds.map { Self.duration($0 / Double(runs)) } ?? "–"
            out += "| \(s.arm.name) | \(s.seeds.count) | \(s.humanLabels) | \(s.llmLabels) | \(s.arm.strategy.rawValue) | "
                + "\(schedule), \(s.arm.rounds) rounds | \(retrieval) | \(s.macroF1.percent) | \(s.accuracy.percent) | "
                + "\(s.llmAccuracy.count == 0 ? "–" : s.llmAccuracy.percent) | \(s.llmCalls / runs) | "
                + "\(s.llmCalls == 0 ? "–" : String(s.promptTokens / s.llmCalls)) | \(s.seconds.map { Self.duration($0 / Double(runs)) } ?? "–") | \(idle) |\n"
        }
        let measured = summaries.filter { $0.estimateRounds > 0 || $0.llmLabelsGiven > $0.llmLabelsUsed }
        if !measured.isEmpty {
            out += """

                The LLM measured live: the final round's estimate from shadow labels (`[llm] shadow`) beside the \
                true accuracy of the LLM labels, the rounds whose Wilson 95 % interval holds the true figure, and the \
                LLM labels the final classifier trained on (`[learner] llm_labels`), over all seeds:

                | arm | LLM labels right | estimate | interval holds the truth | LLM labels used |
                |---|---|---|---|---|

                """
            for s in measured {
                let covered = s.estimateRounds == 0 ? "–"
                    : "\(s.estimateCovered) of \(s.estimateRounds) rounds (\(Int((Double(s.estimateCovered) / Double(s.estimateRounds) * 100).rounded()))%)"
                out += "| \(s.arm.name) | \(s.llmAccuracy.count == 0 ? "–" : s.llmAccuracy.percent) | "
                    + "\(s.llmEstimate.count == 0 ? "–" : s.llmEstimate.percent) | \(covered) | \(s.llmLabelsUsed) of \(s.llmLabelsGiven) |\n"
            }
        }
        out += "\nMacro-F1 against labels (mean over seeds; `·` is the majority baseline); the same curves are in \(Self.svgFile):\n\n```\n"
        out += SimulationChart(summaries: summaries, baseline: dataset.majorityMacroF1).text()
        out += "```\n"
        return out
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 120 ? String(format: "%.0f s", seconds)
            : seconds < 7200 ? String(format: "%.0f min", seconds / 60) : String(format: "%.1f h", seconds / 3600)
    }
}
