/// How the LLM queue lays out few-shot prompts and in which order it sends them.
///
/// A llama.cpp server keeps the KV cache of each slot's last prompt (`cache_prompt`) and
/// evaluates only the tokens after the longest prefix the new prompt shares with it. Every
/// prompt starts with the same instruction; what follows decides how much more is shared.
/// All layouts but `groupExamples` carry exactly the same examples per item (the k most
/// similar expert labels); they differ only in the examples' order inside a prompt and in the
/// order of the calls.
public enum PromptLayout: String, Sendable, Hashable, Codable, CaseIterable {
    /// Examples by similarity, least similar first and the most similar next to the item;
    /// calls in queue rank order. Consecutive prompts share the instruction and, by chance,
    /// little more.
    case similarity
    /// Examples in one canonical order for the whole queue: the examples that most of the
    /// queue's items carry come first, then the rarer ones (ties by example id), the way an
    /// FP-tree orders items so that transactions share prefixes. Calls go out in lexicographic
    /// order of those example lists, a depth-first walk of their prefix tree, so that
    /// consecutive prompts share the instruction and the longest run of common examples.
    case sharedPrefix = "shared-prefix"
    /// Changes which examples a prompt carries: the example carried by the most items makes a
    /// group of those items, then the same among the items left, and so on; every prompt of a
    /// group carries the k − 1 examples the group's items carry most often, then the item's own
    /// most similar example not among them, next to the item. Every prompt still carries the
    /// item's most similar example and only examples retrieved for an item of its group; a
    /// group's prompts differ only in their last example, so a server evaluates little more
    /// than that example and the item after the group's first call.
    case groupExamples = "group-examples"
    /// As `groupExamples`, but a group's prompts carry the k examples its items carry most
    /// often, then the item's own most similar example not among them: k + 1 examples. The
    /// shared part is evaluated once per group, so the extra example costs a group one example's
    /// tokens and each later prompt nothing, and it gives back the context `groupExamples`
    /// takes from each item.
    case groupContext = "group-context"
}

/// The order of a batch of LLM calls and of the examples inside each prompt, computed from
/// which examples each item carries. Pure: the same input gives the same plan.
public struct PromptPlan<Example: Hashable & Comparable>: Sendable, Equatable where Example: Sendable {
    /// Indices into the planned items, in the order their calls go out.
    public var order: [Int]
    /// Per planned item (by its input index), its examples in prompt order, first to last: a
    /// permutation of the item's retrieved examples, except under `groupExamples`.
    public var examples: [[Example]]

    /// Plans `ranked`, one entry per queued item in queue order, each the item's retrieved
    /// examples most similar first.
    public init(_ ranked: [[Example]], layout: PromptLayout) {
        switch layout {
        case .similarity:
            order = Array(ranked.indices)
            examples = ranked.map { Array($0.reversed()) }
        case .sharedPrefix:
            let canonical = Self.canonicalOrder(ranked)
            examples = ranked.map { $0.sorted(by: canonical) }
            order = Self.lexicographic(examples, by: canonical)
        case .groupExamples:
            (order, examples) = Self.groups(ranked, shared: { $0 - 1 })
        case .groupContext:
            (order, examples) = Self.groups(ranked, shared: { $0 })
        }
    }

    /// Examples carried by more lists first, ties by example.
    private static func canonicalOrder(_ lists: [[Example]]) -> (Example, Example) -> Bool {
        var carriers: [Example: Int] = [:]
        for list in lists {
            for example in Set(list) { carriers[example, default: 0] += 1 }
        }
        return { a, b in
            let (ca, cb) = (carriers[a, default: 0], carriers[b, default: 0])
            return ca != cb ? ca > cb : a < b
        }
    }

    /// Indices of `lists` in lexicographic order under `before`; a list before its extensions,
    /// equal lists by index.
    private static func lexicographic(_ lists: [[Example]], by before: (Example, Example) -> Bool) -> [Int] {
        lists.indices.sorted { i, j in
            for (a, b) in zip(lists[i], lists[j]) where a != b { return before(a, b) }
            return lists[i].count != lists[j].count ? lists[i].count < lists[j].count : i < j
        }
    }

    /// `groupExamples` and `groupContext`: the example carried by the most items not yet in a
    /// group makes the next group, of those items (ties by example); each group's `shared(k)`
    /// most carried examples (ties in canonical order), then each item's most similar example
    /// not among them.
    private static func groups(_ ranked: [[Example]], shared sharedCount: (Int) -> Int) -> (order: [Int], examples: [[Example]]) {
        let canonical = canonicalOrder(ranked)
        var examples = ranked.map { _ in [Example]() }
        var order: [Int] = []
        var left = ranked.indices.filter { !ranked[$0].isEmpty }
        while !left.isEmpty {
            var carriers: [Example: Int] = [:]
            for i in left {
                for example in Set(ranked[i]) { carriers[example, default: 0] += 1 }
            }
            let key = carriers.keys.min { a, b in carriers[a]! != carriers[b]! ? carriers[a]! > carriers[b]! : a < b }!
            let group = left.filter { ranked[$0].contains(key) }
            left.removeAll { ranked[$0].contains(key) }
            let k = group.map { ranked[$0].count }.max() ?? 0
            var carried: [Example: Int] = [:]
            for i in group {
                for example in Set(ranked[i]) { carried[example, default: 0] += 1 }
            }
            let common = carried.keys.sorted { a, b in
                carried[a]! != carried[b]! ? carried[a]! > carried[b]! : canonical(a, b)
            }
            let shared = Array(common.prefix(max(0, sharedCount(k))))
            for i in group {
                let own = ranked[i].first { !shared.contains($0) }
                examples[i] = shared + (own.map { [$0] } ?? [])
            }
            order += group
        }
        order += ranked.indices.filter { ranked[$0].isEmpty }
        return (order, examples)
    }

    /// Examples each call shares, from its first, with the call sent just before it (0 for
    /// the first call): how much of the example part of a prompt a server reusing the
    /// previous prompt's cache need not evaluate again.
    public var sharedPrefixLengths: [Int] {
        order.indices.map { position in
            guard position > 0 else { return 0 }
            return Self.commonPrefix(examples[order[position - 1]], examples[order[position]])
        }
    }

    /// The number of leading elements `a` and `b` have in common.
    public static func commonPrefix(_ a: [Example], _ b: [Example]) -> Int {
        zip(a, b).prefix { $0 == $1 }.count
    }
}
