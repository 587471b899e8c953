import Foundation

/// What session.toml means for the round engine, decided here once: the schedule, the query
/// strategy and how prompts retrieve their examples.
extension SessionConfig {
    /// The label schedule session.toml describes.
    /// - Throws: `SessionError.config` when the numbers cannot make a schedule.
    public func schedule() throws -> Schedule {
        do {
            var schedule = try Schedule(budget: budget.total, humanShare: budget.humanShare, rounds: budget.rounds,
                                        kind: budget.schedule, decay: budget.decay)
            for more in budget.extensions {
                schedule = schedule.extended(by: try Schedule(
                    budget: more.total, humanShare: budget.humanShare, rounds: more.rounds, kind: budget.schedule,
                    decay: budget.decay))
            }
            return schedule
        } catch let error as ScheduleError {
            throw SessionError.config(path: Session.configFile, line: nil, message: "[budget]: \(error.description)")
        }
    }

    /// The round engine's settings for this session.
    public func engineConfiguration() throws -> EngineConfiguration {
        guard let name = QueryStrategyName(rawValue: query.strategy) else {
            throw SessionError.config(path: Session.configFile, line: nil, message: "query.strategy: unknown strategy \"\(query.strategy)\"")
        }
        var strategy = name.makeStrategy()
        if var eeq = strategy as? EEQStrategy {
            eeq.subsampleFactor = query.subsampleFactor
            strategy = eeq
        }
        var configuration = EngineConfiguration(
            labels: task.labels, schedule: try schedule(), strategy: strategy, retrieval: exampleRetrieval,
            promptLayout: retrieval.promptLayout, pipeline: budget.pipeline, llmConcurrency: llm.maxConcurrency, seed: UInt64(max(0, query.seed)),
            shadowShare: usesLLMLabels ? llm.shadow : 0, llmLabelUse: learner.llmLabels,
            routeShare: usesLLMLabels ? llm.routeDoubtful : 0)
        configuration.overlap = team.overlap
        configuration.adjudicators = team.adjudicators
        configuration.claimLease = team.claimLease
        return configuration
    }

    /// Whether the session has LLM labels to measure, weigh or route: the LLM is on and the
    /// schedule gives it a share. Without them shadow labels would cost calls for nothing.
    var usesLLMLabels: Bool {
        llm.enabled && budget.humanShare < 1
    }

    /// How the session retrieves the examples of a prompt (and the neighbours the expert sees):
    /// `[retrieval]`'s mode, k and label_diverse; the random mode draws with the query seed.
    public var exampleRetrieval: ExampleRetrieval {
        ExampleRetrieval(mode: retrieval.mode, k: retrieval.k, labelDiverse: retrieval.labelDiverse,
                         seed: UInt64(max(0, query.seed)))
    }
}
