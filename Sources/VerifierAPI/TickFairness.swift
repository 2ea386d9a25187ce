// Work that must wait until the event loop has polled its sockets again: the requests a pipelining
// client sent behind the one just answered.
import NIOConcurrencyHelpers
import NIOPosix

/// NIO's event loop runs queued tasks until none is left before it polls its sockets again. An
/// answer comes back from a handler thread as such a task; writing it hands the pipelining
/// handler's next buffered request to us, whose answer comes back as another task, and so on. With
/// 50 clients pipelining (and handler threads as fast as the loop) the queue never ran dry: the loop
/// went seconds without polling, and a new connection waited in the listen queue unanswered
/// (`HostileClientTests`, on a loaded machine: no answer within 5 s, while the clients were
/// answered hundreds of times a second).
///
/// So a request that follows one just answered on the same connection starts only once the loop's
/// tick has ended: every connection gets one request per tick, and the loop polls between ticks, as
/// nginx handles pipelined requests as posted events after its next `epoll_wait`. The end of a tick
/// is the one place NIO tells (`NIOEventLoopMetricsDelegate.processedTick`, on the loop's thread,
/// after its last task; the poll follows). The work started there hands off to handler threads,
/// whose answers come back through `EventLoop.execute` from outside, which wakes the poll.
final class TickFairness: NIOEventLoopMetricsDelegate, @unchecked Sendable {
    /// Touched on the event loop's thread only (`afterThisTick` and `processedTick`).
    private var waiting: [() -> Void] = []

    /// Runs `work` at the end of the current tick; called on the loop's thread.
    func afterThisTick(_ work: @escaping () -> Void) {
        waiting.append(work)
    }

    func processedTick(info: NIOEventLoopTickInfo) {
        guard !waiting.isEmpty else { return }
        // What these start only reaches the loop again as new tasks: the next tick's.
        let batch = waiting
        waiting.removeAll(keepingCapacity: true)
        for work in batch { work() }
    }
}
