/// The effects to run when the UI starts.
public func startEffects() -> [Effect] { [.loadSession] }

/// Folds one message into the state and returns the backend calls it needs. Pure: no I/O,
/// no clock, so scripted sessions in tests replay exactly.
///
/// Commit rule: a label key sends `.submitLabel` and puts the label screen in `.saving`; the
/// next item is requested only when `.labelCommitted` arrives. Label, skip and undo keys that
/// arrive meanwhile are ignored with a status message rather than queued: a queued key would
/// label an item the expert has not seen yet. Scrolling, screens and overlays stay live.
public func reduce(_ state: inout AppState, _ msg: Msg) -> [Effect] {
    switch msg {
    case .key(let key):
        return reduceKey(&state, key)
    case .resize(let w, let h):
        state.width = w
        state.height = h
        state.label.scroll = min(state.label.scroll, LabelScreen.maxScroll(state))
        LabelScreen.recordShownLines(&state)
        return []
    case .sessionLoaded(let info):
        state.session = info
        state.label.expertLabels = info.expertLabels
        state.labelKeys = state.keymap.labelKeys(count: info.labels.count)
        state.label.phase = .loading
        return [.loadNextItem, .loadDashboard]
    case .itemLoaded(let item):
        state.label.item = item
        if let round = item?.round { state.dashboard?.currentRound = round }
        state.label.phase = item == nil ? .waiting : .ready
        state.label.scroll = 0
        state.label.lastLineShown = false
        LabelScreen.recordShownLines(&state)
        return []
    case .labelCommitted(let commit):
        state.label.lastCommit = commit
        state.label.expertLabels = commit.expertLabelCount
        state.label.phase = .loading
        let shownID = state.label.item.flatMap { $0.itemID == commit.itemID ? $0.displayID : nil } ?? String(commit.itemID)
        state.status = .saved("saved “\(commit.label)” for item \(shownID)")
        return [.loadNextItem]
    case .skipped(let id):
        state.label.phase = .loading
        let shown = state.label.item.flatMap { $0.itemID == id ? $0.displayID : nil } ?? String(id)
        state.status = StatusLine("skipped item \(shown); it comes back after the other waiting items")
        return [.loadNextItem]
    case .ignored(let id):
        state.label.phase = .loading
        let shown = state.label.item.flatMap { $0.itemID == id ? $0.displayID : nil } ?? String(id)
        state.status = StatusLine("set item \(shown) aside, never trained on; u takes it back")
        return [.loadNextItem]
    case .undone(let result):
        guard let result else {
            state.label.phase = state.label.item == nil ? .waiting : .ready
            state.status = StatusLine("nothing to undo", .warning)
            return []
        }
        state.label.item = result.item
        state.label.phase = .ready
        state.label.scroll = 0
        state.label.lastLineShown = false
        LabelScreen.recordShownLines(&state)
        let when = result.afterTraining ? "; round \(result.round) is trained, so the change counts from the next retrain" : ""
        if result.ignored {
            state.status = StatusLine("took back setting item \(result.item.displayID) aside (round \(result.round)); label it now\(when)")
            return []
        }
        state.label.expertLabels = result.expertLabelCount ?? max(0, state.label.expertLabels - 1)
        state.status = StatusLine("undid “\(result.withdrawnLabel)” on item \(result.item.displayID) (round \(result.round)); label it again\(when)")
        return []
    case .noteSaved(let id, let note):
        if state.label.item?.itemID == id { state.label.item?.note = note.isEmpty ? nil : note }
        if let i = state.review.rows.firstIndex(where: { $0.itemID == id }) { state.review.rows[i].note = note.isEmpty ? nil : note }
        let shown = state.label.item.flatMap { $0.itemID == id ? $0.displayID : nil }
            ?? state.review.rows.first { $0.itemID == id }?.displayID ?? String(id)
        state.status = StatusLine(note.isEmpty ? "note cleared" : "note saved for item \(shown)")
        return []
    case .reviewLoaded(let page):
        guard page.sort == state.review.sort, page.unreviewedOnly == state.review.unreviewedOnly,
              page.round == state.review.round else { return [] }
        state.review.rows = page.items
        state.review.offset = page.offset
        state.review.total = page.total
        state.review.loading = false
        state.review.loaded = true
        if let anchor = state.review.anchor, let i = page.items.firstIndex(where: { $0.itemID == anchor }) {
            state.review.selected = page.offset + i
        } else {
            state.review.selected = min(state.review.selected, max(0, page.total - 1))
        }
        state.review.anchor = nil
        return []
    case .reviewUpdated(let item):
        state.review.pending.remove(item.itemID)
        if let i = state.review.rows.firstIndex(where: { $0.itemID == item.itemID }) {
            state.review.rows[i] = item
        }
        switch item.status {
        case .overridden(let l): state.status = StatusLine("item \(item.displayID): “\(item.llmLabel)” overridden with “\(l)”; u undoes")
        case .accepted: state.status = StatusLine("item \(item.displayID): “\(item.llmLabel)” accepted; u undoes")
        case .unreviewed: break
        }
        return []
    case .bulkAccepted(let result):
        state.review.bulkPreview = nil
        state.status = bulkAcceptLine(result)
        return result.accepted > 0 ? [reloadReview(&state)] : []
    case .bulkPreview(let result):
        if case .bulkThreshold(let text)? = state.overlay, Double(text) == result.minConfidence {
            state.review.bulkPreview = result
        }
        return []
    case .reviewUndone(let result):
        state.review.undoing = false
        guard let result else {
            state.status = StatusLine("nothing to undo on this screen (label undo is on the Label screen)", .warning)
            return []
        }
        let items = result.itemIDs.count == 1 ? "item \(result.displayIDs[0])" : "\(result.itemIDs.count) items"
        if result.kind == .adjudication {
            state.status = StatusLine("undid the decision on item \(result.displayIDs[0]); the experts' labels are disputed again (X lists them)")
            return [reloadReview(&state)]
        }
        let what = switch result.kind {
        case .accept: "accept"
        case .override: "override"
        case .bulkAccept: "bulk accept"
        case .adjudication: "decision"
        }
        state.status = StatusLine("undid the \(what) of \(items); the LLM label\(result.itemIDs.count == 1 ? " is" : "s are") unreviewed again")
        return [reloadReview(&state)]
    case .dashboardLoaded(let snapshot):
        state.dashboard = snapshot
        return []
    case .disputesLoaded(let list):
        guard case .disputes(var d)? = state.overlay else { return [] }
        d.list = list
        d.selected = max(0, min(d.selected, list.items.count - 1))
        state.overlay = .disputes(d)
        return []
    case .adjudicated(let id, let label):
        let shown: String
        if case .disputes(let d)? = state.overlay, let item = d.list?.items.first(where: { $0.itemID == id }) {
            shown = item.displayID
        } else {
            shown = String(id)
        }
        state.status = .saved("settled item \(shown) as “\(label)”; it trains on that from the next retrain (u in Review takes it back)")
        return [.loadDisputes]
    case .event(let event):
        return reduceEvent(&state, event)
    case .failed(let effect, let message):
        state.status = StatusLine(message, .error)
        switch effect {
        case .submitLabel, .skip, .ignore, .undo:
            state.label.phase = state.label.item == nil ? .waiting : .ready
        case .loadNextItem:
            state.label.phase = .waiting
        case .accept(let id), .override(let id, _):
            state.review.pending.remove(id)
        case .loadReview:
            state.review.loading = false
        case .undoReview:
            state.review.undoing = false
        case .loadSession, .setNote, .bulkAccept, .previewBulkAccept, .loadDashboard, .loadDisputes, .adjudicate, .retryLLM, .quit:
            break
        }
        return []
    }
}

