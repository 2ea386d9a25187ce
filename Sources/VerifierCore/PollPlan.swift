// When each domain is next due for a check (spec §5), with jitter from an injected random source.
import Foundation

/// The cadences of spec §5.
public struct PollPolicy: Equatable, Sendable {
    /// Gaps between checks of a pending domain, after the immediate one; the last repeats.
    public var pendingIntervals: [TimeInterval]
    public var recheckInterval: TimeInterval
    public var temporaryFailureInterval: TimeInterval
    /// Overdue checks at start-up are spread over this long (deadline checks are not).
    public var startupSpread: TimeInterval
    /// Fraction of each interval by which a due time may move either way.
    public var jitter: Double

    public init(pendingIntervals: [TimeInterval] = [30, 60, 120, 300, 600, 900, 1800, 3600],
                recheckInterval: TimeInterval = 6 * 3600, temporaryFailureInterval: TimeInterval = 15 * 60,
                startupSpread: TimeInterval = 10 * 60, jitter: Double = 0.1) {
        self.pendingIntervals = pendingIntervals
        self.recheckInterval = recheckInterval
        self.temporaryFailureInterval = temporaryFailureInterval
        self.startupSpread = startupSpread
        self.jitter = jitter
    }
}

/// A due time and the kind of check it is for.
public struct DueCheck: Equatable, Sendable {
    public var at: Date
    public var reason: CheckReason
    public init(at: Date, reason: CheckReason) {
        self.at = at
        self.reason = reason
    }
}

/// Decides when a domain is next checked. Pure: time and randomness come in.
public struct PollPlan: Sendable {
    public var poll: PollPolicy
    public var verification: VerificationPolicy

    public init(poll: PollPolicy = PollPolicy(), verification: VerificationPolicy = VerificationPolicy()) {
        self.poll = poll
        self.verification = verification
    }

    /// The next check of a domain in `state`, or nil when it is not polled (not_started, failed).
    /// A domain with no check yet in its window is due at once.
    public func nextCheck(_ state: VerificationState, now: Date, random: inout some RandomNumberGenerator) -> DueCheck? {
        let base = state.lastCheckedAt ?? now
        switch state.status {
        case .notStarted, .failed:
            return nil

        case .pending, .temporaryFailure:
            if state.status == .pending && state.checksInWindow == 0 {
                return DueCheck(at: now, reason: .verify)
            }
            if state.isPastDeadline(base) {
                // The last check was inconclusive: retry it at the temporary-failure cadence.
                return DueCheck(at: base + jittered(poll.temporaryFailureInterval, &random), reason: .deadline)
            }
            let interval = state.status == .pending ? pendingInterval(afterChecks: state.checksInWindow) : poll.temporaryFailureInterval
            let cadence = base + jittered(interval, &random)
            if let deadline = state.deadlineAt, deadline <= cadence {
                return DueCheck(at: deadline, reason: .deadline)
            }
            return DueCheck(at: cadence, reason: .scheduled)

        case .verified:
            if let firstMiss = state.firstMissAt {
                return DueCheck(at: max(base, firstMiss + verification.confirmDelay), reason: .confirm)
            }
            if let since = state.dnsErrorSince {
                let retry = base + jittered(poll.temporaryFailureInterval, &random)
                return DueCheck(at: min(retry, max(base, since + verification.dnsErrorGrace)), reason: .scheduled)
            }
            return DueCheck(at: base + jittered(poll.recheckInterval, &random), reason: .scheduled)
        }
    }

    /// The gap after the `checks`-th check of a pending window (the first is the immediate one).
    public func pendingInterval(afterChecks checks: Int) -> TimeInterval {
        guard !poll.pendingIntervals.isEmpty else { return poll.temporaryFailureInterval }
        return poll.pendingIntervals[min(max(checks - 1, 0), poll.pendingIntervals.count - 1)]
    }

    /// Where an overdue check lands at start-up: deadlines at once, the rest spread over `startupSpread`.
    /// `deadline` is the domain's open window's deadline: once it has passed, the overdue check is that
    /// window's last check, whatever kind of check was planned before the daemon stopped.
    public func startupDue(_ due: DueCheck, deadline: Date? = nil, now: Date, random: inout some RandomNumberGenerator) -> DueCheck {
        guard due.at < now else { return due }
        if let deadline, deadline <= now { return DueCheck(at: now, reason: .deadline) }
        if due.reason == .deadline || poll.startupSpread <= 0 { return DueCheck(at: now, reason: due.reason) }
        return DueCheck(at: now + Double.random(in: 0..<poll.startupSpread, using: &random), reason: due.reason)
    }

    private func jittered(_ interval: TimeInterval, _ random: inout some RandomNumberGenerator) -> TimeInterval {
        guard poll.jitter > 0, interval > 0 else { return interval }
        return interval * (1 + Double.random(in: -poll.jitter...poll.jitter, using: &random))
    }
}

/// The verify rate limit of spec §5: one verify per domain per `minInterval`.
public struct VerifyRateLimit: Sendable {
    public var minInterval: TimeInterval
    public init(minInterval: TimeInterval = 10) { self.minInterval = minInterval }

    /// Nil when a verify may run now; otherwise the whole seconds to wait (for `Retry-After`).
    public func retryAfter(lastAcceptedAt: Date?, now: Date) -> Int? {
        guard let last = lastAcceptedAt else { return nil }
        let wait = last.addingTimeInterval(minInterval).timeIntervalSince(now)
        return wait > 0 ? Int(wait.rounded(.up)) : nil
    }
}
