import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Where an OpenAI-compatible chat endpoint is and how to authenticate to it.
public struct ChatEndpoint: Sendable, Hashable {
    /// The API root, e.g. `https://api.openai.com/v1`, `http://127.0.0.1:8080/v1` (llama.cpp),
    /// `http://localhost:11434/v1` (Ollama), `http://gpu-box:8000/v1` (vLLM).
    public var baseURL: String
    public var model: String
    /// The NAME of the environment variable holding the API key; nil for servers without keys.
    /// The key itself is read at each request and never stored, logged or put in an error.
    public var apiKeyVariable: String?

    public init(baseURL: String, model: String, apiKeyVariable: String? = nil) {
        self.baseURL = baseURL
        self.model = model
        self.apiKeyVariable = apiKeyVariable
    }

    /// `<baseURL>/chat/completions`.
    public func chatCompletionsURL() throws -> String {
        var base = baseURL.trimmingCharacters(in: .whitespaces)
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", url.host?.isEmpty == false
        else { throw LLMError.invalidBaseURL(baseURL) }
        return base + "/chat/completions"
    }
}

/// Timeouts, concurrency, retries and the circuit breaker of an ``OpenAIChatClient``.
public struct ChatClientPolicy: Sendable, Hashable {
    /// Time to open a connection.
    public var connectTimeout: Duration
    /// Time for one attempt to deliver a complete response; a server that stalls or trickles
    /// bytes hits it.
    public var requestTimeout: Duration
    /// Requests in flight at once; further calls wait their turn.
    public var maxConcurrentRequests: Int
    public var retry: RetryPolicy
    public var breaker: CircuitBreakerPolicy
    /// Largest response body accepted.
    public var maxResponseBytes: Int

    public init(
        connectTimeout: Duration = .seconds(5), requestTimeout: Duration = .seconds(120),
        maxConcurrentRequests: Int = 2, retry: RetryPolicy = RetryPolicy(),
        breaker: CircuitBreakerPolicy = CircuitBreakerPolicy(), maxResponseBytes: Int = 4 << 20
    ) {
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maxConcurrentRequests = max(1, maxConcurrentRequests)
        self.retry = retry
        self.breaker = breaker
        self.maxResponseBytes = maxResponseBytes
    }
}

/// A client for the OpenAI-compatible chat completions API (OpenAI, vLLM, llama.cpp's server,
/// Ollama): bounded concurrency, retries with backoff and jitter on connection errors, 429
/// (honouring Retry-After) and 5xx, and a circuit breaker that pauses calls after repeated
/// failures. A failure reaches the caller as the ``LLMError`` it throws (the engine pauses
/// its LLM queue on those), and every call is logged with its attempts.
///
/// Cancelling the calling task cancels the request in flight and any backoff wait.
/// Call ``shutdown()`` when done.
///
///     let client = OpenAIChatClient(endpoint: ChatEndpoint(baseURL: "http://127.0.0.1:8080/v1", model: "local"))
///     defer { Task { try? await client.shutdown() } }
///     let completion = try await client.complete(request)
public final class OpenAIChatClient: Sendable {
    public let endpoint: ChatEndpoint
    public let policy: ChatClientPolicy
    private let http: HTTPClient
    private let limiter: ConcurrencyLimiter
    private let breaker: CircuitBreaker
    private let environment: @Sendable (String) -> String?

