// The server on a real Unix socket: clients pipelining as fast as they can never keep a new
// connection from being accepted and answered.
import Foundation
import NIOConcurrencyHelpers
import Testing
import TestSupport
@testable import VerifierAPI

struct AdminServerFairnessTests {
    /// 50 clients each keep a read's worth of tiny requests (8 KiB, 455 of them) pipelined and
    /// read every answer. The answers come back to the event loop as tasks, and each one written
    /// hands the next pipelined request to the handler threads: the loop used to run such tasks
    /// until every client's buffered requests were answered (22,750) before it polled its sockets
    /// again, so a new connection waited in the listen queue for seconds. Each pipelined request
    /// now waits for the end of the loop's tick, and the loop polls between ticks.
    @Test(.timeLimit(.minutes(2)))
    func aNewConnectionIsAnswered_whileClientsPipelineWithoutPause() throws {
        let server = try RunningServer([Route("GET", "/", .read, action: "root") { _ in .text(200, "ok") }])
        defer { server.stop() }
        let socket = server.socket

        let clients = 50
        let burst = Array(repeating: Array("GET / HTTP/1.1\r\n\r\n".utf8), count: 455).joined()
        let stopping = NIOLockedValueBox(false)
        let answered = NIOLockedValueBox(0)
        let failures = NIOLockedValueBox<[String]>([])
        let finished = DispatchGroup()
        for _ in 0..<clients {
            onThread(group: finished) {
                do {
                    let connection = try RawConnection(socket)
                    while !stopping.withLockedValue({ $0 }) {
                        guard connection.send(burst) else { throw TestServerError("send", output: "the server closed") }
                        for _ in 0..<455 {
                            guard connection.readResponse(within: 30)?.status == 200 else {
                                throw TestServerError("read", output: "no answer within 30 s")
                            }
                            answered.withLockedValue { $0 += 1 }
                        }
                    }
                } catch {
                    failures.withLockedValue { $0.append("\(error)") }
                }
            }
        }
        defer {
            stopping.withLockedValue { $0 = true }
            finished.wait()
        }
        // Until the clients are in full swing (a fifth of their first requests answered).
        while answered.withLockedValue({ $0 }) < clients * 91 && failures.withLockedValue({ $0.isEmpty }) { usleep(10_000) }

        var latencies: [Double] = []
        for _ in 0..<20 {
            let started = DispatchTime.now()
            let connection = try RawConnection(socket)
            #expect(connection.send(RawConnection.request("GET", "/")))
            let answer = connection.readResponse(within: 30)
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9)
            #expect(answer?.status == 200)
        }
        let slowest = latencies.max() ?? .infinity
        let during = answered.withLockedValue { $0 }
        print("fairness: a fresh connection beside \(clients) pipelining clients: slowest of 20 answered in \(String(format: "%.3f", slowest)) s (median \(String(format: "%.3f", latencies.sorted()[10])) s); \(during) pipelined answers meanwhile")
        #expect(failures.withLockedValue { $0 }.isEmpty)
        // One tick holds one request per connection: 30–150 ms here, beside the other suites.
        // Without the wait for the tick's end: a median of 5 s, the slowest 15 s. (50 clients, not
        // more: this test's own threads take CPU from the suites running beside it.)
        #expect(slowest < 1, "a fresh connection waited \(String(format: "%.2f", slowest)) s")
    }
}
