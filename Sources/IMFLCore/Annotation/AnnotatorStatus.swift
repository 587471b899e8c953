import Foundation

/// What the LLM annotator is doing, for the engine and the UI to show. Published only when it
/// changes, so a subscriber sees `ok` once after a recovery rather than once per call.
public enum AnnotatorStatus: Sendable, Equatable {
    /// Calls are succeeding.
    case ok
    /// A call failed and will be tried again after `delay`.
    case retrying(attempt: Int, maxAttempts: Int, reason: String, delay: Duration)
    /// The circuit breaker stopped calls after repeated failures; they resume after `until`.
    case paused(reason: String, until: Date)
}

/// Fans status changes out to any number of `AsyncStream` subscribers. A new subscriber first
/// receives the current status.
final class StatusBroadcaster: @unchecked Sendable {
    private let lock = NSLock()
    private var current: AnnotatorStatus = .ok
    private var subscribers: [UInt64: AsyncStream<AnnotatorStatus>.Continuation] = [:]
    private var nextID: UInt64 = 0

    var status: AnnotatorStatus { lock.withLock { current } }

    func stream() -> AsyncStream<AnnotatorStatus> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: AnnotatorStatus.self, bufferingPolicy: .bufferingNewest(32))
        let id = lock.withLock {
            let id = nextID
            nextID += 1
            subscribers[id] = continuation
            continuation.yield(current)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            self?.lock.withLock { _ = self?.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Publishes `status`; `ok` after `ok` is not repeated, every retry and pause is.
    func publish(_ status: AnnotatorStatus) {
        lock.withLock {
            if status == .ok, current == .ok { return }
            current = status
            for continuation in subscribers.values { continuation.yield(status) }
        }
    }

    func finish() {
        let all = lock.withLock {
            let all = Array(subscribers.values)
            subscribers.removeAll()
            return all
        }
        for continuation in all { continuation.finish() }
    }
}
