import Foundation
import GRDB

/// The figures `imfl status` prints and the dashboard shows: what has been labeled, by whom,
/// against the budget, and what the LLM has cost.
public struct SessionStatus: Sendable, Equatable {
    public var poolItems: Int
    public var testItems: Int
    public var labels: [String]
    /// Labeled pool items per source.
    public var bySource: [LabelSource: Int]
    /// Labeled pool items per label and source.
    public var byLabel: [String: [LabelSource: Int]]
    public var roundsDone: Int
    public var roundsPlanned: Int
    /// First-hand expert labels against the expert budget (the dashboard's count too;
    /// overrides are reviews of LLM labels, in `bySource[.override]`).
    public var humanUsed: Int
    public var humanBudget: Int
    public var llmUsed: Int
    public var llmBudget: Int
    public var llmCalls: Int
    public var llmErrors: Int
    /// Calls answered from the session's cache, at no cost.
    public var llmCacheHits: Int
    public var promptTokens: Int
    public var completionTokens: Int
    /// Prompt tokens the server evaluated rather than reused from its prompt cache; nil when
    /// no call reports it.
    public var promptTokensEvaluated: Int? = nil
    /// Prompt tokens sent in the calls that report `promptTokensEvaluated`.
    public var promptTokensWithEvaluated = 0
    public var llmCost: Double
    public var humanCost: Double
    /// Latest macro-F1 on the test split, if a round has been evaluated.
    public var latestMacroF1: Double?
    /// Its 95 % bootstrap interval and the number of items it was measured on.
    public var latestInterval: F1Interval?
    public var latestEvaluated: Int = 0
    /// What F1 is measured on, in words (`Session.evaluationDescription`).
    public var evaluatedOn: String = ""
    /// The LLM prompt's limit on an item, in estimated tokens (`LLMSettings.itemTokenLimit`).
    public var itemTokenLimit: Int = 0
    /// Pool items longer than that: the LLM labels them from the part before the cut.
    public var truncatedForLLM: Int = 0
    /// Pool items the expert set aside (ignored) and has not labeled since.
    public var ignored: Int = 0
    /// First-hand expert labels in force, by the expert who gave them.
    public var byAnnotator: [String: Int] = [:]
    /// The experts' agreement on items more than one of them labeled; nil when none is shared.
    public var team: TeamAgreement?
    /// The LLM's labels against each expert's own, by expert name.
    public var llmByExpert: [String: LLMExpertAgreement] = [:]
    /// The live estimate of the LLM's accuracy from every shadow label so far.
    public var llmEstimate: LLMAccuracyEstimate? = nil
    /// What the latest round did with the LLM labels.
    public var llmLabelUse: LLMLabelReport? = nil

    /// Computes the status of an open session.
    public static func compute(_ session: Session) async throws -> SessionStatus {
        let db = session.store
        let config = session.config
        let log = try await db.replayedLog()
        let current = log.currentLabels
        let pool = try await db.items(in: .pool)
        let poolIDs = Set(pool.map(\.id))
        var bySource = [LabelSource: Int]()
        var byLabel = [String: [LabelSource: Int]]()
        for (itemId, label) in current where poolIDs.contains(itemId) {
            bySource[label.source, default: 0] += 1
            byLabel[label.label, default: [:]][label.source, default: 0] += 1
        }
        var byAnnotator = [String: Int]()
        for (itemID, labels) in log.expertLabelsByAnnotator where poolIDs.contains(itemID) {
            for name in labels.keys { byAnnotator[name, default: 0] += 1 }
        }
        let team = log.teamAgreement(labels: config.task.labels)
        let rounds = try await db.rounds()
        let calls = try await db.llmCallTotals()
        let humanBudget = Int((Double(config.budget.total) * config.budget.humanShare).rounded())
        let humanUsed = bySource[.human] ?? 0
        let latest = try await db.metrics().last
        return SessionStatus(
            poolItems: poolIDs.count,
            testItems: try await db.items(in: .test).count,
            labels: try await db.labels(),
            bySource: bySource,
            byLabel: byLabel,
            roundsDone: rounds.filter { $0.status == .finished }.count,
            roundsPlanned: config.budget.rounds,
            humanUsed: humanUsed,
            humanBudget: humanBudget,
            llmUsed: (bySource[.llm] ?? 0) + (bySource[.override] ?? 0),
            llmBudget: config.budget.total - humanBudget,
            llmCalls: calls.calls,
            llmErrors: calls.failures,
            llmCacheHits: calls.cacheHits,
            promptTokens: calls.promptTokens,
            completionTokens: calls.completionTokens,
            promptTokensEvaluated: calls.promptTokensEvaluated,
            promptTokensWithEvaluated: calls.promptTokensWithEvaluated,
            llmCost: calls.cost,
            humanCost: Double(humanUsed + (bySource[.override] ?? 0)) * config.budget.humanLabelCost,
            latestMacroF1: latest?.evaluation.macroF1,
            latestInterval: latest?.evaluation.confusion.macroF1Interval(),
            latestEvaluated: latest?.evaluation.confusion.total ?? 0,
            evaluatedOn: try await session.evaluationDescription(),
            itemTokenLimit: config.llm.itemTokenLimit,
            truncatedForLLM: truncatedForLLM(pool.map(\.text), config: config),
            ignored: log.ignored.keys.count { poolIDs.contains($0) },
            byAnnotator: byAnnotator,
            team: team.sharedItems > 0 ? team : nil,
            llmByExpert: log.llmAgreementByExpert(),
            llmEstimate: llmEstimate(log, pool: poolIDs, labels: config.task.labels),
            llmLabelUse: latest?.llmLabelUse)
    }

    /// The estimate from the session's shadow labels, as the engine computes it.
    static func llmEstimate(_ log: AnnotationLog, pool: Set<Int64>, labels: [String]) -> LLMAccuracyEstimate? {
        let items = Dictionary(uniqueKeysWithValues: pool.map { ($0, EngineItem(id: $0, text: "", gold: nil, split: .pool)) })
        let classIndex = Dictionary(labels.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let sample = ShadowSample(log, items: items, classIndex: classIndex)
        return sample.pairs.isEmpty ? nil : sample.estimate(classes: labels.count)
    }

    /// How many of `texts` the LLM prompt cuts, counted with the prompt's own cut.
    static func truncatedForLLM(_ texts: [String], config: SessionConfig) -> Int {
        let prompt = config.llm.promptBuilder(labels: config.task.labels)
        return texts.lazy.filter { prompt.itemVisibleCharacters($0) != nil }.count
    }
}
