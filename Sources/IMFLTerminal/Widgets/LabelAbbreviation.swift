/// Labels shortened to a column width so that different labels never look alike.
///
/// Large label sets name intents by a shared start and a distinguishing end
/// ("cash_withdrawal_not_recognised", "cash_withdrawal_fee_charged"): cut at the end, both
/// read "cash_withdrawal…" and a review row no longer says which label the LLM gave. The
/// labels are cut at the end when that keeps them apart; otherwise the ellipsis moves left,
/// keeping more of each label's end, until every shortened label is distinct.
public struct LabelAbbreviation {
    /// The shortened form of every label of the set.
    public let shortened: [String: String]
    public let width: Int

    /// - Parameters:
    ///   - labels: the whole label set: labels are kept apart from each other, whether shown
    ///     on screen now or not.
    ///   - width: the column width, in display columns.
    public init(labels: [String], width: Int) {
        self.width = width
        let distinct = Set(labels).count
        func attempt(head: Int) -> [String: String] {
            var out = [String: String]()
            for label in labels {
                out[label] = DisplayWidth.of(label) <= width
                    ? label : Self.prefix(label, columns: head) + "…" + Self.suffix(label, columns: width - 1 - head)
            }
            return out
        }
        guard width >= 2, labels.contains(where: { DisplayWidth.of($0) > width }) else {
            shortened = Dictionary(labels.map { ($0, truncate($0, width: width)) }, uniquingKeysWith: { a, _ in a })
            return
        }
        for head in stride(from: width - 1, through: 1, by: -1) {
            let candidate = attempt(head: head)
            if Set(candidate.values).count == distinct {
                shortened = candidate
                return
            }
        }
        shortened = attempt(head: width - 1)
    }

    /// `label` as the column shows it (cut at the end if it is not in the set).
    public func callAsFunction(_ label: String) -> String {
        shortened[label] ?? truncate(label, width: width)
    }

    /// The longest start of `text` that fits `columns`.
    static func prefix(_ text: String, columns: Int) -> String {
        var out = "", used = 0
        for c in text {
            let w = DisplayWidth.of(c)
            guard used + w <= columns else { break }
            out.append(c)
            used += w
        }
        return out
    }

    /// The longest end of `text` that fits `columns`.
    static func suffix(_ text: String, columns: Int) -> String {
        var out = [Character](), used = 0
        for c in text.reversed() {
            let w = DisplayWidth.of(c)
            guard used + w <= columns else { break }
            out.append(c)
            used += w
        }
        return String(out.reversed())
    }
}
