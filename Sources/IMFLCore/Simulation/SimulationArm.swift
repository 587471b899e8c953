/// One configuration of the loop that a simulation runs, e.g. "IMFL 200 + 800" or "expert
/// only, 600 labels, random selection". Every arm runs on the same sampled pool per seed, so
/// arms differ only in what the arm says.
public struct SimulationArm: Sendable, Hashable, Codable {
    /// Short name used in file names and tables, e.g. `imfl-equal-schedule`.
    public var name: String
    /// Total labels B (expert and LLM together).
    public var budget: Int
    /// Share of B that goes to the (simulated) expert; 1 is expert only, 0 is LLM only.
    public var humanShare: Double
    public var rounds: Int
    public var schedule: ScheduleKind
    /// γ of the decaying schedule.
    public var decay: Double
    public var strategy: QueryStrategyName
    public var retrieval: RetrievalMode
    /// Retrieved examples per LLM prompt.
    public var k: Int
    /// ⌈k / labels⌉ examples per label among the most similar (session.toml's
    /// `retrieval.label_diverse`). Results written before the option existed read back as false.
    public var labelDiverse: Bool
    /// How rounds overlap. Results written before the option existed were sequential, and
    /// read back as such.
    public var pipeline: Pipeline
    /// How the classifier trains on LLM labels (session.toml's `[learner] llm_labels`);
    /// results written before the option existed read back as `all`.
    public var llmLabels: LLMLabelUse
    /// Share of the expert batches the LLM also labels to measure itself (`[llm] shadow`);
    /// results written before shadow labels existed read back as 0.
    public var shadow: Double
    /// Share of the expert batches LLM labels in doubt may take (`[llm] route_doubtful`);
    /// results written before routing existed read back as 0.
    public var routeDoubtful: Double

    public init(
        name: String, budget: Int, humanShare: Double, rounds: Int = 5, schedule: ScheduleKind = .geometric,
        decay: Double = 0.5, strategy: QueryStrategyName = .eeq, retrieval: RetrievalMode = .similar, k: Int = 5,
        labelDiverse: Bool = false, pipeline: Pipeline = .overlapped, llmLabels: LLMLabelUse = .all,
        shadow: Double = LLMSettings().shadow, routeDoubtful: Double = 0
    ) {
        self.routeDoubtful = routeDoubtful
        self.llmLabels = llmLabels
        // Without both fidelities there is nothing to shadow.
        self.shadow = humanShare <= 0 || humanShare >= 1 ? 0 : shadow
        self.name = name
        self.budget = budget
        self.humanShare = humanShare
        self.rounds = rounds
        self.schedule = schedule
        self.decay = decay
        self.strategy = strategy
        self.retrieval = retrieval
        self.k = k
        self.labelDiverse = labelDiverse
        // With one fidelity nothing overlaps: such an arm runs the same either way, and is
        // named sequential so that its earlier results stay valid.
        self.pipeline = humanShare <= 0 || humanShare >= 1 ? .sequential : pipeline
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        budget = try c.decode(Int.self, forKey: .budget)
        humanShare = try c.decode(Double.self, forKey: .humanShare)
        rounds = try c.decode(Int.self, forKey: .rounds)
        schedule = try c.decode(ScheduleKind.self, forKey: .schedule)
        decay = try c.decode(Double.self, forKey: .decay)
        strategy = try c.decode(QueryStrategyName.self, forKey: .strategy)
        retrieval = try c.decode(RetrievalMode.self, forKey: .retrieval)
        k = try c.decode(Int.self, forKey: .k)
        labelDiverse = try c.decodeIfPresent(Bool.self, forKey: .labelDiverse) ?? false
        pipeline = try c.decodeIfPresent(Pipeline.self, forKey: .pipeline) ?? .sequential
        llmLabels = try c.decodeIfPresent(LLMLabelUse.self, forKey: .llmLabels) ?? .all
        shadow = try c.decodeIfPresent(Double.self, forKey: .shadow) ?? 0
        routeDoubtful = try c.decodeIfPresent(Double.self, forKey: .routeDoubtful) ?? 0
    }

    /// Whether any item goes to the LLM.
    public var usesLLM: Bool { Int((Double(budget) * humanShare).rounded()) < budget }

    /// The label schedule of this arm.
    /// - Throws: `ScheduleError` when the numbers cannot make one.
    public func labelSchedule() throws -> Schedule {
        try Schedule(budget: budget, humanShare: humanShare, rounds: rounds, kind: schedule, decay: decay)
    }

    /// The session.toml of a run of this arm.
    public func sessionConfig(name session: String, labels: [String], description: String, seed: Int, llm: LLMSettings) -> SessionConfig {
        var config = SessionConfig(task: .init(name: session, description: description, labels: labels))
        config.budget.total = budget
        config.budget.humanShare = humanShare
        config.budget.rounds = rounds
        config.budget.schedule = schedule
        config.budget.decay = decay
        config.budget.pipeline = pipeline
        config.query.strategy = strategy.rawValue
        config.query.seed = seed
        config.retrieval.k = k
        config.retrieval.mode = retrieval
        config.retrieval.labelDiverse = labelDiverse
        config.llm = llm
        config.llm.enabled = usesLLM
        config.llm.shadow = shadow
        config.llm.routeDoubtful = routeDoubtful
        config.learner.llmLabels = llmLabels
        return config
    }
}

extension SimulationArm {
    /// The settings that differ from `other`, each as "name old → new" in declaration order:
    /// what a rerun of a finished seed changes, said before its result is replaced.
    public func changes(to other: SimulationArm) -> [String] {
        zip(Mirror(reflecting: self).children, Mirror(reflecting: other).children).compactMap { old, new in
            let (was, now) = (String(describing: old.value), String(describing: new.value))
            return was == now ? nil : "\(old.label ?? "?") \(was) → \(now)"
        }
    }
}
