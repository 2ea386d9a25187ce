// The server on a real Unix socket: slow changes (a key being generated) never hold up reads, and
// the API answers even when the process's Dispatch pool is held by blocked work.
import Foundation
import Testing
import TestSupport
@testable import VerifierAPI

struct AdminServerQueueTests {
    /// Holds every slow request until released.
    final class Gate: @unchecked Sendable {
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let lock = NSLock()
        var answers: [String] = []
        func answered(_ text: String) { lock.withLock { answers.append(text) } }
    }

    @Test func readsAreAnswered_whileMoreChangesThanCoresAreBlocked_andDispatchsPoolIsHeld() throws {
        let gate = Gate()
        let server = try RunningServer([
            Route("POST", "/slow", .write, action: "slow") { _ in
                gate.entered.signal()
                gate.release.wait()
                return .text(200, "slow done")
            },
            Route("GET", "/fast", .read, action: "fast") { _ in .text(200, "fast") },
        ])
        defer { server.stop() }
        let socket = server.socket

        // Every thread libdispatch may start (255 on Linux) blocked until the end of the test, as
        // other work in the daemon could hold them: the server must not need one. Released first
        // thing on the way out, so that the test process's tasks run again.
        let held = DispatchSemaphore(value: 0)
        let holders = 300
        defer { for _ in 0..<holders { held.signal() } }
        for _ in 0..<holders { DispatchQueue.global().async { held.wait() } }

        // More blocked changes than the readers have threads; raw sockets on threads of their own
        // (curl's `Process` would need the held pool).
        let slowCount = 80
        let finished = DispatchGroup()
        for _ in 0..<slowCount {
            onThread(group: finished) {
                let answer = (try? RawConnection(socket)).flatMap { connection in
                    connection.send(RawConnection.request("POST", "/slow")) ? connection.readResponse(within: 30) : nil
                }
                gate.answered(answer?.text ?? "no answer")
            }
        }
        // The first change is being handled; the others wait behind it on the changes' thread.
        #expect(gate.entered.wait(timeout: .now() + 10) == .success)

        let reader = try RawConnection(socket)
        #expect(reader.send(RawConnection.request("GET", "/fast")))
        #expect(reader.readResponse(within: 5)?.text == "fast")

        for _ in 0..<slowCount { gate.release.signal() }
        #expect(finished.wait(timeout: .now() + 30) == .success)
        #expect(gate.answers == Array(repeating: "slow done", count: slowCount))
    }
}
