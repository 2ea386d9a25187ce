// One admin connection: collects a request within the limits, runs its route off the event loop, answers.
import NIOPosix
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
    private let workers: NIOThreadPool
    private let mutations: NIOThreadPool
    private let fairness: TickFairness
    private let logger: Logger
    private let onResponse: @Sendable (Int) -> Void

    // Touched on the channel's event loop only.
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var rejected = false
    private var processing = false
    /// The client half-closed: the request in hand is answered, then the connection closes.
    private var inputClosed = false
    /// A whole request held until the client reads the answers already written (see `.end`).
    private var stalled: HTTPRequestHead?
    private var stallTimer: Scheduled<Void>?
    /// An answer's end is being written: a request the pipelining handler hands over now is one the
    /// client sent behind it, and waits for the end of the loop's tick (see `TickFairness`).
    private var writingAnswer = false
    private var removed = false
    /// Refused before its request was whole (413, 431): how many more bytes the client may send
    /// to be dropped before the connection closes (see `reject`).
    private var lingerBytesLeft: Int?
    private var lingerTimer: Scheduled<Void>?

    init(peer: PeerCredentials?, mayWrite: Bool, router: @escaping @Sendable () -> Router, limits: ServerLimits,
         workers: NIOThreadPool, mutations: NIOThreadPool, fairness: TickFairness, logger: Logger,
         onResponse: @escaping @Sendable (Int) -> Void) {
        self.peer = peer
        self.mayWrite = mayWrite
        self.router = router
        self.limits = limits
        self.workers = workers
        self.mutations = mutations
        self.fairness = fairness
        self.logger = logger
        self.onResponse = onResponse
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        guard lingerBytesLeft == nil else {
            if case let .body(chunk) = part { drop(context, chunk.readableBytes) }
            return
        }
        switch part {
        case let .head(requestHead):
            head = requestHead
            body.clear()
            rejected = false
            if let length = requestHead.headers.first(name: "content-length").flatMap(Int.init), length > limits.maxBodyBytes {
                reject(context, APIError(.payloadTooLarge, "the body is \(length) bytes; the limit is \(limits.maxBodyBytes)"), linger: true)
            } else if requestHead.headers.first(name: "expect")?.lowercased() == "100-continue" {
                // curl and others wait for this before sending a body.
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
            }
        case var .body(chunk):
            guard !rejected else { return }
            if body.readableBytes + chunk.readableBytes > limits.maxBodyBytes {
                reject(context, APIError(.payloadTooLarge, "the body is over the limit of \(limits.maxBodyBytes) bytes"), linger: true)
                return
            }
            body.writeBuffer(&chunk)
        case .end:
            guard !rejected, let head else { return }
            processing = true
            context.triggerUserOutboundEvent(ConnectionDeadlineHandler.RequestComplete(), promise: nil)
            guard context.channel.isWritable else {
                // A client pipelining requests without reading the answers: NIO's pipelining
                // handler hands over the requests it already read one by one, and every answer
                // waited in memory (200 such clients: RSS 37 -> 210 MB). The next request waits
                // until the answers before it are taken, or the connection closes after the
                // request timeout.
                stall(context, head)
                return
            }
            guard writingAnswer else {
                run(context, head)
                return
            }
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            fairness.afterThisTick {
                let (handler, context) = bound.value
                guard !handler.removed else { return }
                handler.run(context, head)
            }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let head = stalled {
            stalled = nil
            stallTimer?.cancel()
            stallTimer = nil
            run(context, head)
        }
        context.fireChannelWritabilityChanged()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        removed = true
        stallTimer?.cancel()
        lingerTimer?.cancel()
    }

    private func stall(_ context: ChannelHandlerContext, _ head: HTTPRequestHead) {
        stalled = head
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        stallTimer = context.eventLoop.scheduleTask(in: limits.requestTimeout) {
            let (handler, context) = bound.value
            guard handler.stalled != nil else { return }
            handler.logger.debug("Admin connection closed: its client has not read its answers for \(handler.limits.requestTimeout.nanoseconds / 1_000_000_000) s.")
            context.close(promise: nil)
        }
    }

    private func run(_ context: ChannelHandlerContext, _ head: HTTPRequestHead) {
        let data = Data(body.readableBytesView)
        let peer = self.peer ?? PeerCredentials(pid: 0, uid: UInt32.max, gid: UInt32.max)
        let mayWrite = self.mayWrite
        let router = self.router()
        let eventLoop = context.eventLoop
        let pool = head.method == .GET || head.method == .HEAD ? workers : mutations
        let answer = pool.runIfActive(eventLoop: eventLoop) {
            router.handle(method: head.method.rawValue, target: head.uri, body: data, peer: peer, mayWrite: mayWrite)
        }
        let bound = NIOLoopBound((self, context), eventLoop: eventLoop)
        answer.whenSuccess { response in
            let (handler, context) = bound.value
            handler.processing = false
            handler.write(context, response, keepAlive: head.isKeepAlive && !handler.inputClosed)
        }
    }

    /// A client may half-close once its request is sent (`shutdown(SHUT_WR)`, `nc -N`): it still
    /// gets its answer. Before a whole request it gets nothing more to wait for, so it is closed (a
    /// partial request was already answered 400 by the decoder's error, and closes after it). A
    /// connection lingering after a 413 or 431 closes at its client's end of file.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .some(.inputClosed) = event as? ChannelEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        inputClosed = true
        if (!processing && !rejected) || lingerTimer != nil { context.close(promise: nil) }
    }

    /// Answers with an error before the request is complete, then closes.
    ///
    /// A client refused for its size (413, 431) is most likely still sending the request. Closing
    /// at once made its sends fail (EPIPE), and curl then gave up without reading the answer
    /// (exit 55, "Failed sending data to the peer"). So, as nginx's lingering close: the answer is
    /// written, the output side shut down (the client reads the answer, then end of file), and what
    /// the client still sends is read and dropped, up to `lingerBytes` or `lingerTime`, whichever
    /// comes first, or until its end of file; then the connection closes. The bound keeps a client
    /// sending a gigabyte from holding the connection (and the loop) for long.
    private func reject(_ context: ChannelHandlerContext, _ error: APIError, linger: Bool = false) {
        rejected = true
        if linger { lingerBytesLeft = limits.lingerBytes }
        write(context, .error(error), keepAlive: false)
    }

    private func startLingering(_ context: ChannelHandlerContext) {
        guard !removed, context.channel.isActive else { return }
        guard !inputClosed else {
            context.close(promise: nil)
            return
        }
        context.close(mode: .output, promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        lingerTimer = context.eventLoop.scheduleTask(in: limits.lingerTime) { bound.value.close(promise: nil) }
    }

    /// Counts bytes read after a refusal; closes once the client has sent `lingerBytes` of them.
    private func drop(_ context: ChannelHandlerContext, _ count: Int) {
        guard let left = lingerBytesLeft else { return }
        lingerBytesLeft = left - count
        if left - count <= 0 { context.close(promise: nil) }
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
        writingAnswer = true
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        writingAnswer = false
        if keepAlive {
            context.triggerUserOutboundEvent(ConnectionDeadlineHandler.ResponseComplete(), promise: nil)
        } else if lingerBytesLeft != nil {
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            done.whenComplete { _ in
                let (handler, context) = bound.value
                handler.startLingering(context)
            }
        } else {
            done.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
        }
    }

    /// Malformed HTTP gets the API's JSON error, then the connection closes.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if lingerBytesLeft != nil {
            // After a 431 the decoder hands over what it no longer parses as errors.
            if case let .dataReceivedInErrorState(_, data) = error as? ByteToMessageDecoderError {
                drop(context, data.readableBytes)
            } else {
                context.close(promise: nil)
            }
            return
        }
        logger.debug("Admin connection closed after an error: \(error)")
        guard let parserError = error as? HTTPParserError, !processing, !rejected else {
            context.close(promise: nil)
            return
        }
        if case .headerOverflow = parserError {
            reject(context, APIError(.headersTooLarge, "the request line and headers are too large"), linger: true)
        } else {
            reject(context, APIError(.badRequest, "the request is not valid HTTP/1.1 (\(parserError))"))
        }
    }
}
