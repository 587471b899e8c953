import Foundation

/// Messages produced off the main thread (backend answers, engine events) waiting for the UI
/// loop, which polls between key reads.
final class Inbox: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [Msg] = []

    func push(_ msg: Msg) {
        lock.lock()
        messages.append(msg)
        lock.unlock()
    }

    func drain() -> [Msg] {
        lock.lock()
        defer { lock.unlock() }
        let out = messages
        messages.removeAll(keepingCapacity: true)
        return out
    }
}

/// How a UI run ended.
public enum ExitReason: Equatable, Sendable {
    case quit
    /// A signal stopped the UI after the terminal was restored.
    case signal(Int32)
}

/// The runtime: reads keys, folds messages into the state, runs effects against the backend
/// in order on one worker task, renders into a buffer and draws the diff.
///
/// Every curses call happens on the main actor, one at a time. Under Swift's async `main` on
/// Linux the main actor's jobs run on the thread that drains the main dispatch queue, which
/// need not be the process's first thread; curses only needs its calls serialised on one
/// executor, which the main actor guarantees.
@MainActor
public enum TerminalApp {
    /// Runs the UI until the expert quits or a signal arrives. Backend calls already sent are
    /// finished before it returns, so a label typed just before quitting is still stored.
    /// - Throws: `TerminalError` when the terminal cannot be used.
    public static func run(backend: any LabelingBackend, theme: Theme, keymap: KeyMap) async throws -> ExitReason {
        let terminal = try Terminal(theme: theme)
        defer { terminal.close() }
        let inbox = Inbox()
        let (effects, effectSink) = AsyncStream.makeStream(of: Effect.self)
        let worker = Task.detached {
            for await effect in effects {
                if let msg = await effect.perform(on: backend) { inbox.push(msg) }
            }
        }
        let listener = Task.detached {
            for await event in backend.events() { inbox.push(.event(event)) }
        }
        var state = AppState(keymap: keymap, width: terminal.width, height: terminal.height)
        var buffer = Buffer(width: 0, height: 0)
        for e in startEffects() { effectSink.yield(e) }
        var dirty = true
        var reason = ExitReason.quit
        loop: while true {
            if dirty {
                AppView.render(state, into: &buffer)
                terminal.draw(buffer)
                dirty = false
            }
            let signal = terminal.takeSignal()
            if signal != 0 {
                reason = .signal(signal)
                break
            }
            var messages = terminal.readInput(timeoutMs: 25).map { [$0] } ?? []
            messages += inbox.drain()
            for msg in messages {
                for effect in reduce(&state, msg) where effect != .quit { effectSink.yield(effect) }
                dirty = true
                if state.shouldQuit { break loop }
            }
            await Task.yield()
        }
        listener.cancel()
        effectSink.finish()
        terminal.close()
        _ = await worker.value
        return reason
    }
}
