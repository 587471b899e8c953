import ArgumentParser
import Foundation
import IMFLCore

/// `imfl status`: what a session holds and how far it has come. Opens the session read-only,
/// so it works while the session is being labeled elsewhere.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a session's items, labels per source and label, rounds and budget.")

    @Argument(help: "The session folder, or a shared session's URL (postgres://USER@HOST:PORT/DB?session=NAME).")
    var folder: String

    func run() async throws {
        let (status, config) = try await Session.with(folder, access: .readOnly) { session in
            (try await SessionStatus.compute(session), session.config)
        }
        print(Self.render(status, name: config.task.name, llmEnabled: config.llm.enabled))
    }

    static func render(_ s: SessionStatus, name: String, llmEnabled: Bool) -> String {
        var lines = [String]()
        lines.append("session \(name)")
        lines.append("  items     \(s.poolItems) pool; F1 on \(s.evaluatedOn)")
        lines.append("  labels    \(s.labels.count): \(s.labels.joined(separator: ", "))")
        lines.append("  rounds    \(s.roundsDone) of \(s.roundsPlanned) done")
        let overrides = s.bySource[.override] ?? 0
        lines.append("  budget    expert \(s.humanUsed)/\(s.humanBudget)\(overrides > 0 ? " (and \(overrides) LLM label\(overrides == 1 ? "" : "s") overridden)" : ""), LLM \(s.llmUsed)/\(s.llmBudget)")
        let sources = LabelSource.allCases.filter { $0.fidelity != nil }
        let labeled = sources.reduce(0) { $0 + (s.bySource[$1] ?? 0) }
        lines.append("  labeled   \(labeled) of \(s.poolItems) pool items: " + sources.map { "\($0.rawValue) \(s.bySource[$0] ?? 0)" }.joined(separator: ", "))
        if labeled > 0 {
            let width = max(5, s.labels.map(\.count).max() ?? 5)
            lines.append("    " + "label".padding(toLength: width, withPad: " ", startingAt: 0) + sources.map { $0.rawValue.leftPadded(9) }.joined())
            for label in s.labels {
                let counts = s.byLabel[label] ?? [:]
                lines.append("    " + label.padding(toLength: width, withPad: " ", startingAt: 0) + sources.map { String(counts[$0] ?? 0).leftPadded(9) }.joined())
            }
        }
        if s.byAnnotator.count > 1 || s.team != nil {
            lines.append("  experts   " + s.byAnnotator.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if let t = s.team {
            var figures = [String]()
            if let k = t.kappa { figures.append("Cohen's κ \(String(format: "%.2f", k))") }
            if let a = t.alpha { figures.append("Krippendorff's α \(String(format: "%.2f", a))") }
            let agreeing = "\(t.unanimousItems) of \(t.sharedItems) shared item\(t.sharedItems == 1 ? "" : "s") labeled alike"
            lines.append("  agreement \(([agreeing] + figures).joined(separator: ", "))")
            if !t.perAnnotator.isEmpty {
                lines.append("    by expert (κ against the others) " + t.perAnnotator.sorted { $0.key < $1.key }
                    .map { "\($0.key) \(String(format: "%.2f", $0.value))" }.joined(separator: ", "))
            }
            if !t.perLabel.isEmpty {
                lines.append("    by label (α, that label against the rest) " + s.labels.compactMap { l in
                    t.perLabel[l].map { "\(l) \(String(format: "%.2f", $0))" } }.joined(separator: ", "))
            }
        }
        if s.byAnnotator.count > 1 || s.team != nil, !s.llmByExpert.isEmpty {
            lines.append("  LLM vs    " + s.llmByExpert.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.summary)" }
                .joined(separator: ", ") + " agree")
        }
        if s.ignored > 0 {
            lines.append("  set aside \(s.ignored) pool item\(s.ignored == 1 ? "" : "s") ignored by the expert, never trained on (`imfl export --ignored` lists them)")
        }
        lines.append("  LLM       \(s.llmCalls) calls, \(s.llmErrors) errors, \(s.llmCacheHits) from cache, \(s.promptTokens) prompt\(evaluatedText(s)) + \(s.completionTokens) completion tokens, cost \(String(format: "%.4f", s.llmCost))")
        if llmEnabled {
            lines.append("  LLM view  \(s.truncatedForLLM) of \(s.poolItems) pool items truncated for the LLM at llm.max_item_tokens = \(s.itemTokenLimit)")
        }
        if let estimate = s.llmEstimate { lines.append("  estimate  \(estimate.summary)") }
        if let use = s.llmLabelUse { lines.append("  LLM use   \(use.summary)") }
        lines.append("  expert    cost \(String(format: "%.2f", s.humanCost))")
        if let f1 = s.latestMacroF1 {
            let interval = s.latestInterval.map { " 95% " + $0.percentText } ?? ""
            lines.append("  macro-F1  \(String(format: "%.1f", f1 * 100))\(interval) on \(s.latestEvaluated) items (latest round)")
        }
        return lines.joined(separator: "\n")
    }

    /// " (N evaluated)": the prompt tokens the server did not take from its prompt cache,
    /// said against the tokens they compare with when older calls did not report it.
    private static func evaluatedText(_ s: SessionStatus) -> String {
        guard let evaluated = s.promptTokensEvaluated else { return "" }
        return s.promptTokensWithEvaluated == s.promptTokens
            ? " (\(evaluated) evaluated)" : " (\(evaluated) evaluated of \(s.promptTokensWithEvaluated) in the calls that report it)"
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
