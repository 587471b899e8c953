import IMFLCore

/// A deterministic, in-memory labeling session: the engine's behaviour reduced to what the UI
/// can observe. Item text, model predictions and neighbours are pure functions of the item id,
/// so a 100k-item session costs only its queue. `ScriptedBackend` serves it through
/// `LabelingBackend`; `imfl bench ui` drives it synchronously.
public struct ScriptedSession: Sendable, Codable, Equatable {
    /// One LLM label and what the expert did with it.
    public struct LLMLabel: Sendable, Codable, Equatable {
        public var itemID: Int64
        public var round: Int
        public var label: String
        public var confidence: Double
        public var cluster: Int
        public var status: ReviewStatus
        /// Accepted by a bulk accept rather than one by one.
        public var bulk = false
    }

    /// What one Review action changed, so that one undo restores it: each row's prior state.
    public struct ReviewChange: Sendable, Codable, Equatable {
        public var index: Int
        public var status: ReviewStatus
        public var bulk: Bool
    }

    /// An item the expert set aside instead of labeling.
    public struct IgnoredItem: Sendable, Codable, Equatable {
        public var itemID: Int64
        public var round: Int
        public var reason: String?
        /// Expert labels in force when it was set aside: an undo takes it back when no label
        /// came after it.
        public var afterLabels: Int
    }

    /// One entry of the append-only annotation log.
    public enum LogEntry: Sendable, Codable, Equatable {
        case label(itemID: Int64, label: String, round: Int)
        case undo(itemID: Int64, round: Int)
        case skip(itemID: Int64)
        case ignore(itemID: Int64, reason: String?)
        case undoIgnore(itemID: Int64)
        case accept(itemID: Int64)
        case override(itemID: Int64, label: String)
        case undoReview(itemIDs: [Int64])
    }

    public var info: SessionInfo
    public var itemCount: Int
    /// Expert labels planned per round (index 0 is round 1).
    public var expertPlan: [Int]
    /// The expert queue, head last so that taking and returning the head is O(1).
    public var queue: [Int64]
    /// Labels still in force, oldest first; undo takes the last.
    public var expertLabels: [LabelCommit]
    /// Items set aside, oldest first.
    public var ignored: [IgnoredItem] = []
    public var log: [LogEntry]
    public var notes: [Int64: String]
    public var llmLabels: [LLMLabel]
    /// Review actions still in force, oldest first; a Review undo takes the last.
    public var reviewActions: [[ReviewChange]] = []
    public var currentRound: Int
    public var reports: [RoundReport]
    public var llm: LLMStatus
    public var progress: [BackgroundTask: TaskProgress]
    /// Neighbours shown per item.
    public var k: Int
    /// Dataset ids are this prefix and the item id ("pqal-17"); nil: items have none.
    public var idPrefix: String?
    /// Every item is long (40 sentences), not only every tenth.
    public var longTexts: Bool
    /// The LLM prompt's limits, in estimated tokens: items are cut at the first, retrieved
    /// examples at the second, by the prompt builder's own cut.
    public var maxItemTokens: Int
    public var maxExampleTokens: Int

