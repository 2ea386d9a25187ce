// The status state machine of spec §4 as one pure transition function: (state, event, now) -> (state, actions).
import Foundation

/// The timers of spec §4.
public struct VerificationPolicy: Equatable, Sendable {
    public var pendingTimeout: TimeInterval
    public var temporaryFailureTimeout: TimeInterval
    public var confirmDelay: TimeInterval
    public var dnsErrorGrace: TimeInterval

    public init(pendingTimeout: TimeInterval = 72 * 3600, temporaryFailureTimeout: TimeInterval = 72 * 3600,
                confirmDelay: TimeInterval = 5 * 60, dnsErrorGrace: TimeInterval = 24 * 3600) {
        self.pendingTimeout = pendingTimeout
        self.temporaryFailureTimeout = temporaryFailureTimeout
        self.confirmDelay = confirmDelay
        self.dnsErrorGrace = dnsErrorGrace
    }
}

/// A domain's verification state: everything the machine decides from, all of it persisted.
public struct VerificationState: Equatable, Codable, Sendable {
    public var status: DomainStatus
    /// When the current pending or temporary_failure window started.
    public var windowStartedAt: Date?
    /// When that window ends; kept once the domain has failed, to show when.
    public var deadlineAt: Date?
    /// A verified domain's first definitive miss, waiting for confirmation.
    public var firstMissAt: Date?
    /// A verified domain's first check in the current streak of inconclusive (DNS error) checks.
    public var dnsErrorSince: Date?
    public var lastCheckedAt: Date?
    /// The last check in which every required record matched.
    public var lastMatchedAt: Date?
    /// When the domain last became verified.
    public var verifiedAt: Date?
    /// Checks completed in the current window; drives the pending cadence.
    public var checksInWindow: Int

    public init(status: DomainStatus = .notStarted, windowStartedAt: Date? = nil, deadlineAt: Date? = nil,
                firstMissAt: Date? = nil, dnsErrorSince: Date? = nil, lastCheckedAt: Date? = nil,
                lastMatchedAt: Date? = nil, verifiedAt: Date? = nil, checksInWindow: Int = 0) {
        self.status = status
        self.windowStartedAt = windowStartedAt
        self.deadlineAt = deadlineAt
        self.firstMissAt = firstMissAt
        self.dnsErrorSince = dnsErrorSince
        self.lastCheckedAt = lastCheckedAt
        self.lastMatchedAt = lastMatchedAt
        self.verifiedAt = verifiedAt
        self.checksInWindow = checksInWindow
    }

    /// The state with the times that decide its future moved by `seconds`: the open window (start
    /// and deadline of pending or temporary_failure), the first miss waiting for confirmation, the
    /// start of a streak of DNS errors. What already happened (last checked, verified at, a failed
    /// domain's deadline) stays. For a wall clock that jumped: the windows keep their length in
    /// real time (`Store.shiftOpenTimes` does the same to the stored rows).
    public func shifted(by seconds: TimeInterval) -> VerificationState {
        var next = self
        if status == .pending || status == .temporaryFailure {
            next.windowStartedAt = windowStartedAt.map { $0 + seconds }
            next.deadlineAt = deadlineAt.map { $0 + seconds }
        }
        next.firstMissAt = firstMissAt.map { $0 + seconds }
        next.dnsErrorSince = dnsErrorSince.map { $0 + seconds }
        return next
    }

    /// Whether the current window's deadline has come.
    public func isPastDeadline(_ now: Date) -> Bool {
        guard status == .pending || status == .temporaryFailure, let deadlineAt else { return false }
        return now >= deadlineAt
    }
}

/// What happens to a domain.
public enum VerificationEvent: Equatable, Sendable {
    /// An operator asked to (re)start verification.
    case verifyRequested
    /// A check of the domain finished.
    case checkCompleted(CheckSummary)
    /// The scheduler reached the window's deadline.
    case deadlineReached
}

