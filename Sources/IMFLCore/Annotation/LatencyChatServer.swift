import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// An OpenAI-compatible chat endpoint on 127.0.0.1 that answers every request after a fixed
/// latency, with a label it derives from the request, and counts the requests it has in
/// flight. It stands in for a remote LLM API where what is measured is how well imfl uses
/// the endpoint's concurrency (`imfl bench llm --fake-latency`, the engine's tests), not what
/// the model says.
///
///     let server = try await LatencyChatServer.start(labels: ["negative", "positive"], latency: .milliseconds(300))
///     defer { Task { await server.stop() } }
///     let endpoint = ChatEndpoint(baseURL: server.baseURL, model: "fake")
public final class LatencyChatServer: Sendable {
    /// The answer for one request body: by default a label picked by a hash of the body, so
    /// the same prompt always gets the same label.
    public typealias Answer = @Sendable (_ body: String) -> String

    private let counters = Counters()
    private let channel: any Channel
    public let port: Int

    private init(channel: any Channel) {
        self.channel = channel
        port = channel.localAddress?.port ?? 0
    }

    /// Starts the server on a free port of 127.0.0.1.
    /// - Parameters:
    ///   - labels: the labels answers are drawn from.
    ///   - latency: time from the end of a request to its answer.
    ///   - json: answer `{"label": "…"}` instead of the bare label (a `json_schema` client).
    public static func start(labels: [String], latency: Duration, json: Bool = false, answer: Answer? = nil) async throws -> LatencyChatServer {
        let pick: Answer = answer ?? { body in
            var hash: UInt64 = 1469598103934665603
            for byte in body.utf8 { hash = (hash ^ UInt64(byte)) &* 1099511628211 }
            return labels[Int(hash % UInt64(max(1, labels.count)))]
        }
        let box = ServerBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(
                        Handler(counters: box.counters!, latency: latency, json: json, answer: pick))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = LatencyChatServer(channel: channel)
        box.counters = server.counters
        return server
    }

    /// The API root, `http://127.0.0.1:PORT/v1`.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    /// Chat requests received so far.
    public var requests: Int { counters.read { $0.requests } }
    /// Most requests that were in flight at once.
    public var peakInFlight: Int { counters.read { $0.peak } }

    public func stop() async {
        try? await channel.close()
    }

    /// Request counts, shared by the connections' handlers.
    final class Counters: @unchecked Sendable {
        struct Values { var requests = 0, inFlight = 0, peak = 0 }
        private let lock = NSLock()
        private var values = Values()
        func read<T>(_ body: (Values) -> T) -> T { lock.withLock { body(values) } }
        func begin() {
            lock.withLock {
                values.requests += 1
                values.inFlight += 1
                values.peak = max(values.peak, values.inFlight)
            }
        }
        func end() { lock.withLock { values.inFlight -= 1 } }
    }

    private final class ServerBox: @unchecked Sendable {
        var counters: Counters?
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let counters: Counters
        let latency: Duration
        let json: Bool
        let answer: Answer
        var path = ""
        var body = ""

        init(counters: Counters, latency: Duration, json: Bool, answer: @escaping Answer) {
            self.counters = counters
            self.latency = latency
            self.json = json
            self.answer = answer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                path = head.uri
                body = ""
            case .body(let buffer):
                body += String(buffer: buffer)
            case .end:
                if path.hasSuffix("/models") {
                    send(context: context, status: .ok, body: #"{"object":"list","data":[{"id":"fake","object":"model"}]}"#)
                    return
                }
                guard path.hasSuffix("/chat/completions") else {
                    send(context: context, status: .notFound, body: #"{"error":{"message":"not found"}}"#)
                    return
                }
                counters.begin()
                let label = answer(body)
                let content = json ? #"{"label": \#(label.quotedJSON)}"# : label
                let reply = #"{"id":"fake","object":"chat.completion","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":\#(content.quotedJSON)},"logprobs":null}],"usage":{"prompt_tokens":\#(body.utf8.count / 4),"completion_tokens":2}}"#
                let nanos = latency.components.seconds * 1_000_000_000 + latency.components.attoseconds / 1_000_000_000
                context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanos)) {
                    self.counters.end()
                    self.send(context: context, status: .ok, body: reply)
                }
            }
        }

        private func send(context: ChannelHandlerContext, status: HTTPResponseStatus, body: String) {
            guard context.channel.isActive else { return }
            var head = HTTPResponseHead(version: .http1_1, status: status)
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: String(body.utf8.count))
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}

extension String {
    /// The string as a JSON string literal.
    fileprivate var quotedJSON: String {
        String(decoding: JSONValue.string(self).encoded(), as: UTF8.self)
    }
}