private func reduceEvent(_ state: inout AppState, _ event: BackendEvent) -> [Effect] {
    switch event {
    case .progress(let task, let p):
        state.dashboard?.progress[task] = p
        return []
    case .llmStatus(let s):
        state.dashboard?.llm = s
        if let reason = s.pausedReason { state.status = StatusLine("LLM queue paused (E shows why in full): \(reason)", .warning) }
        return []
    case .roundFinished(let report):
        state.status = (state.status ?? StatusLine("")).announcing("round \(report.round) retrained: macro-F1 \(formatFixed(report.macroF1, 2))")
        return [.loadDashboard]
    case .expertQueueChanged(let count, let round):
        if let round, state.label.item?.round == round { state.label.item?.remainingInRound = count }
        guard count > 0, state.label.phase == .waiting else { return [] }
        state.label.phase = .loading
        return [.loadNextItem]
    case .reviewChanged:
        return state.screen == .review ? [reloadReview(&state)] : []
    case .notice(let text):
        state.status = (state.status ?? StatusLine("")).announcing(text)
        return []
    case .activity(let text):
        state.activity = text
        return []
    case .expertLabels(let count):
        state.label.expertLabels = count
        return []
    }
}

/// The Review list under a changed filter: from its top, with no row kept selected.
private func refilterReview(_ state: inout AppState, _ status: String) -> Effect {
    state.review.selected = 0
    state.review.scroll = 0
    state.review.rows = []
    state.status = StatusLine(status)
    let effect = reloadReview(&state)
    state.review.anchor = nil
    return effect
}

