import Foundation

/// When the circuit breaker stops calling a failing endpoint, and for how long.
public struct CircuitBreakerPolicy: Sendable, Hashable {
    /// Consecutive failed attempts (transport errors, timeouts, 429, 5xx) that open the breaker.
    public var failureThreshold: Int
    /// First pause; it doubles each time a trial call after a pause fails.
    public var cooldown: Duration
    /// Longest pause.
    public var maxCooldown: Duration

    public init(failureThreshold: Int = 5, cooldown: Duration = .seconds(30), maxCooldown: Duration = .seconds(300)) {
        self.failureThreshold = max(1, failureThreshold)
        self.cooldown = cooldown
        self.maxCooldown = maxCooldown
    }
}

/// Pauses calls to an endpoint after repeated failures, so that a dead server is not hammered
/// and the engine can requeue quickly instead of waiting through every retry.
///
/// Closed: calls go through; failures are counted. Open: calls fail at once with
/// ``LLMError/paused(reason:until:)`` until the pause ends. After it, calls go through again
/// ("half-open"): the first success closes the breaker, the first failure reopens it with a
/// doubled pause.
actor CircuitBreaker {
    private enum State {
        case closed(failures: Int)
        case open(until: ContinuousClock.Instant, wallUntil: Date, reason: String, cooldown: Duration)
        case halfOpen(cooldown: Duration)
    }

    private let policy: CircuitBreakerPolicy
    private var state: State = .closed(failures: 0)
    private let clock = ContinuousClock()

    init(policy: CircuitBreakerPolicy) {
        self.policy = policy
    }

    /// Throws ``LLMError/paused(reason:until:)`` while open; otherwise lets the call through.
    func permit() throws {
        if case .open(let until, let wallUntil, let reason, let cooldown) = state {
            if clock.now < until {
                throw LLMError.paused(reason: reason, until: wallUntil)
            }
            state = .halfOpen(cooldown: cooldown)
        }
    }

    /// Records a successful attempt. Returns true when this ends a pause or a failure streak.
    @discardableResult
    func recordSuccess() -> Bool {
        let recovered: Bool
        switch state {
        case .closed(let failures): recovered = failures > 0
        case .open, .halfOpen: recovered = true
        }
        state = .closed(failures: 0)
        return recovered
    }

    /// Records a failed attempt. Returns the end of the pause when this failure opens the breaker.
    func recordFailure(reason: String) -> Date? {
        switch state {
        case .closed(let failures):
            if failures + 1 >= policy.failureThreshold {
                return open(reason: reason, cooldown: policy.cooldown)
            }
            state = .closed(failures: failures + 1)
            return nil
        case .halfOpen(let cooldown):
            return open(reason: reason, cooldown: min(cooldown * 2, policy.maxCooldown))
        case .open(_, let wallUntil, _, _):
            return wallUntil
        }
    }

    private func open(reason: String, cooldown: Duration) -> Date {
        let wallUntil = Date().addingTimeInterval(cooldown.seconds)
        state = .open(until: clock.now + cooldown, wallUntil: wallUntil, reason: reason, cooldown: cooldown)
        return wallUntil
    }
}
