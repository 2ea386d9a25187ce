// One admin connection: collects a request within the limits, runs its route off the event loop, answers.
import Dispatch
import Foundation
import Logging
import NIOCore
import NIOHTTP1

final class AdminHTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let peer: PeerCredentials?
    private let mayWrite: Bool
    private let router: @Sendable () -> Router
    private let limits: ServerLimits
    private let workers: DispatchQueue
    private let logger: Logger
    private let onResponse: @Sendable (Int) -> Void

    // Touched on the channel's event loop only.
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var rejected = false
    private var processing = false
    private var deadline: Scheduled<Void>?

    init(peer: PeerCredentials?, mayWrite: Bool, router: @escaping @Sendable () -> Router, limits: ServerLimits,
         workers: DispatchQueue, logger: Logger, onResponse: @escaping @Sendable (Int) -> Void) {
        self.peer = peer
        self.mayWrite = mayWrite
        self.router = router
        self.limits = limits
        self.workers = workers
        self.logger = logger
        self.onResponse = onResponse
    }

    func handlerAdded(context: ChannelHandlerContext) {
        armDeadline(context, limits.requestTimeout, idle: false)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(requestHead):
            head = requestHead
            body.clear()
            rejected = false
            // The whole request must arrive within the request timeout from its first byte.
            armDeadline(context, limits.requestTimeout, idle: false)
            if let length = requestHead.headers.first(name: "content-length").flatMap(Int.init), length > limits.maxBodyBytes {
                reject(context, APIError(.payloadTooLarge, "the body is \(length) bytes; the limit is \(limits.maxBodyBytes)"))
            }
        case var .body(chunk):
            guard !rejected else { return }
            if body.readableBytes + chunk.readableBytes > limits.maxBodyBytes {
                reject(context, APIError(.payloadTooLarge, "the body is over the limit of \(limits.maxBodyBytes) bytes"))
                return
            }
            body.writeBuffer(&chunk)
        case .end:
            guard !rejected, let head else { return }
            deadline?.cancel()
            processing = true
            run(context, head)
        }
    }

    private func run(_ context: ChannelHandlerContext, _ head: HTTPRequestHead) {
        let data = Data(body.readableBytesView)
        let peer = self.peer ?? PeerCredentials(pid: 0, uid: UInt32.max, gid: UInt32.max)
        let mayWrite = self.mayWrite
        let router = self.router()
        let eventLoop = context.eventLoop
        let promise = eventLoop.makePromise(of: AdminResponse.self)
        workers.async {
            promise.succeed(router.handle(method: head.method.rawValue, target: head.uri, body: data, peer: peer, mayWrite: mayWrite))
        }
        let bound = NIOLoopBound((self, context), eventLoop: eventLoop)
        promise.futureResult.whenSuccess { response in
            let (handler, context) = bound.value
            handler.processing = false
            handler.write(context, response, keepAlive: head.isKeepAlive)
        }
    }

    /// Answers with an error before the request is complete, then closes: the rest is not read.
    private func reject(_ context: ChannelHandlerContext, _ error: APIError) {
        rejected = true
        deadline?.cancel()
        write(context, .error(error), keepAlive: false)
    }

    private func write(_ context: ChannelHandlerContext, _ response: AdminResponse, keepAlive: Bool) {
        onResponse(response.status)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Cache-Control", value: "no-store")
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let status = HTTPResponseStatus(statusCode: response.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if keepAlive {
            armDeadline(context, limits.idleTimeout, idle: true)
        } else {
            done.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
        }
    }

    /// One timer per connection: a request that does not arrive whole in time, or an idle
    /// kept-alive connection, is closed (with 408 when part of a request came).
    private func armDeadline(_ context: ChannelHandlerContext, _ after: TimeAmount, idle: Bool) {
        deadline?.cancel()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: after) {
            let (handler, context) = bound.value
            guard !handler.processing else { return }
            if !idle && handler.head != nil && !handler.rejected {
                handler.reject(context, APIError(.requestTimeout, "the request did not arrive whole within \(after.nanoseconds / 1_000_000_000) s"))
            } else {
                context.close(promise: nil)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("Admin connection closed after an error: \(error)")
        context.close(promise: nil)
    }
}
