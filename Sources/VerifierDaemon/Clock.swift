// Wall-clock time for the daemon, injectable so tests move time instead of waiting.
import Foundation

/// A source of the current wall-clock time.
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The system's clock.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}
