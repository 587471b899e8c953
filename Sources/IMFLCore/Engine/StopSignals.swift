import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT, SIGTERM and SIGHUP turned from "die now" into an event the command handles.
///
/// Dying at the default disposition would leave the terminal in raw mode and the local
/// llama.cpp server (which runs in its own session) behind, and a command stuck waiting on
/// its engine would ignore the signal altogether. While a value lives, the three signals are
/// ignored at the process level and delivered through dispatch signal sources instead, so a
/// command can restore the terminal, cancel its task tree and stop what it started. When the
/// value is released (or `cancel()` is called) the default dispositions come back, so a
/// signal after that ends the process as usual.
///
///     let signals = StopSignals { _ in work.cancel() }
///     defer { signals.cancel() }
public final class StopSignals: @unchecked Sendable {
    /// The signals that ask a command to stop: ^C, `kill`, and a closed terminal or SSH link.
    public static let stopping: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    private let lock = NSLock()
    private var first: Int32?
    private var sources: [any DispatchSourceSignal] = []
    private let signals: [Int32]

    /// Starts catching `signals`.
    /// - Parameter onSignal: called on a dispatch queue for every signal received.
    public init(_ signals: [Int32] = StopSignals.stopping, onSignal: @escaping @Sendable (Int32) -> Void = { _ in }) {
        self.signals = signals
        let queue = DispatchQueue(label: "imfl.stop-signals")
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in
                self?.record(number)
                onSignal(number)
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit { cancel() }

    /// The first signal received, or nil while none has arrived.
    public var received: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return first
    }

    /// Stops catching: the default dispositions apply again. Safe to call twice.
    public func cancel() {
        lock.lock()
        let active = sources
        sources = []
        lock.unlock()
        guard !active.isEmpty else { return }
        for source in active { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }

    private func record(_ number: Int32) {
        lock.lock()
        if first == nil { first = number }
        lock.unlock()
    }
}

extension Task where Failure == Never {
    /// Waits for the task to finish, but no longer than `limit`.
    ///
    /// A command that stops on a signal cancels its work and then must exit promptly even
    /// when some part of that work does not check for cancellation (a retraining step, a
    /// blocking read); every label was committed in its own transaction, so leaving such a
    /// step unfinished loses nothing.
    /// - Returns: true when the task finished within `limit`.
    public func finished(within limit: Duration) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let once = ResumeOnce(continuation)
            Task<Void, Never> {
                _ = await self.value
                once.resume(true)
            }
            Task<Void, Never> {
                try? await Task<Never, Never>.sleep(for: limit)
                once.resume(false)
            }
        }
    }
}

/// A continuation that two racing tasks may both try to resume; the first one wins.
private final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Bool, Never>?

    init(_ continuation: CheckedContinuation<Bool, Never>) { self.continuation = continuation }

    func resume(_ value: Bool) {
        lock.lock()
        let c = continuation
        continuation = nil
        lock.unlock()
        c?.resume(returning: value)
    }
}
