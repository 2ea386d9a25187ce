// Stand-ins for the socket and the clock, for command tests that run without a daemon and without sleeping.
import Foundation
import VerifierAPIModels
@testable import DomainCtlKit

/// Answers each request with the next response its handler gives, and remembers the requests.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var handler: (HTTPRequest) -> HTTPResponse
    private var received: [HTTPRequest] = []

    init(_ handler: @escaping (HTTPRequest) -> HTTPResponse) {
        self.handler = handler
    }

    var requests: [HTTPRequest] { lock.withLock { received } }

    func send(_ request: HTTPRequest) throws -> HTTPResponse {
        lock.withLock {
            received.append(request)
            return handler(request)
        }
    }

    static func json<Value: Encodable>(_ value: Value, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: [HTTPHeader(name: "Content-Type", value: "application/json")],
                     body: try! APIJSON.encoder().encode(value))
    }
}

/// A clock that moves only when the code under test sleeps.
final class FakeClock: CommandClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private var slept: [TimeInterval] = []

    init(_ start: Date) {
        current = start
    }

    var sleeps: [TimeInterval] { lock.withLock { slept } }

    func now() -> Date { lock.withLock { current } }

    func sleep(_ seconds: TimeInterval) {
        lock.withLock {
            slept.append(seconds)
            current += seconds
        }
    }
}

/// Collects what a command prints.
final class OutputRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var pieces: [String] = []

    var text: String { lock.withLock { pieces.joined(separator: "\n") } }
    var lines: [String] { lock.withLock { pieces } }

    func write(_ text: String) {
        lock.withLock { pieces.append(text) }
    }
}

func makeCommands(_ transport: ScriptedTransport, json: Bool = false, clock: FakeClock = FakeClock(Fixtures.now))
    -> (Commands, OutputRecorder) {
    let recorder = OutputRecorder()
    let commands = Commands(client: AdminClient(transport: transport), json: json, clock: clock,
                            output: { recorder.write($0) })
    return (commands, recorder)
}
