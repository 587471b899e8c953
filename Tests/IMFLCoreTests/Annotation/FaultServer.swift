import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A misbehaving OpenAI-style HTTP server on 127.0.0.1 for fault tests. Each request is
/// answered by the next behaviour of its script (the last one repeats).
final class FaultServer: @unchecked Sendable {
    enum Behaviour: Sendable {
        /// 200 with a chat completion whose content is `content`.
        case answer(String, logprobs: [(String, [(String, Double)])] = [], delay: Duration = .zero)
        /// Any status with a body and headers.
        case status(Int, body: String = "", headers: [(String, String)] = [])
        /// 200 with a body that is not JSON.
        case malformed
        /// Accepts the request and never answers.
        case stall
        /// 200 with a valid body sent one byte every `interval`.
        case trickle(interval: Duration)
    }

    private let lock = NSLock()
    private var script: [Behaviour]
    private var requests = 0
    private var inFlight = 0
    private var maxInFlight = 0
    private var lastHeaders: [(String, String)] = []
    private var bodies: [String] = []
    private let channel: any Channel
    let port: Int

    private init(script: [Behaviour], channel: any Channel) {
        self.script = script
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    static func start(_ script: [Behaviour]) async throws -> FaultServer {
        let box = Box()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(server: box.server!))
                }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        let server = FaultServer(script: script, channel: channel)
        box.server = server
        return server
    }

    /// A port on which nothing listens (bound, then released).
    static func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 1
        try await channel.close()
        return port
    }

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    var requestCount: Int { lock.withLock { requests } }
    var maxConcurrent: Int { lock.withLock { maxInFlight } }
    var receivedBodies: [String] { lock.withLock { bodies } }
    func header(_ name: String) -> String? {
        lock.withLock { lastHeaders.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }
    func setScript(_ script: [Behaviour]) { lock.withLock { self.script = script } }

    func stop() async {
        try? await channel.close()
    }

    fileprivate func begin(headers: HTTPHeaders, body: String) -> Behaviour {
        lock.withLock {
            let index = min(requests, script.count - 1)
            requests += 1
            inFlight += 1
            maxInFlight = max(maxInFlight, inFlight)
            lastHeaders = headers.map { ($0.name, $0.value) }
            bodies.append(body)
            return script[index]
        }
    }

    fileprivate func end() { lock.withLock { inFlight -= 1 } }

    static func completionJSON(_ content: String, logprobs: [(String, [(String, Double)])]) -> String {
        func quote(_ s: String) -> String {
            String(decoding: try! JSONSerialization.data(withJSONObject: [s], options: [.fragmentsAllowed]), as: UTF8.self)
                .dropFirst().dropLast().description
        }
        // Closures spell out `String`: with GRDB in the module graph, an untyped interpolated
        // literal can be inferred as GRDB's `SQL`, which prints as a Swift value, not JSON.
        let tokens = logprobs.map { token, alternatives -> String in
            let top = alternatives.map { alternative -> String in #"{"token":\#(quote(alternative.0)),"logprob":\#(alternative.1)}"# }.joined(separator: ",")
            let own = alternatives.first { $0.0 == token }?.1 ?? -0.1
            return #"{"token":\#(quote(token)),"logprob":\#(own),"top_logprobs":[\#(top)]}"#
        }.joined(separator: ",")
        let logprobsPart = logprobs.isEmpty ? "null" : #"{"content":[\#(tokens)]}"#
        return #"{"id":"x","object":"chat.completion","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":\#(quote(content))},"logprobs":\#(logprobsPart)}],"usage":{"prompt_tokens":40,"completion_tokens":2}}"#
    }

    private final class Box: @unchecked Sendable {
        var server: FaultServer?
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let server: FaultServer
        var headers = HTTPHeaders()
        var body = ""

        init(server: FaultServer) {
            self.server = server
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                headers = head.headers
                body = ""
            case .body(let buffer):
                body += String(buffer: buffer)
            case .end:
                respond(context: context, behaviour: server.begin(headers: headers, body: body))
            }
        }

        private func respond(context: ChannelHandlerContext, behaviour: Behaviour) {
            switch behaviour {
            case .answer(let content, let logprobs, let delay):
                let json = FaultServer.completionJSON(content, logprobs: logprobs)
                if delay == .zero {
                    send(context: context, status: .ok, body: json, headers: [])
                } else {
                    let loop = context.eventLoop.assumeIsolated()
                    loop.scheduleTask(in: .nanoseconds(Int64(delay.components.attoseconds / 1_000_000_000) + delay.components.seconds * 1_000_000_000)) {
                        self.send(context: context, status: .ok, body: json, headers: [])
                    }
                }
            case .status(let code, let body, let headers):
                send(context: context, status: HTTPResponseStatus(statusCode: code), body: body, headers: headers)
            case .malformed:
                send(context: context, status: .ok, body: "{\"choices\": [ this is not json", headers: [])
            case .stall:
                break
            case .trickle(let interval):
                let json = Array(FaultServer.completionJSON("positive", logprobs: []).utf8)
                var head = HTTPResponseHead(version: .http1_1, status: .ok)
                head.headers.add(name: "Content-Type", value: "application/json")
                head.headers.add(name: "Content-Length", value: String(json.count))
                context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
                trickle(context: context, bytes: json[...], interval: interval)
            }
        }

        private func trickle(context: ChannelHandlerContext, bytes: ArraySlice<UInt8>, interval: Duration) {
            guard context.channel.isActive else {
                server.end()
                return
            }
            guard let first = bytes.first else {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                server.end()
                return
            }
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: [first])))), promise: nil)
            let nanos = interval.components.seconds * 1_000_000_000 + interval.components.attoseconds / 1_000_000_000
            context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanos)) {
                self.trickle(context: context, bytes: bytes.dropFirst(), interval: interval)
            }
        }

        private func send(context: ChannelHandlerContext, status: HTTPResponseStatus, body: String, headers: [(String, String)]) {
            var head = HTTPResponseHead(version: .http1_1, status: status)
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: String(body.utf8.count))
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            server.end()
        }

        func channelInactive(context: ChannelHandlerContext) {
            context.fireChannelInactive()
        }
    }
}
