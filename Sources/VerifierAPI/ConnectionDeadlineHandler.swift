// Per-connection time limits, first in the pipeline: a request must arrive whole in time, and an
// idle kept-alive connection is closed. Sitting before the HTTP handlers, it can answer 408 even
// when no request head was parsed (the HTTP pipeline allows no response then).
import NIOCore

final class ConnectionDeadlineHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Sent outbound by the HTTP handler when a request has arrived whole: no deadline while it runs.
    struct RequestComplete {}
    /// Sent outbound by the HTTP handler once a response is written on a kept-alive connection.
    struct ResponseComplete {}

    private enum State {
        case waiting, receiving, processing
    }

    private let requestTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    // Touched on the channel's event loop only.
    private var state = State.waiting
    private var timer: Scheduled<Void>?

    init(requestTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.requestTimeout = requestTimeout
        self.idleTimeout = idleTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        arm(context, requestTimeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if state == .waiting {
            // The whole request must arrive within the request timeout of its first byte.
            state = .receiving
            arm(context, requestTimeout)
        }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        switch event {
        case is RequestComplete:
            state = .processing
            timer?.cancel()
            promise?.succeed()
        case is ResponseComplete:
            state = .waiting
            arm(context, idleTimeout)
            promise?.succeed()
        default:
            context.triggerUserOutboundEvent(event, promise: promise)
        }
    }

    private func arm(_ context: ChannelHandlerContext, _ after: TimeAmount) {
        timer?.cancel()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: after) {
            let (handler, context) = bound.value
            switch handler.state {
            case .processing:
                return
            case .waiting:
                context.close(promise: nil)
            case .receiving:
                let body = #"{"statusCode":408,"name":"request_timeout","message":"the request did not arrive whole within \#(after.nanoseconds / 1_000_000_000) s"}"#
                let response = "HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
                let channel = context.channel
                context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: response))).whenComplete { _ in
                    channel.close(promise: nil)
                }
            }
        }
    }
}