private func reloadReview(_ state: inout AppState) -> Effect {
    state.review.loading = true
    state.review.anchor = state.review.selectedItem?.itemID
    let offset = max(0, state.review.selected - ReviewScreenState.window / 2)
    return .loadReview(sort: state.review.sort, unreviewedOnly: state.review.unreviewedOnly, round: state.review.round,
                       offset: offset, limit: ReviewScreenState.window)
}

private func reduceKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    if key == .ctrl("c") {
        state.shouldQuit = true
        return [.quit]
    }
    if state.overlay != nil { return reduceOverlayKey(&state, key) }
    if let binding = state.keymap.binding(for: key, on: state.screen.scope) {
        if let reason = binding.disabledReason(state) {
            state.status = StatusLine("\(binding.help): \(reason)", .warning)
            return []
        }
        state.status = nil
        return perform(binding.action, &state)
    }
    if let index = state.labelIndex(for: key), state.screen != .dashboard {
        return chooseLabel(index, &state)
    }
    state.status = StatusLine("\(key) does nothing here; ? shows the keys", .warning)
    return []
}

/// Applies a chosen label on the label screen (commit) or the review screen (override).
private func chooseLabel(_ index: Int, _ state: inout AppState) -> [Effect] {
    let labels = state.labels
    guard labels.indices.contains(index) else { return [] }
    switch state.screen {
    case .label:
        if let reason = state.label.busyReason ?? state.label.noItemReason ?? LabelScreen.unseenReason(state) {
            state.status = StatusLine("key ignored: \(reason)", .warning)
            return []
        }
        guard let item = state.label.item else { return [] }
        state.label.phase = .saving(labels[index])
        state.status = nil
        return [.submitLabel(itemID: item.itemID, label: labels[index])]
    case .review:
        let tooSmall = state.fitsScreen ? nil : "the terminal is too small to show the row"
        if let reason = tooSmall ?? state.review.selectionReason {
            state.status = StatusLine("key ignored: \(reason)", .warning)
            return []
        }
        guard let item = state.review.selectedItem else { return [] }
        state.review.pending.insert(item.itemID)
        // The LLM's own label is an accept, not an override; either way the cursor moves on,
        // as accept does, so the next key never lands on the row just judged.
        let judged: Effect = labels[index] == item.llmLabel
            ? .accept(itemID: item.itemID) : .override(itemID: item.itemID, label: labels[index])
        return [judged] + move(.down, &state)
    case .dashboard:
        return []
    }
}

private func switchScreen(to screen: Screen, _ state: inout AppState) -> [Effect] {
    state.screen = screen
    switch screen {
    case .label: return []
    case .review: return [reloadReview(&state)]
    case .dashboard: return [.loadDashboard]
    }
}

