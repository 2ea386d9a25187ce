// The server on a real Unix socket: slow changes (a key being generated) never hold up reads.
import Foundation
import Logging
import Testing
import TestSupport
@testable import VerifierAPI

// In `make test-long`: the server runs inside the test process and needs a thread from its
// Dispatch pool, which the other suites' blocking helpers can hold for a minute under `make test`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["DV_LONG_TESTS"] == "1"))
struct AdminServerQueueTests {
    /// Holds every slow request until released.
    final class Gate: @unchecked Sendable {
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let lock = NSLock()
        var answers: [String] = []
        func answered(_ text: String) { lock.withLock { answers.append(text) } }
    }

    @Test func readsAreAnswered_whileMoreChangesThanCoresAreBlocked() throws {
        let directory = try TemporaryDirectory()
        let socket = directory.path + "/admin.sock"
        let gate = Gate()
        let router = Router(routes: [
            Route("POST", "/slow", .write, action: "slow") { _ in
                gate.entered.signal()
                gate.release.wait()
                return .text(200, "slow done")
            },
            Route("GET", "/fast", .read, action: "fast") { _ in .text(200, "fast") },
        ]) { _, _ in }
        let group = String(cString: getgrgid(getgid()).pointee.gr_name)
        let server = AdminServer(router: { router }, access: { _ in true }, logger: Logger(label: "test"))
        try server.start(.path(socket, group: group))
        defer { server.stop() }

        // More blocked changes than libdispatch gives a concurrent queue threads (64 at most; as
        // many as cores before it notices they are blocked).
        let slowCount = 80
        // One thread per client (not Dispatch's pool, which the same limit would starve here).
        let finished = DispatchGroup()
        for _ in 0..<slowCount {
            finished.enter()
            Thread {
                let answer = try? run("/usr/bin/curl", ["-s", "--max-time", "60", "--unix-socket", socket, "-X", "POST", "http://localhost/slow"])
                gate.answered(answer?.output ?? "")
                finished.leave()
            }.start()
        }
        // The first change is being handled; the others wait behind it on the changes' queue.
        #expect(gate.entered.wait(timeout: .now() + 10) == .success)

        let read = try run("/usr/bin/curl", ["-s", "--max-time", "5", "--unix-socket", socket, "http://localhost/fast"])
        #expect(read.status == 0)
        #expect(read.output == "fast")

        for _ in 0..<slowCount { gate.release.signal() }
        #expect(finished.wait(timeout: .now() + 60) == .success)
        #expect(gate.answers == Array(repeating: "slow done", count: slowCount))
    }
}
