import Foundation

/// How a failed call is retried: exponential backoff with jitter, and the server's Retry-After
/// honoured (up to a cap) when it sends one.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts per call, the first included.
    public var maxAttempts: Int
    /// Delay before the second attempt; it doubles for each further attempt.
    public var baseDelay: Duration
    /// Upper bound of the exponential delay.
    public var maxDelay: Duration
    /// Upper bound of a server-requested Retry-After wait.
    public var maxRetryAfter: Duration
    /// Fraction of the delay drawn at random (0 = none, 1 = "full jitter"), so that many
    /// clients failing together do not retry in lockstep.
    public var jitter: Double

    public init(
        maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30),
        maxRetryAfter: Duration = .seconds(120), jitter: Double = 0.5
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
        self.jitter = min(1, max(0, jitter))
    }

    /// The wait after failed attempt `attempt` (1-based).
    /// - Parameters:
    ///   - retryAfter: the server's Retry-After, which replaces the backoff (capped).
    ///   - random: a number in [0, 1) choosing the jitter.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration?, random: Double) -> Duration {
        if let retryAfter {
            return min(max(retryAfter, .zero), maxRetryAfter)
        }
        let exponent = Double(max(0, attempt - 1))
        let raw = min(baseDelay.seconds * pow(2, exponent), maxDelay.seconds)
        let jittered = raw * (1 - jitter * min(max(random, 0), 1))
        return .secondsDouble(jittered)
    }

    /// Parses an HTTP Retry-After value: delta-seconds ("120", also "1.5") or an HTTP-date
    /// ("Wed, 21 Oct 2015 07:28:00 GMT"). Nil when it is neither.
    public static func parseRetryAfter(_ value: String, now: Date = Date()) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed), seconds.isFinite {
            return .secondsDouble(seconds)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return .secondsDouble(date.timeIntervalSince(now))
    }
}