/// A change of status, with the reason the history shows.
public struct StatusChange: Equatable, Sendable {
    public var from: DomainStatus
    public var to: DomainStatus
    public var reason: String
}

/// What the caller must do after a step.
public enum VerificationAction: Equatable, Sendable {
    /// Run a check of the domain now.
    case runCheck(CheckReason)
    /// Record this status change, in the same transaction as the new state.
    case recordTransition(StatusChange)
}

/// The result of one step of the machine.
public struct VerificationStep: Equatable, Sendable {
    public var state: VerificationState
    public var actions: [VerificationAction]

    /// The status change among the actions, if any.
    public var transition: StatusChange? {
        for case let .recordTransition(change) in actions { return change }
        return nil
    }
}

/// The transition function of spec §4. Pure: time comes in as `now`, effects go out as actions.
public struct VerificationMachine: Sendable {
    public var policy: VerificationPolicy

    public init(policy: VerificationPolicy = VerificationPolicy()) {
        self.policy = policy
    }

    public func step(_ state: VerificationState, _ event: VerificationEvent, now: Date) -> VerificationStep {
        switch event {
        case .verifyRequested: verifyRequested(state, now: now)
        case .deadlineReached: deadlineReached(state, now: now)
        case let .checkCompleted(summary): checkCompleted(state, summary, now: now)
        }
    }

    private func verifyRequested(_ state: VerificationState, now: Date) -> VerificationStep {
        switch state.status {
        case .notStarted, .failed:
            var next = state
            next.status = .pending
            next.windowStartedAt = now
            next.deadlineAt = now.addingTimeInterval(policy.pendingTimeout)
            next.firstMissAt = nil
            next.dnsErrorSince = nil
            next.checksInWindow = 0
            let change = StatusChange(from: state.status, to: .pending, reason: "verification requested; deadline in \(DurationText.format(policy.pendingTimeout))")
            return VerificationStep(state: next, actions: [.recordTransition(change), .runCheck(.verify)])
        case .pending, .verified, .temporaryFailure:
            // Verify on a domain already being verified only checks sooner; it never resets the status.
            return VerificationStep(state: state, actions: [.runCheck(.verify)])
        }
    }

    private func deadlineReached(_ state: VerificationState, now: Date) -> VerificationStep {
        guard state.isPastDeadline(now) else { return VerificationStep(state: state, actions: []) }
        return VerificationStep(state: state, actions: [.runCheck(.deadline)])
    }

