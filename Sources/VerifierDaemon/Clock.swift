// Wall-clock time for the daemon, injectable so tests move time instead of waiting, and the
// clock that never jumps, against which a jump of the wall clock is seen.
import Foundation

/// A source of the current wall-clock time.
public protocol WallClock: Sendable {
    func now() -> Date
    /// Seconds on a clock that never jumps and counts suspended time (CLOCK_BOOTTIME): the wall
    /// clock minus this changes only when the wall clock is set.
    func uptime() -> TimeInterval
}

extension WallClock {
    /// For clocks that never jump: the wall clock itself.
    public func uptime() -> TimeInterval { now().timeIntervalSince1970 }
}

/// The system's clock.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
    public func uptime() -> TimeInterval {
        var time = timespec()
        clock_gettime(CLOCK_BOOTTIME, &time)
        return TimeInterval(time.tv_sec) + TimeInterval(time.tv_nsec) / 1e9
    }
}

/// Sees the wall clock being set: compares how far it moved with how far `uptime` moved.
/// NTP's slewing (at most 0.5 ms a second) is followed, never reported.
struct ClockJumpDetector {
    /// Smaller steps are not worth moving every open window for.
    static let threshold: TimeInterval = 1
    private var offset: TimeInterval

    init(_ clock: any WallClock) {
        offset = clock.now().timeIntervalSince1970 - clock.uptime()
    }

    /// How far the wall clock jumped since the last call (negative: back), if it did.
    mutating func jump(_ clock: any WallClock) -> TimeInterval? {
        let current = clock.now().timeIntervalSince1970 - clock.uptime()
        let jump = current - offset
        offset = current
        return abs(jump) >= Self.threshold ? jump : nil
    }

    /// Forgets a jump that could not be handled, so that the next call reports it again.
    mutating func revert(_ jump: TimeInterval) {
        offset -= jump
    }
}