    /// - Parameters:
    ///   - labels: the label set.
    ///   - itemCount: items in the expert pool; ids 1…itemCount.
    ///   - expertPlan: expert labels per round.
    ///   - llmLabelCount: LLM labels available for review, spread over the planned rounds.
    ///   - llmPausedReason: when set, the LLM queue shows as paused with this reason.
    ///   - idPrefix: dataset ids are this prefix and the item id; nil: items have none.
    ///   - longTexts: every item is long, not only every tenth.
    ///   - maxItemTokens, maxExampleTokens: the LLM prompt's limits (a local server's by default).
    public init(name: String = "scripted", labels: [String], itemCount: Int, expertPlan: [Int],
                llmLabelCount: Int = 40, llmPausedReason: String? = nil, k: Int = 4,
                guidelines: String = ScriptedSession.defaultGuidelines, idPrefix: String? = nil,
                longTexts: Bool = false, maxItemTokens: Int = LLMSettings().itemTokenLimit,
                maxExampleTokens: Int = LLMSettings().maxExampleTokens) {
        info = SessionInfo(name: name, labels: labels, guidelines: guidelines, rounds: expertPlan.count)
        self.itemCount = itemCount
        self.expertPlan = expertPlan
        queue = (1...Int64(max(1, itemCount))).reversed()
        expertLabels = []
        log = []
        notes = [:]
        currentRound = 1
        reports = []
        llm = LLMStatus(pausedReason: llmPausedReason, errorCount: llmPausedReason == nil ? 0 : 3,
                        lastError: llmPausedReason)
        progress = [.embedding: TaskProgress(done: itemCount, total: itemCount),
                    .llmQueue: TaskProgress(done: llmLabelCount, total: llmLabelCount),
                    .retraining: TaskProgress(done: 0, total: 0)]
        self.k = k
        self.idPrefix = idPrefix
        self.longTexts = longTexts
        self.maxItemTokens = maxItemTokens
        self.maxExampleTokens = maxExampleTokens
        let base = Int64(itemCount) + 1
        llmLabels = (0..<llmLabelCount).map { i in
            let id = base + Int64(i)
            let h = Self.hash(id)
            return LLMLabel(itemID: id, round: 1 + i * max(1, expertPlan.count) / max(1, llmLabelCount),
                            label: labels[Int(h % UInt64(labels.count))],
                            confidence: 0.35 + Double(h % 64) / 100, cluster: Int(h >> 8 % 5),
                            status: .unreviewed)
        }
    }

    public static let defaultGuidelines = """
        Label each sentence by the sentiment it expresses about the company's outlook.
        Positive: growth, profit, contracts won. Negative: losses, lay-offs, lawsuits.
        Neutral: facts without a clear direction. When unsure, skip and come back later.
        """

    /// A small session for tests and the demo: three sentiment labels, 30 items, rounds of 5,
    /// 3 and 2 expert labels.
    public static func demo(llmPausedReason: String? = nil) -> ScriptedSession {
        ScriptedSession(name: "demo", labels: ["positive", "negative", "neutral"], itemCount: 30,
                        expertPlan: [5, 3, 2], llmLabelCount: 12, llmPausedReason: llmPausedReason)
    }

    /// Long abstracts to review, as in PubMedQA: every text runs to about 2,800 characters,
    /// items carry dataset ids ("pqal-17"), and the LLM prompt takes 256 estimated tokens of an
    /// item (a URL endpoint's default), so the LLM labels each from its first thousand
    /// characters.
    public static func longTexts() -> ScriptedSession {
        ScriptedSession(name: "abstracts", labels: ["yes", "no", "maybe"], itemCount: 30, expertPlan: [5, 3, 2],
                        llmLabelCount: 12, idPrefix: "pqal-", longTexts: true,
                        maxItemTokens: LLMSettings.remoteMaxItemTokens)
    }

    /// A large label set of look-alike intents, as in Banking77: 77 labels such as
    /// "cash_withdrawal_not_recognised" and "cash_withdrawal_fee_charged", more than the direct
    /// keys, with dataset ids ("bank-17").
    public static func manyLabels() -> ScriptedSession {
        let subjects = ["card_payment", "cash_withdrawal", "top_up", "transfer", "direct_debit", "balance_update",
                        "exchange_rate", "virtual_card", "physical_card", "pin", "refund"]
        let issues = ["not_recognised", "fee_charged", "pending", "declined", "reverted", "failed", "limits"]
        let labels = subjects.flatMap { subject in issues.map { subject + "_" + $0 } }
        return ScriptedSession(name: "intents", labels: labels, itemCount: 50, expertPlan: [5, 5],
                               llmLabelCount: 20, idPrefix: "bank-")
    }

    // MARK: - Items