private func perform(_ action: Action, _ state: inout AppState) -> [Effect] {
    switch action {
    case .quit:
        state.shouldQuit = true
        return [.quit]
    case .help:
        state.overlay = .help(scroll: 0)
    case .disputes:
        state.overlay = .disputes(DisputeState())
        return [.loadDisputes]
    case .guidelines:
        state.overlay = .guidelines(scroll: 0)
    case .nextScreen, .previousScreen:
        let all = Screen.allCases
        let step = action == .nextScreen ? 1 : all.count - 1
        return switchScreen(to: all[(all.firstIndex(of: state.screen)! + step) % all.count], &state)
    case .showLabel: return switchScreen(to: .label, &state)
    case .showReview: return switchScreen(to: .review, &state)
    case .showDashboard: return switchScreen(to: .dashboard, &state)
    case .skip:
        guard let item = state.label.item else { return [] }
        state.label.phase = .skipping
        return [.skip(itemID: item.itemID)]
    case .ignore:
        guard let item = state.label.item else { return [] }
        state.overlay = .ignore(itemID: item.itemID, reason: "")
    case .undo:
        if state.screen == .review {
            state.review.undoing = true
            return [.undoReview]
        }
        state.label.phase = .undoing
        return [.undo]
    case .note:
        if state.screen == .review {
            guard let item = state.review.selectedItem else { return [] }
            state.overlay = .note(itemID: item.itemID, text: item.note ?? "")
            return []
        }
        guard let item = state.label.item else { return [] }
        state.overlay = .note(itemID: item.itemID, text: item.note ?? "")
    case .pickLabel:
        switch state.screen {
        case .label:
            guard let item = state.label.item else { return [] }
            state.overlay = .picker(PickerState(purpose: .labelItem(item.itemID)))
        case .review:
            guard let item = state.review.selectedItem else { return [] }
            state.overlay = .picker(PickerState(purpose: .overrideReview(item.itemID)))
        case .dashboard: break
        }
    case .pageDown, .pageUp, .down, .up, .top, .bottom:
        return move(action, &state)
    case .textDown, .textUp:
        ReviewScreen.scrollDetail(&state, down: action == .textDown)
    case .accept:
        guard let item = state.review.selectedItem else { return [] }
        state.review.pending.insert(item.itemID)
        var effects: [Effect] = [.accept(itemID: item.itemID)]
        effects += move(.down, &state)
        return effects
    case .bulkAccept:
        state.overlay = .bulkThreshold(text: formatFixed(state.review.threshold, 2))
        state.review.thresholdOffered = true
        state.review.bulkPreview = nil
        return [.previewBulkAccept(minConfidence: state.review.threshold)]
    case .nextRoundFilter, .previousRoundFilter:
        // All rounds, then round 1, 2, … and back to all (`[` goes the other way).
        let rounds = max(state.session?.rounds ?? 1, state.dashboard?.schedule.count ?? 0)
        let cycle: [Int?] = [nil] + (1 ... max(1, rounds)).map { Optional($0) }
        let at = cycle.firstIndex { $0 == state.review.round } ?? 0
        let step = action == .nextRoundFilter ? 1 : cycle.count - 1
        state.review.round = cycle[(at + step) % cycle.count]
        return [refilterReview(&state, state.review.round.map { "showing round \($0)'s LLM labels only; ] and [ change the round" }
            ?? "showing every round's LLM labels")]
    case .filterUnreviewed:
        state.review.unreviewedOnly.toggle()
        return [refilterReview(&state, state.review.unreviewedOnly ? "showing only LLM labels not reviewed yet; F shows all" : "showing every LLM label")]
    case .cycleSort:
        state.review.sort = state.review.sort.next
        state.review.selected = 0
        state.review.scroll = 0
        state.review.rows = []
        state.status = StatusLine("sorted by \(state.review.sort.title)")
        return [reloadReview(&state)]
    case .refresh:
        return [.loadDashboard]
    case .retryLLM:
        state.status = StatusLine("retrying the LLM now…")
        return [.retryLLM]
    case .showLLMError:
        state.overlay = .llmError(scroll: 0)
    }
    return []
}

