// Tests PollPlan and VerifyRateLimit: when each domain is next checked (spec §5), with seeded jitter.
import Foundation
import TestSupport
import Testing
@testable import VerifierCore

struct PollPlanTests {
    let plan = PollPlan()
    static let deadline = t0 + .hours(72)
    static let seeds: [UInt64] = [1, 2, 3, 42, 1234, 99_999, 0xDEAD_BEEF, .max]

    private func pending(checks: Int, lastCheckedAt: Date?) -> VerificationState {
        VerificationState(status: .pending, windowStartedAt: t0, deadlineAt: Self.deadline,
                          lastCheckedAt: lastCheckedAt, checksInWindow: checks)
    }

    private func expectWithinJitter(_ due: DueCheck?, base: Date, interval: TimeInterval, reason: CheckReason,
                                    sourceLocation: SourceLocation = #_sourceLocation) {
        guard let due else {
            Issue.record("no check planned", sourceLocation: sourceLocation)
            return
        }
        let gap = due.at.timeIntervalSince(base)
        #expect(gap >= interval * 0.9 - 1e-6 && gap <= interval * 1.1 + 1e-6,
                "gap \(gap) not within 10% of \(interval)", sourceLocation: sourceLocation)
        #expect(due.reason == reason, sourceLocation: sourceLocation)
    }

    // MARK: pending cadence

    @Test func pending_withNoCheckYet_isDueAtOnce() {
        var random = SplitMix64(seed: 1)
        let due = plan.nextCheck(pending(checks: 0, lastCheckedAt: nil), now: t0 + 2, random: &random)
        #expect(due == DueCheck(at: t0 + 2, reason: .verify))
    }

    @Test(arguments: [
        (1, 30.0), (2, 60), (3, 120), (4, 300), (5, 600), (6, 900), (7, 1800), (8, 3600), (9, 3600), (30, 3600),
    ] as [(Int, TimeInterval)])
    func pending_followsTheCadence_withTenPercentJitter(checks: Int, interval: TimeInterval) {
        let last = t0 + .hours(1)
        for seed in Self.seeds {
            var random = SplitMix64(seed: seed)
            let due = plan.nextCheck(pending(checks: checks, lastCheckedAt: last), now: last, random: &random)
            expectWithinJitter(due, base: last, interval: interval, reason: .scheduled)
        }
    }

    @Test func pending_jitterIsDeterministicForASeed_andVariesAcrossSeeds() {
        let state = pending(checks: 8, lastCheckedAt: t0 + .hours(2))
        var a = SplitMix64(seed: 7)
        var b = SplitMix64(seed: 7)
        let first = plan.nextCheck(state, now: t0 + .hours(2), random: &a)
        #expect(first == plan.nextCheck(state, now: t0 + .hours(2), random: &b))
        let times = Set(Self.seeds.map { seed -> Date? in
            var random = SplitMix64(seed: seed)
            return plan.nextCheck(state, now: t0 + .hours(2), random: &random)?.at
        })
        #expect(times.count > 1)
    }

    @Test func pending_sequenceOfChecks_runsThroughTheCadenceInOrder() {
        var random = SplitMix64(seed: 2024)
        let machine = VerificationMachine()
        var state = machine.step(VerificationState(), .verifyRequested, now: t0).state
        var now = t0
        var gaps: [TimeInterval] = []
        for _ in 0..<11 {
            let due = plan.nextCheck(state, now: now, random: &random)!
            gaps.append(due.at.timeIntervalSince(now))
            now = due.at
            state = machine.step(state, .checkCompleted(Summaries.miss), now: now).state
        }
        let expected: [TimeInterval] = [0, 30, 60, 120, 300, 600, 900, 1800, 3600, 3600, 3600]
        for (gap, interval) in zip(gaps, expected) {
            #expect(abs(gap - interval) <= interval * 0.1 + 1e-6, "gap \(gap) for \(interval)")
        }
    }

    @Test func pending_checkThatWouldPassTheDeadline_isAtTheDeadlineExactly() {
        for seed in Self.seeds {
            var random = SplitMix64(seed: seed)
            let last = Self.deadline - 10
            let due = plan.nextCheck(pending(checks: 40, lastCheckedAt: last), now: last, random: &random)
            #expect(due == DueCheck(at: Self.deadline, reason: .deadline))
        }
    }

    @Test func pending_earlyCheckThatWouldPassAShortDeadline_isAtTheDeadline() {
        let state = VerificationState(status: .pending, windowStartedAt: t0, deadlineAt: t0 + 20,
                                      lastCheckedAt: t0, checksInWindow: 1)
        var random = SplitMix64(seed: 5)
        #expect(plan.nextCheck(state, now: t0, random: &random) == DueCheck(at: t0 + 20, reason: .deadline))
    }

    @Test func pending_afterAnInconclusiveDeadlineCheck_retriesAtTheTemporaryFailureCadence() {
        for seed in Self.seeds {
            var random = SplitMix64(seed: seed)
            let due = plan.nextCheck(pending(checks: 50, lastCheckedAt: Self.deadline), now: Self.deadline, random: &random)
            expectWithinJitter(due, base: Self.deadline, interval: 900, reason: .deadline)
        }
    }

    @Test func pending_withoutALastCheck_countsFromNow() {
        var random = SplitMix64(seed: 3)
        let now = t0 + .hours(2)
        let due = plan.nextCheck(pending(checks: 8, lastCheckedAt: nil), now: now, random: &random)
        expectWithinJitter(due, base: now, interval: 3600, reason: .scheduled)
    }

    @Test(arguments: [(0, 30.0), (1, 30), (2, 60), (7, 1800), (8, 3600), (100, 3600)] as [(Int, TimeInterval)])
    func pendingInterval_isTheGapAfterTheNthCheck_theLastRepeating(checks: Int, interval: TimeInterval) {
        #expect(plan.pendingInterval(afterChecks: checks) == interval)
    }

    @Test func pendingInterval_withNoIntervalsConfigured_usesTheTemporaryFailureInterval() {
        let plan = PollPlan(poll: PollPolicy(pendingIntervals: []))
        #expect(plan.pendingInterval(afterChecks: 3) == 900)
    }

    @Test func pending_withJitterOff_isExact() {
        let plan = PollPlan(poll: PollPolicy(pendingIntervals: [1, 2], jitter: 0))
        var random = SplitMix64(seed: 1)
        #expect(plan.nextCheck(pending(checks: 1, lastCheckedAt: t0), now: t0, random: &random) == DueCheck(at: t0 + 1, reason: .scheduled))
        #expect(plan.nextCheck(pending(checks: 5, lastCheckedAt: t0), now: t0, random: &random) == DueCheck(at: t0 + 2, reason: .scheduled))
    }

    // MARK: verified

    @Test func verified_isRecheckedEveryRecheckInterval_withJitter() {
        let state = VerificationState(status: .verified, lastCheckedAt: t0, verifiedAt: t0)
        for seed in Self.seeds {
            var random = SplitMix64(seed: seed)
            expectWithinJitter(plan.nextCheck(state, now: t0, random: &random), base: t0, interval: .hours(6), reason: .scheduled)
        }
    }

    @Test func verified_usesTheConfiguredRecheckInterval() {
        let plan = PollPlan(poll: PollPolicy(recheckInterval: 60))
        var random = SplitMix64(seed: 9)
        let state = VerificationState(status: .verified, lastCheckedAt: t0)
        expectWithinJitter(plan.nextCheck(state, now: t0, random: &random), base: t0, interval: 60, reason: .scheduled)
    }

    @Test func verified_afterAFirstMiss_isDueAfterConfirmDelay_withoutJitter() {
        let state = VerificationState(status: .verified, firstMissAt: t0, lastCheckedAt: t0)
        var random = SplitMix64(seed: 4)
        #expect(plan.nextCheck(state, now: t0, random: &random) == DueCheck(at: t0 + .minutes(5), reason: .confirm))
    }

    @Test func verified_afterAFirstMiss_checkedAgainSince_isDueAtOnce() {
        let state = VerificationState(status: .verified, firstMissAt: t0, lastCheckedAt: t0 + .minutes(8))
        var random = SplitMix64(seed: 4)
        #expect(plan.nextCheck(state, now: t0 + .minutes(8), random: &random) == DueCheck(at: t0 + .minutes(8), reason: .confirm))
    }

    @Test func verified_duringADNSErrorStreak_retriesAtTheTemporaryFailureCadence() {
        let state = VerificationState(status: .verified, dnsErrorSince: t0, lastCheckedAt: t0 + .hours(1))
        for seed in Self.seeds {
            var random = SplitMix64(seed: seed)
            expectWithinJitter(plan.nextCheck(state, now: t0 + .hours(1), random: &random), base: t0 + .hours(1),
                               interval: 900, reason: .scheduled)
        }
    }

    @Test func verified_duringADNSErrorStreak_isDueNoLaterThanTheGraceEnds() {
        let state = VerificationState(status: .verified, dnsErrorSince: t0, lastCheckedAt: t0 + .hours(24) - 60)
        var random = SplitMix64(seed: 11)
        #expect(plan.nextCheck(state, now: t0 + .hours(24) - 60, random: &random) == DueCheck(at: t0 + .hours(24), reason: .scheduled))
    }

    // MARK: temporary_failure

    @Test func temporaryFailure_isCheckedEvery15Minutes_withJitter() {
        let state = VerificationState(status: .temporaryFailure, windowStartedAt: t0, deadlineAt: Self.deadline,
                                      lastCheckedAt: t0 + .hours(1), checksInWindow: 0)
        for seed in Self.seeds {
            var random = SplitMix64(seed: seed)
            expectWithinJitter(plan.nextCheck(state, now: t0 + .hours(1), random: &random), base: t0 + .hours(1),
                               interval: 900, reason: .scheduled)
        }
    }

    @Test func temporaryFailure_checkThatWouldPassTheDeadline_isAtTheDeadline() {
        let state = VerificationState(status: .temporaryFailure, windowStartedAt: t0, deadlineAt: Self.deadline,
                                      lastCheckedAt: Self.deadline - .minutes(10), checksInWindow: 200)
        var random = SplitMix64(seed: 8)
        #expect(plan.nextCheck(state, now: Self.deadline - .minutes(10), random: &random) == DueCheck(at: Self.deadline, reason: .deadline))
    }

    // MARK: unpolled statuses

    @Test(arguments: [DomainStatus.notStarted, .failed])
    func unpolledStatuses_areNeverDue(status: DomainStatus) {
        var random = SplitMix64(seed: 1)
        let state = VerificationState(status: status, windowStartedAt: t0, deadlineAt: Self.deadline, lastCheckedAt: t0)
        #expect(plan.nextCheck(state, now: t0, random: &random) == nil)
    }

    // MARK: a whole window, simulated

    @Test(arguments: [UInt64(1), 77, 4242])
    func pendingDomain_whenWindowEnds_failsAfterLastCheck(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let machine = VerificationMachine()
        var step = machine.step(VerificationState(), .verifyRequested, now: t0)
        var checks = 0
        var last: DueCheck?
        while step.state.status == .pending, let due = plan.nextCheck(step.state, now: step.state.lastCheckedAt ?? t0, random: &random) {
            #expect(due.at <= Self.deadline)
            last = due
            checks += 1
            step = machine.step(step.state, .checkCompleted(Summaries.miss), now: due.at)
        }
        #expect(step.state.status == .failed)
        #expect(last == DueCheck(at: Self.deadline, reason: .deadline))
        #expect(step.state.lastCheckedAt == Self.deadline)
        // 8 checks in the first hour or so, then about one an hour until the deadline.
        #expect((70...85).contains(checks))
    }

    @Test func pendingDomain_publishedMidWindow_isVerifiedAtTheNextCheck() throws {
        var random = SplitMix64(seed: 3)
        let machine = VerificationMachine()
        let published = t0 + .minutes(20)
        var step = machine.step(VerificationState(), .verifyRequested, now: t0)
        while step.state.status == .pending, let due = plan.nextCheck(step.state, now: step.state.lastCheckedAt ?? t0, random: &random) {
            step = machine.step(step.state, .checkCompleted(due.at >= published ? Summaries.allMatch : Summaries.miss), now: due.at)
        }
        #expect(step.state.status == .verified)
        let verifiedAt = try #require(step.state.verifiedAt)
        #expect(verifiedAt >= published && verifiedAt <= published + .minutes(16.5))
    }

    // MARK: start-up

    @Test func startupDue_leavesAFutureCheckAlone() {
        var random = SplitMix64(seed: 1)
        let due = DueCheck(at: t0 + 5, reason: .scheduled)
        #expect(plan.startupDue(due, now: t0, random: &random) == due)
        let now = DueCheck(at: t0, reason: .confirm)
        #expect(plan.startupDue(now, now: t0, random: &random) == now)
    }

    @Test(arguments: [CheckReason.scheduled, .confirm, .verify])
    func startupDue_spreadsOverdueChecksOverTheSpread(reason: CheckReason) {
        var random = SplitMix64(seed: 31)
        var times: Set<Date> = []
        for _ in 0..<50 {
            let due = plan.startupDue(DueCheck(at: t0 - .hours(30), reason: reason), now: t0, random: &random)
            #expect(due.at >= t0 && due.at < t0 + .minutes(10))
            #expect(due.reason == reason)
            times.insert(due.at)
        }
        #expect(times.count > 40)
    }

    @Test func startupDue_putsOverdueDeadlinesAtNow() {
        var random = SplitMix64(seed: 31)
        let due = plan.startupDue(DueCheck(at: t0 - .hours(100), reason: .deadline), now: t0, random: &random)
        #expect(due == DueCheck(at: t0, reason: .deadline))
    }

    @Test(arguments: [CheckReason.scheduled, .confirm, .verify])
    func startupDue_whenTheWindowsDeadlinePassedWhileDown_isTheDeadlineCheckAtNow(reason: CheckReason) {
        var random = SplitMix64(seed: 31)
        let overdue = DueCheck(at: t0 - .hours(2), reason: reason)
        #expect(plan.startupDue(overdue, deadline: t0 - .hours(1), now: t0, random: &random) == DueCheck(at: t0, reason: .deadline))
        let spread = plan.startupDue(overdue, deadline: t0 + .hours(1), now: t0, random: &random)
        #expect(spread.reason == reason && spread.at >= t0 && spread.at < t0 + .minutes(10), "a deadline still ahead does not count")
    }

    @Test func startupDue_withNoSpread_putsOverdueChecksAtNow() {
        let plan = PollPlan(poll: PollPolicy(startupSpread: 0))
        var random = SplitMix64(seed: 31)
        #expect(plan.startupDue(DueCheck(at: t0 - 1, reason: .scheduled), now: t0, random: &random) == DueCheck(at: t0, reason: .scheduled))
    }

    // MARK: verify rate limit

    @Test(arguments: [
        (Optional<TimeInterval>.none, nil),
        (0, 10),
        (-5, 5),
        (-9.5, 1),
        (-9.999, 1),
        (-10, nil),
        (-11, nil),
    ] as [(TimeInterval?, Int?)])
    func verifyRateLimit_retryAfterIsTheWholeSecondsLeft(lastAcceptedOffset: TimeInterval?, retryAfter: Int?) {
        let limit = VerifyRateLimit()
        #expect(limit.retryAfter(lastAcceptedAt: lastAcceptedOffset.map { t0 + $0 }, now: t0) == retryAfter)
    }

    @Test func verifyRateLimit_usesTheConfiguredInterval() {
        let limit = VerifyRateLimit(minInterval: 60)
        #expect(limit.retryAfter(lastAcceptedAt: t0 - 15, now: t0) == 45)
        #expect(limit.retryAfter(lastAcceptedAt: t0 - 60, now: t0) == nil)
    }
}
