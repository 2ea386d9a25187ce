// Time for the commands: the wall clock and a real sleep in domainctl, a clock the tests move.
import Foundation

/// What `verify --wait` and the "3h ago" texts need of time.
public protocol CommandClock: Sendable {
    func now() -> Date
    func sleep(_ seconds: TimeInterval)
}

/// The system's wall clock; `sleep` blocks the thread.
public struct SystemClock: CommandClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(_ seconds: TimeInterval) {
        guard seconds > 0 else { return }
        Thread.sleep(forTimeInterval: seconds)
    }
}