private func move(_ action: Action, _ state: inout AppState) -> [Effect] {
    switch state.screen {
    case .label:
        let page = max(1, LabelScreen.textPageHeight(state) - 1)
        var s = state.label.scroll
        switch action {
        case .pageDown: s += page
        case .pageUp: s -= page
        case .down: s += 1
        case .up: s -= 1
        default: break
        }
        state.label.scroll = max(0, min(s, LabelScreen.maxScroll(state)))
        LabelScreen.recordShownLines(&state)
        return []
    case .review:
        guard state.review.total > 0 else { return [] }
        let page = max(1, ReviewScreen.visibleRows(state))
        var sel = state.review.selected
        switch action {
        case .pageDown: sel += page
        case .pageUp: sel -= page
        case .down: sel += 1
        case .up: sel -= 1
        case .top: sel = 0
        case .bottom: sel = state.review.total - 1
        default: break
        }
        sel = max(0, min(sel, state.review.total - 1))
        state.review.selected = sel
        if sel < state.review.scroll { state.review.scroll = sel }
        if sel >= state.review.scroll + page { state.review.scroll = sel - page + 1 }
        let loadedRange = state.review.offset..<(state.review.offset + state.review.rows.count)
        if !loadedRange.contains(sel), !state.review.loading {
            return [reloadReview(&state)]
        }
        return []
    case .dashboard:
        let page = max(1, DashboardScreen.perClassRows(state) - 1)
        var s = state.perClassScroll
        switch action {
        case .pageDown: s += page
        case .pageUp: s -= page
        case .down: s += 1
        case .up: s -= 1
        default: break
        }
        state.perClassScroll = max(0, min(s, DashboardScreen.maxPerClassScroll(state)))
        return []
    }
}