    /// - Parameter environment: looks up environment variables (the real environment by
    ///   default; tests pass their own).
    public init(
        endpoint: ChatEndpoint, policy: ChatClientPolicy = ChatClientPolicy(),
        environment: @escaping @Sendable (String) -> String? = { ProcessInfo.processInfo.environment[$0] }
    ) {
        self.endpoint = endpoint
        self.policy = policy
        self.environment = environment
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .nanoseconds(Int64(policy.connectTimeout.seconds * 1e9)))
        configuration.redirectConfiguration = .disallow
        // One HTTP/1.1 connection per request in flight: the pool's default of 8 per host
        // would queue the rest and cap a concurrency of 16 at 8.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(8, policy.maxConcurrentRequests)
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        self.limiter = ConcurrencyLimiter(limit: policy.maxConcurrentRequests)
        self.breaker = CircuitBreaker(policy: policy.breaker)
    }

    /// Sends `request`, retrying transient failures.
    /// - Throws: ``LLMError`` after the last attempt, at once for non-retryable failures, or
    ///   ``LLMError/paused(reason:until:)`` while the circuit breaker is open;
    ///   `CancellationError` when the task is cancelled.
    public func complete(_ request: ChatRequest) async throws -> ChatCompletion {
        let url = try endpoint.chatCompletionsURL()
        let apiKey = try resolveAPIKey()
        let body = request.body()
        let start = ContinuousClock.now
        try await limiter.acquire()
        do {
            var completion = try await withRetries(url: url, apiKey: apiKey, body: body)
            completion.latency = ContinuousClock.now - start
            await limiter.release()
            return completion
        } catch {
            await limiter.release()
            throw error
        }
    }

    /// The model names the endpoint serves (`GET {base_url}/models`), in its order: what a
    /// session's `llm.model` must be one of. One attempt, no retries: a pre-flight check.
    /// - Throws: ``LLMError`` when the endpoint cannot be reached or answers otherwise.
    public func models() async throws -> [String] {
        let base = endpoint.baseURL.hasSuffix("/") ? String(endpoint.baseURL.dropLast()) : endpoint.baseURL
        let apiKey = try resolveAPIKey()
        var request = HTTPClientRequest(url: base + "/models")
        request.headers.add(name: "Accept", value: "application/json")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        let raw: RawResponse
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(Int64(policy.requestTimeout.seconds * 1e9)))
            let bytes = try await response.body.collect(upTo: policy.maxResponseBytes)
            raw = RawResponse(status: Int(response.status.code), headers: response.headers, body: bytes)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw classify(error, apiKey: apiKey)
        }
        guard (200 ..< 300).contains(raw.status) else {
            throw LLMError.httpStatus(endpoint: endpoint.baseURL, status: raw.status,
                                      message: scrub(Self.errorMessage(in: String(buffer: raw.body)), apiKey))
        }
        struct Wire: Decodable {
            struct Model: Decodable { var id: String }
            var data: [Model]
        }
        guard let wire = try? JSONDecoder().decode(Wire.self, from: Data(String(buffer: raw.body).utf8)) else {
            throw LLMError.malformedResponse(endpoint: endpoint.baseURL, reason: "GET /models did not answer {\"data\": [{\"id\": …}]}")
        }
        return wire.data.map(\.id)
    }

    /// Closes connections. The client cannot be used afterwards.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// A client released without `shutdown()` (an error path that skipped it) must not take
    /// the process down: AsyncHTTPClient traps when a running client is deinitialised. The
    /// shutdown started here completes in the background; after an earlier `shutdown()` it
    /// only reports that the client is already shut down, which is ignored.
    deinit {
        let http = self.http
        http.shutdown { _ in _ = http }
    }

    // MARK: - Attempts

    private func resolveAPIKey() throws -> String? {
        guard let name = endpoint.apiKeyVariable, !name.isEmpty else { return nil }
        guard let key = environment(name), !key.isEmpty else { throw LLMError.missingAPIKey(variable: name) }
        return key
    }

    private func withRetries(url: String, apiKey: String?, body: Data) async throws -> ChatCompletion {
        let maxAttempts = policy.retry.maxAttempts
        var attempt = 1
        while true {
            try Task.checkCancellation()
            try await breaker.permit()
            do {
                var completion = try await attemptOnce(url: url, apiKey: apiKey, body: body)
                completion.attempts = attempt
                await breaker.recordSuccess()
                return completion
            } catch let error as LLMError where error.isRetryable {
                let reason = error.description
                if let until = await breaker.recordFailure(reason: reason) {
                    throw LLMError.paused(reason: reason, until: until)
                }
                guard attempt < maxAttempts else { throw error }
                let delay = policy.retry.delay(
                    afterAttempt: attempt, retryAfter: error.retryAfter, random: Double.random(in: 0..<1))
                attempt += 1
                try await Task.sleep(for: delay)
            }
        }
    }

    private struct RawResponse: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    private struct AttemptTimedOut: Error {}

    private func attemptOnce(url: String, apiKey: String?, body: Data) async throws -> ChatCompletion {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(bytes: body))

        let timeout = policy.requestTimeout
        let maxBytes = policy.maxResponseBytes
        let http = self.http
        let sendable = SendableRequest(request: request)
        let raw: RawResponse
        // The timeout covers the whole answer, body included: `execute(deadline:)` bounds only
        // the response head, so the body is read chunk by chunk against the same deadline. A
        // server that trickles bytes is cut off at the first chunk past it, however late the
        // reading task runs on a busy machine; the sleeping child below covers a body that
        // stops arriving altogether.
        let deadline = NIODeadline.now() + .nanoseconds(Int64(timeout.seconds * 1e9))
        do {
            raw = try await withThrowingTaskGroup(of: RawResponse?.self) { group in
                group.addTask {
                    let response = try await http.execute(sendable.request, deadline: deadline + .seconds(1))
                    var bytes = ByteBuffer()
                    for try await chunk in response.body {
                        guard NIODeadline.now() < deadline else { throw AttemptTimedOut() }
                        guard bytes.readableBytes + chunk.readableBytes <= maxBytes else {
                            throw NIOTooManyBytesError(maxBytes: maxBytes)
                        }
                        var chunk = chunk
                        bytes.writeBuffer(&chunk)
                    }
                    return RawResponse(status: Int(response.status.code), headers: response.headers, body: bytes)
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else { throw AttemptTimedOut() }
                return response
            }
        } catch is AttemptTimedOut {
            throw LLMError.timedOut(endpoint: endpoint.baseURL, after: timeout)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw classify(error, apiKey: apiKey)
        }
        return try interpret(raw, apiKey: apiKey)
    }

    private func interpret(_ raw: RawResponse, apiKey: String?) throws -> ChatCompletion {
        let text = String(buffer: raw.body)
        switch raw.status {
        case 200..<300:
            do {
                // A model can be talked into repeating its key; the answer is stored, cached
                // and shown, so the key is removed from it here like from any server text.
                var completion = try ChatCompletion.decode(Data(text.utf8))
                completion.content = scrub(completion.content, apiKey)
                return completion
            } catch let failure as ChatCompletion.DecodeFailure {
                throw LLMError.malformedResponse(endpoint: endpoint.baseURL, reason: scrub(failure.reason, apiKey))
            }
        case 429:
            let retryAfter = raw.headers.first(name: "Retry-After").flatMap { RetryPolicy.parseRetryAfter($0) }
            throw LLMError.rateLimited(endpoint: endpoint.baseURL, retryAfter: retryAfter)
        default:
            var message = scrub(Self.errorMessage(in: text), apiKey)
            if raw.status == 401 || raw.status == 403, let name = endpoint.apiKeyVariable {
                message += message.isEmpty ? "" : "; "
                message += "check the key in the environment variable \(name)"
            }
            throw LLMError.httpStatus(endpoint: endpoint.baseURL, status: raw.status, message: message)
        }
    }

    private func classify(_ error: any Error, apiKey: String?) -> LLMError {
        if let error = error as? LLMError { return error }
        if error is NIOTooManyBytesError {
            return .malformedResponse(endpoint: endpoint.baseURL, reason: "body larger than \(policy.maxResponseBytes) bytes")
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout, .deadlineExceeded, .writeTimeout:
                return .timedOut(endpoint: endpoint.baseURL, after: policy.requestTimeout)
            default:
                break
            }
        }
        return .connectionFailed(endpoint: endpoint.baseURL, reason: scrub(String(describing: error), apiKey))
    }

    /// The `error.message` of an OpenAI-style error body, else the body's start.
    private static func errorMessage(in body: String) -> String {
        struct Wire: Decodable {
            struct Inner: Decodable { var message: String? }
            var error: Inner?
        }
        if let wire = try? JSONDecoder().decode(Wire.self, from: Data(body.utf8)), let message = wire.error?.message {
            return String(message.prefix(300))
        }
        return String(body.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300))
    }

    /// Removes the API key from text a server sent back (some echo it in errors).
    private func scrub(_ text: String, _ apiKey: String?) -> String {
        guard let apiKey, apiKey.count >= 4 else { return text }
        return text.replacingOccurrences(of: apiKey, with: "[redacted]")
    }
}

/// `HTTPClientRequest` is Sendable in recent AsyncHTTPClient releases; this wrapper keeps the
/// task-group closure valid either way.
private struct SendableRequest: @unchecked Sendable {
    var request: HTTPClientRequest
}
