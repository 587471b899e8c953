import Foundation

/// Why an LLM call failed. Descriptions name the endpoint and the problem, never the API key.
public enum LLMError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The endpoint is configured to read its key from an environment variable that is not set.
    case missingAPIKey(variable: String)
    /// The configured base URL cannot be used.
    case invalidBaseURL(String)
    /// The server could not be reached (refused, reset, DNS, connect timeout).
    case connectionFailed(endpoint: String, reason: String)
    /// No complete answer arrived within the request timeout (a stalled or trickling server).
    case timedOut(endpoint: String, after: Duration)
    /// The server answered with an HTTP error status.
    case httpStatus(endpoint: String, status: Int, message: String)
    /// The server answered 429; `retryAfter` is its Retry-After header, when it sent one.
    case rateLimited(endpoint: String, retryAfter: Duration?)
    /// The server answered 2xx but the body is not a chat completion.
    case malformedResponse(endpoint: String, reason: String)
    /// The model answered something that is not one of the labels.
    case answerOutsideLabelSet(answer: String, labels: [String])
    /// The circuit breaker has paused calls after repeated failures; try again after `until`.
    case paused(reason: String, until: Date)

    /// Whether another attempt at the same request may succeed: transport failures, timeouts,
    /// rate limits and server-side errors. Malformed answers and client errors are not retried.
    public var isRetryable: Bool {
        switch self {
        case .connectionFailed, .timedOut, .rateLimited: true
        case .httpStatus(_, let status, _): status >= 500 || status == 408
        default: false
        }
    }

    /// The wait the server asked for, if any.
    public var retryAfter: Duration? {
        if case .rateLimited(_, let after) = self { return after }
        return nil
    }

    public var description: String {
        switch self {
        case .missingAPIKey(let variable):
            "the LLM endpoint reads its API key from the environment variable \(variable), which is not set"
        case .invalidBaseURL(let url):
            "invalid LLM base URL '\(url)': expected http(s)://host[:port]/path, e.g. http://127.0.0.1:8080/v1"
        case .connectionFailed(let endpoint, let reason):
            "cannot reach the LLM at \(endpoint): \(reason)"
        case .timedOut(let endpoint, let after):
            "the LLM at \(endpoint) gave no complete answer within \(after.formattedSeconds)"
        case .httpStatus(let endpoint, let status, let message):
            "the LLM at \(endpoint) answered HTTP \(status)" + (message.isEmpty ? "" : ": \(message)")
        case .rateLimited(let endpoint, let after):
            "the LLM at \(endpoint) is rate limiting (HTTP 429)"
                + (after.map { ", retry after \($0.formattedSeconds)" } ?? "")
        case .malformedResponse(let endpoint, let reason):
            "the LLM at \(endpoint) sent a malformed response: \(reason)"
        case .answerOutsideLabelSet(let answer, let labels):
            "the LLM answered '\(answer.prefix(80))', which is not one of the labels \(labels.joined(separator: ", "))"
        case .paused(let reason, let until):
            "the endpoint failed repeatedly, so no call goes out for \(max(0, Int(until.timeIntervalSinceNow.rounded(.up)))) s: \(reason)"
        }
    }
}

extension Duration {
    /// Seconds as a Double, for arithmetic and display.
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// Seconds to two decimals followed by "s".
    var formattedSeconds: String { String(format: "%.2fs", seconds) }

    /// A duration from a (non-negative) number of seconds.
    static func secondsDouble(_ value: Double) -> Duration {
        .nanoseconds(Int64((max(0, value) * 1e9).rounded()))
    }
}