private func reduceOverlayKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    guard let overlay = state.overlay else { return [] }
    switch overlay {
    case .disputes(var d):
        let count = d.list?.items.count ?? 0
        switch key {
        case .escape, .char("q"), .char("X"): state.overlay = nil
        case .char("j"), .down: d.selected = min(d.selected + 1, max(0, count - 1))
        case .char("k"), .up: d.selected = max(0, d.selected - 1)
        case _ where state.labelIndex(for: key) != nil:
            guard let item = d.selectedItem, let list = d.list else { return [] }
            if let why = list.cannotSettle {
                state.status = StatusLine(why, .warning)
                return []
            }
            return [.adjudicate(itemID: item.itemID, label: state.labels[state.labelIndex(for: key)!])]
        default: return []
        }
        if case .disputes = state.overlay { state.overlay = .disputes(d) }
        return []
    case .help(let scroll), .guidelines(let scroll), .llmError(let scroll):
        let content: TextOverlay.Content? = switch overlay {
        case .guidelines: .guidelines
        case .llmError: .llmError
        default: nil
        }
        let maxScroll = content.map { TextOverlay.maxScroll(state, $0) } ?? HelpOverlay.maxScroll(state)
        // The key that opened the overlay closes it, from the key table, so a rebound key does too.
        let opener: Action = switch content {
        case .guidelines: .guidelines
        case .llmError: .showLLMError
        case nil: .help
        }
        var s = scroll
        switch key {
        case .escape, .char("q"), .enter: state.overlay = nil; return []
        case _ where state.keymap.binding(for: key, on: .global)?.action == opener: state.overlay = nil; return []
        case .char("j"), .down: s += 1
        case .char("k"), .up: s -= 1
        case .pageDown, .char(" "): s += 10
        case .pageUp: s -= 10
        default: return []
        }
        s = max(0, min(s, maxScroll))
        state.overlay = switch content {
        case .guidelines: .guidelines(scroll: s)
        case .llmError: .llmError(scroll: s)
        case nil: .help(scroll: s)
        }
        return []
    case .note(let id, var text):
        switch key {
        case .escape:
            state.overlay = nil
        case .enter:
            state.overlay = nil
            return [.setNote(itemID: id, note: text)]
        case .backspace:
            if !text.isEmpty { text.removeLast() }
            state.overlay = .note(itemID: id, text: text)
        case .char(let c):
            text.append(c)
            state.overlay = .note(itemID: id, text: text)
        default: break
        }
        return []
    case .ignore(let id, var reason):
        switch key {
        case .escape:
            state.overlay = nil
        case .enter:
            state.overlay = nil
            guard state.label.item?.itemID == id, state.label.busyReason == nil else { return [] }
            state.label.phase = .ignoring
            return [.ignore(itemID: id, reason: reason)]
        case .backspace:
            if !reason.isEmpty { reason.removeLast() }
            state.overlay = .ignore(itemID: id, reason: reason)
        case .char(let c):
            reason.append(c)
            state.overlay = .ignore(itemID: id, reason: reason)
        default: break
        }
        return []
    case .bulkThreshold(var text):
        switch key {
        case .escape:
            state.overlay = nil
        case .enter:
            guard let t = Double(text), (0...1).contains(t) else {
                state.status = StatusLine("threshold must be a number between 0 and 1", .warning)
                return []
            }
            state.overlay = nil
            state.review.threshold = t
            return [.bulkAccept(minConfidence: t)]
        case .backspace:
            state.review.thresholdOffered = false
            if !text.isEmpty { text.removeLast() }
            return typedThreshold(text, &state)
        case .char(let c) where c.isNumber || c == ".":
            if state.review.thresholdOffered { text = "" }
            state.review.thresholdOffered = false
            text.append(c)
            return typedThreshold(text, &state)
        default: break
        }
        return []
    case .picker(var picker):
        let matches = picker.matches(state.labels)
        switch key {
        case .escape:
            state.overlay = nil
            return []
        case .enter:
            guard matches.indices.contains(picker.selected) else { return [] }
            state.overlay = nil
            return chooseLabel(matches[picker.selected], &state)
        case .down: picker.selected = min(picker.selected + 1, max(0, matches.count - 1))
        case .up: picker.selected = max(0, picker.selected - 1)
        case .pageDown: picker.selected = min(picker.selected + 10, max(0, matches.count - 1))
        case .pageUp: picker.selected = max(0, picker.selected - 10)
        case .backspace:
            if !picker.filter.isEmpty { picker.filter.removeLast() }
            picker.selected = 0
        case .char(let c):
            picker.filter.append(c)
            picker.selected = 0
        default: break
        }
        state.overlay = .picker(picker)
        return []
    }
}

/// `value` with `digits` decimals, without Foundation's locale-dependent formatting.
public func formatFixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "–" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    let frac = Int(scaled) - whole * Int(scale)
    let sign = value < 0 && scaled != 0 ? "-" : ""
    guard digits > 0 else { return sign + String(whole) }
    let fracText = String(frac)
    return sign + String(whole) + "." + String(repeating: "0", count: digits - fracText.count) + fracText
}

/// The threshold prompt changed: ask what a bulk accept at the new value would do.
private func typedThreshold(_ text: String, _ state: inout AppState) -> [Effect] {
    state.overlay = .bulkThreshold(text: text)
    state.review.bulkPreview = nil
    guard let t = Double(text), (0...1).contains(t) else { return [] }
    return [.previewBulkAccept(minConfidence: t)]
}

/// What a bulk accept did, and why it accepted nothing when it did not.
private func bulkAcceptLine(_ r: BulkAcceptResult) -> StatusLine {
    let t = formatFixed(r.minConfidence, 2)
    if r.accepted > 0 {
        return StatusLine("accepted \(r.accepted) LLM label\(r.accepted == 1 ? "" : "s") with confidence ≥ \(t) as one step; u undoes it")
    }
    if r.unreviewed == 0 { return StatusLine("accepted none: every LLM label is already reviewed", .warning) }
    if r.withoutConfidence == r.unreviewed {
        return StatusLine("accepted none: the LLM endpoint reports no confidence (no log-probabilities), so no threshold applies; accept one by one with a", .warning)
    }
    return StatusLine("accepted none: no unreviewed LLM label has confidence ≥ \(t)", .warning)
}