    private func checkCompleted(_ state: VerificationState, _ summary: CheckSummary, now: Date) -> VerificationStep {
        var next = state
        next.lastCheckedAt = now
        let verdict = summary.verdict
        if verdict == .allMatch { next.lastMatchedAt = now }
        // What the check saw is evidence from when it started: a check begun before a deadline or
        // before the confirm delay ran out decides nothing that needs a later look.
        let observed = min(summary.startedAt ?? now, now)

        switch state.status {
        case .notStarted, .failed:
            // A check that finished after the status left the polled states changes nothing.
            return VerificationStep(state: next, actions: [])

        case .pending, .temporaryFailure:
            next.checksInWindow += 1
            if verdict == .allMatch {
                return becomeVerified(from: state, next, now: now,
                                      reason: state.status == .pending ? "every required record matches"
                                                                       : "every required record matches again")
            }
            guard state.isPastDeadline(observed), let deadline = state.deadlineAt else {
                // Begun before the deadline, finished after it: the last check is still to come.
                return VerificationStep(state: next, actions: state.isPastDeadline(now) ? [.runCheck(.deadline)] : [])
            }
            let window = state.status == .pending ? policy.pendingTimeout : policy.temporaryFailureTimeout
            if verdict == .definitiveMiss {
                return fail(from: state, next, reason: "the \(DurationText.format(window)) window ended without every required record matching (\(summary.misses))")
            }
            // Inconclusive at the deadline: a DNS error is no evidence, so retry the last check,
            // but not beyond the grace the daemon gives DNS errors.
            if observed.timeIntervalSince(deadline) >= policy.dnsErrorGrace {
                return fail(from: state, next, reason: "the \(DurationText.format(window)) window ended and DNS errors kept the last check from succeeding for \(DurationText.format(policy.dnsErrorGrace)) more (\(summary.misses))")
            }
            return VerificationStep(state: next, actions: [])

        case .verified:
            switch verdict {
            case .allMatch:
                next.firstMissAt = nil
                next.dnsErrorSince = nil
                return VerificationStep(state: next, actions: [])
            case .definitiveMiss:
                next.dnsErrorSince = nil
                guard let firstMiss = state.firstMissAt else {
                    next.firstMissAt = observed
                    return VerificationStep(state: next, actions: [])
                }
                guard observed.timeIntervalSince(firstMiss) >= policy.confirmDelay else {
                    return VerificationStep(state: next, actions: [])
                }
                return becomeTemporaryFailure(from: state, next, windowStart: firstMiss,
                                              reason: "a required record stopped matching (\(summary.misses)), confirmed \(DurationText.format(observed.timeIntervalSince(firstMiss).rounded())) after the first miss")
            case .inconclusive:
                guard let since = state.dnsErrorSince else {
                    next.dnsErrorSince = observed
                    return VerificationStep(state: next, actions: [])
                }
                guard observed.timeIntervalSince(since) >= policy.dnsErrorGrace else {
                    return VerificationStep(state: next, actions: [])
                }
                return becomeTemporaryFailure(from: state, next, windowStart: observed,
                                              reason: "only DNS errors for \(DurationText.format(policy.dnsErrorGrace)) or more (\(summary.misses))")
            }
        }
    }

    private func becomeVerified(from state: VerificationState, _ next: VerificationState, now: Date, reason: String) -> VerificationStep {
        var next = next
        next.status = .verified
        next.verifiedAt = now
        next.windowStartedAt = nil
        next.deadlineAt = nil
        next.firstMissAt = nil
        next.dnsErrorSince = nil
        next.checksInWindow = 0
        return VerificationStep(state: next, actions: [.recordTransition(StatusChange(from: state.status, to: .verified, reason: reason))])
    }

    private func becomeTemporaryFailure(from state: VerificationState, _ next: VerificationState, windowStart: Date, reason: String) -> VerificationStep {
        var next = next
        next.status = .temporaryFailure
        next.windowStartedAt = windowStart
        next.deadlineAt = windowStart.addingTimeInterval(policy.temporaryFailureTimeout)
        next.firstMissAt = nil
        next.dnsErrorSince = nil
        next.checksInWindow = 0
        return VerificationStep(state: next, actions: [.recordTransition(StatusChange(from: state.status, to: .temporaryFailure, reason: reason))])
    }

    private func fail(from state: VerificationState, _ next: VerificationState, reason: String) -> VerificationStep {
        var next = next
        next.status = .failed
        next.firstMissAt = nil
        next.dnsErrorSince = nil
        return VerificationStep(state: next, actions: [.recordTransition(StatusChange(from: state.status, to: .failed, reason: reason))])
    }
}

extension VerificationMachine {
    /// The status of one record, from its domain's status and the record's last outcome (spec §4).
    public static func recordStatus(domain: DomainStatus, lastOutcome: Outcome?, required: Bool) -> DomainStatus {
        if domain == .notStarted { return .notStarted }
        if lastOutcome == .match { return .verified }
        switch domain {
        case .notStarted: return .notStarted
        case .pending: return .pending
        case .failed: return .failed
        case .verified:
            // A single miss on a verified domain is not yet confirmed, and a DNS error is no evidence.
            return required ? .verified : .pending
        case .temporaryFailure:
            return required ? .temporaryFailure : .pending
        }
    }
}
