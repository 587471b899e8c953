import Foundation
import IMFLCore

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
    /// The terminal went away (its window or SSH connection closed).
    case endOfInput

    /// The exit status a command reports for this ending: 0 after quitting, 128 + the signal
    /// number after a signal, and that of SIGHUP when the terminal went away, which is what a
    /// hang-up is.
    public var exitStatus: Int32 {
        switch self {
        case .quit: 0
        case .signal(let s): 128 + s
        case .endOfInput: 128 + SIGHUP
        }
    }
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
    /// Runs the UI until the expert quits, one of `signals` arrives or the terminal goes away.
    /// Backend calls already sent are finished before it returns, so a label typed just
    /// before quitting is still stored.
    /// - Parameter signals: caught by the caller before curses starts (so that curses leaves
    ///   them alone) and kept until its own clean-up is done.
    /// - Throws: `TerminalError` when the terminal cannot be used.
    public static func run(backend: any LabelingBackend, theme: Theme, keymap: KeyMap, signals: StopSignals) async throws -> ExitReason {
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
            if let signal = signals.received {
                reason = .signal(signal)
                break
            }
            var messages = terminal.readInput(timeoutMs: 25).map { [$0] } ?? []
            if terminal.inputClosed {
                reason = .endOfInput
                break
            }
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
