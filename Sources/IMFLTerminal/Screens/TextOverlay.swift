/// A long text in a box over the screen, wrapped and scrollable: the session's guidelines
/// (`g`) and the LLM's last error in full (`E`), which the status line and the dashboard can
/// only show cut at the screen's edge.
public enum TextOverlay {
    /// What the overlay shows.
    public enum Content: Sendable, Equatable {
        case guidelines
        case llmError

        func title(_ state: AppState) -> String {
            switch self {
            case .guidelines: "Guidelines · \(state.session?.name ?? "")"
            case .llmError: "The LLM's last error"
            }
        }

        func text(_ state: AppState) -> String {
            switch self {
            case .guidelines: state.session?.guidelines ?? ""
            case .llmError:
                [state.dashboard?.llm.pausedReason.map { "Paused: \($0)" },
                 state.dashboard?.llm.lastError.map { "Last error: \($0)" },
                 state.dashboard?.llm.pausedReason == nil && state.dashboard?.llm.lastError == nil ? nil : Self.whatToDo(state)]
                    .compactMap { $0 }.joined(separator: "\n\n")
            }
        }

        /// What the expert can do about a failing LLM, which never stops their own labeling.
        static func whatToDo(_ state: AppState) -> String {
            let retry = state.keymap.bindings(for: .global).first { $0.action == .retryLLM }?.keyText ?? "T"
            return "What to do: keep labeling, your labels are saved and the LLM's items wait for it. "
                + "Check the endpoint (is the server up, the URL and model right? `imfl llm test SESSION` sends one probe "
                + "and says what it got), then press \(retry) to retry now; while paused, one trial call goes out by itself "
                + "when the pause ends and success resumes the queue."
        }

        func closeHint(_ state: AppState) -> String {
            let key: Action = self == .guidelines ? .guidelines : .showLLMError
            let keys = state.keymap.bindings(for: .global).first { $0.action == key }?.keyText ?? ""
            return "Esc or \(keys) closes · j/k scroll"
        }
    }

    static func box(_ area: Rect) -> Rect {
        area.centered(width: min(area.width, 76), height: area.height - 2)
    }

    static func lines(_ state: AppState, _ content: Content) -> [String] {
        let inner = box(Rect(x: 0, y: 0, width: state.width, height: state.height)).inset()
        return content.text(state).split(separator: "\n", omittingEmptySubsequences: false)
            .flatMap { paragraph in paragraph.isEmpty ? [""] : wrap(String(paragraph), width: max(1, inner.width - 2)) }
    }

    public static func maxScroll(_ state: AppState, _ content: Content) -> Int {
        let inner = box(Rect(x: 0, y: 0, width: state.width, height: state.height)).inset()
        return max(0, lines(state, content).count - (inner.height - 1))
    }

    public static func render(_ state: AppState, _ content: Content, scroll: Int, into buffer: inout Buffer, area: Rect) {
        let inner = Box(title: content.title(state), style: Style(content == .llmError ? .warning : .accent))
            .render(into: &buffer, area: box(area))
        guard inner.height > 1 else { return }
        for (i, line) in lines(state, content).dropFirst(scroll).prefix(inner.height - 1).enumerated() {
            buffer.put(line, x: inner.x + 1, y: inner.y + i, style: .text, maxX: inner.right)
        }
        buffer.put(content.closeHint(state), x: inner.x + 1, y: inner.bottom - 1, style: .dim, maxX: inner.right)
    }
}