    static func hash(_ id: Int64) -> UInt64 {
        var z = UInt64(bitPattern: id) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static let words = [
        "revenue", "quarter", "profit", "rose", "fell", "shares", "the", "company", "expects",
        "growth", "market", "sales", "net", "loss", "operating", "year", "contract", "signed",
        "percent", "compared", "with", "previous", "period", "demand", "strong", "weak", "outlook",
    ]

    /// The item's text: "Item N." and a few sentences; every tenth item (or every item, with
    /// `long`) is long enough to need paging and every thirteenth carries accents, CJK and emoji.
    public static func text(of id: Int64, long: Bool = false) -> String {
        var h = hash(id)
        let sentences = long || id % 10 == 0 ? 40 : 1 + Int(h % 3)
        var parts = ["Item \(id)."]
        for _ in 0..<sentences {
            let n = 6 + Int(h % 9)
            var words: [String] = []
            for _ in 0..<n {
                h = hash(Int64(bitPattern: h))
                words.append(Self.words[Int(h % UInt64(Self.words.count))])
            }
            parts.append(words.joined(separator: " ").capitalizedFirst + ".")
        }
        if id % 13 == 0 { parts.append("Café Zürich 東京支店 📈 naïve") }
        return parts.joined(separator: " ")
    }

    func prediction(of id: Int64) -> Prediction? {
        guard currentRound > 1 else { return nil }
        let h = Self.hash(id ^ 0x5bd1)
        return Prediction(label: info.labels[Int(h % UInt64(info.labels.count))],
                          confidence: 0.30 + Double(h % 70) / 100)
    }

    func text(of id: Int64) -> String { Self.text(of: id, long: longTexts) }

    func datasetID(of id: Int64) -> String? { idPrefix.map { $0 + String(id) } }

    /// The prompt builder with the session's limits: the screens' marks come from its cut.
    var prompt: PromptBuilder {
        PromptBuilder(task: "", labels: info.labels, maxItemTokens: maxItemTokens, maxExampleTokens: maxExampleTokens)
    }

    func neighbours(of id: Int64) -> [LabeledExample] {
        var out: [LabeledExample] = []
        for commit in expertLabels.suffix(2).reversed() where commit.itemID != id {
            out.append(LabeledExample(itemID: commit.itemID, text: text(of: commit.itemID), label: commit.label,
                                 source: .human, similarity: 0))
        }
        for l in llmLabels.prefix(k + 1) where out.count < k && l.itemID != id {
            if case .overridden(let label) = l.status {
                out.append(LabeledExample(itemID: l.itemID, text: text(of: l.itemID), label: label,
                                     source: .override, similarity: 0))
            } else {
                out.append(LabeledExample(itemID: l.itemID, text: text(of: l.itemID), label: l.label,
                                     source: .llm, similarity: 0))
            }
        }
        for i in out.indices {
            out[i].similarity = 0.93 - 0.06 * Double(i) - Double(Self.hash(id &+ Int64(i)) % 3) / 100
        }
        return out
    }

    func expertItem(_ id: Int64) -> ExpertItem {
        let body = text(of: id)
        return ExpertItem(itemID: id, text: body, round: currentRound, prediction: prediction(of: id),
                          neighbours: neighbours(of: id), note: notes[id], remainingInRound: remainingInRound,
                          datasetID: datasetID(of: id), llmVisibleCharacters: prompt.exampleVisibleCharacters(body))
    }

    var isFinished: Bool { currentRound > expertPlan.count }

    /// Expert items of the current round labeled or set aside.
    var doneInCurrentRound: Int { doneInRound(currentRound) }

    var remainingInRound: Int {
        isFinished ? 0 : max(0, expertPlan[currentRound - 1] - doneInCurrentRound)
    }

    // MARK: - Operations (each is what the backend call does)

    public func nextExpertItem() -> ExpertItem? {
        guard !isFinished, let id = queue.last else { return nil }
        return expertItem(id)
    }

    /// Records a label; returns the commit and, when it completed the round, the round's report.
    public mutating func submitLabel(itemID: Int64, label: String) throws -> (LabelCommit, RoundReport?) {
        guard info.labels.contains(label) else { throw BackendError("unknown label \"\(label)\"") }
        guard !isFinished else { throw BackendError("the session's expert budget is spent") }
        guard let index = queue.lastIndex(of: itemID) else {
            throw BackendError("item \(itemID) is not in the expert queue")
        }
        queue.remove(at: index)
        let commit = LabelCommit(itemID: itemID, label: label, round: currentRound,
                                 expertLabelCount: expertLabels.count + 1)
        expertLabels.append(commit)
        log.append(.label(itemID: itemID, label: label, round: currentRound))
        var report: RoundReport?
        if doneInCurrentRound >= expertPlan[currentRound - 1] {
            report = finishRound()
        }
        return (commit, report)
    }

    /// Sets an item aside; returns the round's report when that completed the round.
    @discardableResult
    public mutating func ignore(itemID: Int64, reason: String) throws -> RoundReport? {
        guard !isFinished, let index = queue.lastIndex(of: itemID) else {
            throw BackendError("item \(itemID) is not in the expert queue")
        }
        queue.remove(at: index)
        let why = reason.trimmingCharacters(in: .whitespaces)
        ignored.append(IgnoredItem(itemID: itemID, round: currentRound, reason: why.isEmpty ? nil : why,
                                   afterLabels: expertLabels.count))
        log.append(.ignore(itemID: itemID, reason: why.isEmpty ? nil : why))
        return doneInCurrentRound >= expertPlan[currentRound - 1] ? finishRound() : nil
    }

    private mutating func finishRound() -> RoundReport {
        let r = currentRound
        var perClass: [String: Double] = [:]
        for (i, l) in info.labels.enumerated() {
            perClass[l] = min(0.99, 0.40 + 0.12 * Double(r) + 0.05 * Double(i % 3))
        }
        let macro = perClass.values.reduce(0, +) / Double(max(1, perClass.count))
        let report = RoundReport(round: r, macroF1: macro, accuracy: min(0.99, macro + 0.04), perClassF1: perClass)
        reports.append(report)
        currentRound += 1
        return report
    }

    public mutating func skip(itemID: Int64) throws {
        guard let index = queue.lastIndex(of: itemID) else {
            throw BackendError("item \(itemID) is not in the expert queue")
        }
        queue.remove(at: index)
        queue.insert(itemID, at: 0)
        log.append(.skip(itemID: itemID))
    }

    public mutating func undo() -> UndoResult? {
        if let aside = ignored.last, aside.afterLabels == expertLabels.count {
            ignored.removeLast()
            log.append(.undoIgnore(itemID: aside.itemID))
            queue.append(aside.itemID)
            reopen(aside.round)
            return UndoResult(item: expertItem(aside.itemID), withdrawnLabel: "", round: aside.round, ignored: true)
        }
        guard let last = expertLabels.popLast() else { return nil }
        log.append(.undo(itemID: last.itemID, round: last.round))
        queue.append(last.itemID)
        reopen(last.round)
        return UndoResult(item: expertItem(last.itemID), withdrawnLabel: last.label, round: last.round)
    }

    /// After an undo in round `r`: when that round is no longer complete, labeling resumes there.
    private mutating func reopen(_ r: Int) {
        if r < currentRound, reports.last?.round == r, doneInRound(r) < expertPlan[r - 1] {
            currentRound = r
            reports.removeLast()
        }
    }

    private func doneInRound(_ r: Int) -> Int {
        expertLabels.lazy.filter { $0.round == r }.count + ignored.lazy.filter { $0.round == r }.count
    }

    public mutating func setNote(itemID: Int64, note: String) {
        notes[itemID] = note.isEmpty ? nil : note
    }

    private func reviewItem(_ l: LLMLabel) -> ReviewItem {
        let body = text(of: l.itemID)
        return ReviewItem(itemID: l.itemID, text: body, round: l.round, llmLabel: l.label,
                          llmConfidence: l.confidence, prediction: prediction(of: l.itemID) ?? Prediction(
                              label: info.labels[Int(Self.hash(l.itemID ^ 0x77) % UInt64(info.labels.count))],
                              confidence: 0.5),
                          cluster: l.cluster, status: l.status, neighbours: neighbours(of: l.itemID), bulkAccepted: l.bulk, note: notes[l.itemID],
                          datasetID: datasetID(of: l.itemID), llmVisibleCharacters: prompt.itemVisibleCharacters(body))
    }

    public func reviewPage(sort: ReviewSort, unreviewedOnly: Bool = false, round: Int? = nil, offset: Int, limit: Int) -> ReviewPage {
        let items = llmLabels.filter { (!unreviewedOnly || $0.status == .unreviewed) && (round == nil || $0.round == round) }.map(reviewItem)
        let sorted: [ReviewItem]
        switch sort {
        case .lowestConfidence:
            sorted = items.sorted { ($0.llmConfidence ?? 0, $0.itemID) < ($1.llmConfidence ?? 0, $1.itemID) }
        case .disagreement:
            func key(_ r: ReviewItem) -> (Int, Double, Int64) {
                let disagrees = r.prediction.map { $0.label != r.llmLabel } ?? false
                return (disagrees ? 0 : 1, -(r.prediction?.confidence ?? 0), r.itemID)
            }
            sorted = items.sorted { key($0) < key($1) }
        case .cluster:
            sorted = items.sorted { ($0.cluster, $0.llmConfidence ?? 0, $0.itemID) < ($1.cluster, $1.llmConfidence ?? 0, $1.itemID) }
        }
        let start = min(max(0, offset), sorted.count)
        let end = min(sorted.count, start + max(0, limit))
        return ReviewPage(sort: sort, offset: start, items: Array(sorted[start..<end]), total: sorted.count, unreviewedOnly: unreviewedOnly, round: round)
    }

    private func llmIndex(_ id: Int64) throws -> Int {
        guard let i = llmLabels.firstIndex(where: { $0.itemID == id }) else {
            throw BackendError("item \(id) has no LLM label")
        }
        return i
    }

    public mutating func accept(itemID: Int64) throws -> ReviewItem {
        let i = try llmIndex(itemID)
        reviewActions.append([ReviewChange(index: i, status: llmLabels[i].status, bulk: llmLabels[i].bulk)])
        llmLabels[i].status = .accepted
        llmLabels[i].bulk = false
        log.append(.accept(itemID: itemID))
        return reviewItem(llmLabels[i])
    }

    public mutating func override(itemID: Int64, label: String) throws -> ReviewItem {
        guard info.labels.contains(label) else { throw BackendError("unknown label \"\(label)\"") }
        let i = try llmIndex(itemID)
        if label == llmLabels[i].label { return try accept(itemID: itemID) }
        reviewActions.append([ReviewChange(index: i, status: llmLabels[i].status, bulk: llmLabels[i].bulk)])
        llmLabels[i].status = .overridden(label)
        llmLabels[i].bulk = false
        log.append(.override(itemID: itemID, label: label))
        return reviewItem(llmLabels[i])
    }

    public func bulkAcceptPreview(minConfidence: Double) -> BulkAcceptResult {
        let open = llmLabels.filter { $0.status == .unreviewed }
        return BulkAcceptResult(minConfidence: minConfidence, accepted: open.count { $0.confidence >= minConfidence },
                                unreviewed: open.count, withoutConfidence: 0)
    }

    public mutating func bulkAccept(minConfidence: Double) -> BulkAcceptResult {
        let preview = bulkAcceptPreview(minConfidence: minConfidence)
        var changes = [ReviewChange]()
        for i in llmLabels.indices where llmLabels[i].status == .unreviewed && llmLabels[i].confidence >= minConfidence {
            changes.append(ReviewChange(index: i, status: llmLabels[i].status, bulk: llmLabels[i].bulk))
            llmLabels[i].status = .accepted
            llmLabels[i].bulk = true
            log.append(.accept(itemID: llmLabels[i].itemID))
        }
        if !changes.isEmpty { reviewActions.append(changes) }
        return preview
    }

    /// Takes back the latest Review action (a bulk accept as a whole).
    public mutating func undoReview() -> ReviewUndoResult? {
        guard let changes = reviewActions.popLast(), let first = changes.first else { return nil }
        let kind: ReviewUndoResult.Kind = changes.count > 1 || llmLabels[first.index].bulk ? .bulkAccept
            : llmLabels[first.index].status == .accepted ? .accept : .override
        for c in changes {
            llmLabels[c.index].status = c.status
            llmLabels[c.index].bulk = c.bulk
        }
        let ids = changes.map { llmLabels[$0.index].itemID }
        log.append(.undoReview(itemIDs: ids))
        return ReviewUndoResult(kind: kind, itemIDs: ids, displayIDs: ids.map { datasetID(of: $0) ?? String($0) })
    }

    /// A scripted session has one expert, so nothing to settle.
    public func disputes() -> DisputeList {
        DisputeList(items: [], cannotSettle: "this session has one expert; disagreements need a second (imfl label … --annotator NAME)")
    }

    public func adjudicate(itemID: Int64, label: String) throws {
        throw BackendError("item \(itemID) is not disputed: this session has one expert")
    }

    public func dashboard() -> DashboardSnapshot {
        let schedule = expertPlan.enumerated().map { i, planned in
            let r = i + 1
            let llmPlanned = max(1, llmLabels.count / max(1, expertPlan.count))
            return ScheduleEntry(round: r, expertPlanned: planned, expertUsed: expertLabels.lazy.filter { $0.round == r }.count,
                                 llmPlanned: llmPlanned, llmUsed: llmLabels.lazy.filter { $0.round == r }.count)
        }
        let reviewed = llmLabels.filter { $0.status != .unreviewed && !$0.bulk }
        let agreed = reviewed.filter { $0.status == .accepted }.count
        return DashboardSnapshot(
            labels: info.labels, rounds: reports, schedule: schedule, currentRound: min(currentRound, expertPlan.count),
            promptTokens: llmLabels.count * 412, completionTokens: llmLabels.count * 3,
            expertCost: Double(expertLabels.count) * 0.5, llmCost: Double(llmLabels.count * 415) * 0.000_002,
            agreementCompared: reviewed.count, agreementAgreed: agreed,
            progress: progress, llm: llm)
    }
}

extension String {
    fileprivate var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}

extension ScriptedSession {
    /// Answers an effect synchronously, as `ScriptedBackend` would asynchronously; lets tests
    /// and the UI benchmark run whole sessions through `reduce` without a runtime.
    public mutating func perform(_ effect: Effect) -> Msg? {
        do {
            switch effect {
            case .loadSession: return .sessionLoaded(info)
            case .loadNextItem: return .itemLoaded(nextExpertItem())
            case .submitLabel(let id, let label): return .labelCommitted(try submitLabel(itemID: id, label: label).0)
            case .skip(let id):
                try skip(itemID: id)
                return .skipped(itemID: id)
            case .ignore(let id, let reason):
                try ignore(itemID: id, reason: reason)
                return .ignored(itemID: id)
            case .undo: return .undone(undo())
            case .setNote(let id, let note):
                setNote(itemID: id, note: note)
                return .noteSaved(itemID: id, note: note)
            case .loadReview(let sort, let unreviewedOnly, let round, let offset, let limit):
                return .reviewLoaded(reviewPage(sort: sort, unreviewedOnly: unreviewedOnly, round: round, offset: offset, limit: limit))
            case .accept(let id): return .reviewUpdated(try accept(itemID: id))
            case .override(let id, let label): return .reviewUpdated(try override(itemID: id, label: label))
            case .bulkAccept(let t): return .bulkAccepted(bulkAccept(minConfidence: t))
            case .previewBulkAccept(let t): return .bulkPreview(bulkAcceptPreview(minConfidence: t))
            case .undoReview: return .reviewUndone(undoReview())
            case .loadDashboard: return .dashboardLoaded(dashboard())
            case .loadDisputes: return .disputesLoaded(disputes())
            case .adjudicate(let id, let label):
                try adjudicate(itemID: id, label: label)
                return .adjudicated(itemID: id, label: label)
            case .retryLLM:
                llm.pausedReason = nil
                return nil
            case .quit: return nil
            }
        } catch {
            return .failed(effect, message: "\(error)")
        }
    }

    /// Feeds `msg` to `reduce` and answers every effect it causes, until none are left.
    public mutating func drive(_ state: inout AppState, _ msg: Msg) {
        var queue = [msg]
        while !queue.isEmpty {
            let m = queue.removeFirst()
            for effect in reduce(&state, m) {
                if let answer = perform(effect) { queue.append(answer) }
            }
        }
    }

    /// Starts a UI state on this session as the runtime does.
    public mutating func start(_ state: inout AppState) {
        for effect in startEffects() {
            if let answer = perform(effect) { drive(&state, answer) }
        }
    }
}
