// Tests VerificationMachine: every row of the status table of spec §4, driven with simulated time.
import Foundation
import Testing
@testable import VerifierCore

/// One row of the §4 table: a state, an event at a time, and what must come out.
struct MachineRow: Sendable, CustomTestStringConvertible {
    var name: String
    var state: VerificationState
    var event: VerificationEvent
    var at: Date
    var status: DomainStatus
    var transition: Bool
    var testDescription: String { name }
}

struct VerificationMachineTests {
    let machine = VerificationMachine()
    static let window: TimeInterval = .hours(72)
    static let deadline = t0 + window

    /// A domain whose pending window started at t0 and that has had `checks` checks.
    static func pending(checks: Int = 1, lastCheckedAt: Date? = t0) -> VerificationState {
        VerificationState(status: .pending, windowStartedAt: t0, deadlineAt: deadline,
                          lastCheckedAt: lastCheckedAt, checksInWindow: checks)
    }

    static func verified(firstMissAt: Date? = nil, dnsErrorSince: Date? = nil) -> VerificationState {
        VerificationState(status: .verified, firstMissAt: firstMissAt, dnsErrorSince: dnsErrorSince,
                          lastCheckedAt: t0, lastMatchedAt: t0, verifiedAt: t0)
    }

    /// A temporary_failure window that started at t0.
    static func temporaryFailure() -> VerificationState {
        VerificationState(status: .temporaryFailure, windowStartedAt: t0, deadlineAt: deadline,
                          lastCheckedAt: t0, lastMatchedAt: t0 - .hours(1), verifiedAt: t0 - .hours(10), checksInWindow: 1)
    }

    static let rows: [MachineRow] = [
        MachineRow(name: "not_started + verify → pending", state: VerificationState(), event: .verifyRequested,
                   at: t0, status: .pending, transition: true),
        MachineRow(name: "failed + verify → pending", state: VerificationState(status: .failed, windowStartedAt: t0 - .hours(100), deadlineAt: t0 - .hours(28)),
                   event: .verifyRequested, at: t0, status: .pending, transition: true),
        MachineRow(name: "pending + all match → verified", state: pending(), event: .checkCompleted(Summaries.allMatch),
                   at: t0 + .minutes(1), status: .verified, transition: true),
        MachineRow(name: "pending + miss 1s before deadline → pending", state: pending(), event: .checkCompleted(Summaries.miss),
                   at: deadline - 1, status: .pending, transition: false),
        MachineRow(name: "pending + miss exactly at deadline → failed", state: pending(), event: .checkCompleted(Summaries.miss),
                   at: deadline, status: .failed, transition: true),
        MachineRow(name: "pending + miss 1s past deadline → failed", state: pending(), event: .checkCompleted(Summaries.miss),
                   at: deadline + 1, status: .failed, transition: true),
        MachineRow(name: "pending + all match at deadline → verified", state: pending(), event: .checkCompleted(Summaries.allMatch),
                   at: deadline, status: .verified, transition: true),
        MachineRow(name: "pending + dns_error before deadline → pending", state: pending(), event: .checkCompleted(Summaries.dnsError),
                   at: t0 + .hours(1), status: .pending, transition: false),
        MachineRow(name: "pending + dns_error at deadline → pending", state: pending(), event: .checkCompleted(Summaries.dnsError),
                   at: deadline, status: .pending, transition: false),
        MachineRow(name: "pending + dns_error 1s before deadline+grace → pending", state: pending(), event: .checkCompleted(Summaries.dnsError),
                   at: deadline + .hours(24) - 1, status: .pending, transition: false),
        MachineRow(name: "pending + dns_error at deadline+grace → failed", state: pending(), event: .checkCompleted(Summaries.dnsError),
                   at: deadline + .hours(24), status: .failed, transition: true),
        MachineRow(name: "verified + all match → verified", state: verified(), event: .checkCompleted(Summaries.allMatch),
                   at: t0 + .hours(6), status: .verified, transition: false),
        MachineRow(name: "verified + first miss → verified", state: verified(), event: .checkCompleted(Summaries.miss),
                   at: t0 + .hours(6), status: .verified, transition: false),
        MachineRow(name: "verified + second miss before confirm_delay → verified", state: verified(firstMissAt: t0),
                   event: .checkCompleted(Summaries.miss), at: t0 + .minutes(5) - 1, status: .verified, transition: false),
        MachineRow(name: "verified + second miss at confirm_delay → temporary_failure", state: verified(firstMissAt: t0),
                   event: .checkCompleted(Summaries.miss), at: t0 + .minutes(5), status: .temporaryFailure, transition: true),
        MachineRow(name: "verified + second miss after confirm_delay → temporary_failure", state: verified(firstMissAt: t0),
                   event: .checkCompleted(Summaries.miss), at: t0 + .hours(2), status: .temporaryFailure, transition: true),
        MachineRow(name: "verified + match after a miss → verified", state: verified(firstMissAt: t0),
                   event: .checkCompleted(Summaries.allMatch), at: t0 + .minutes(5), status: .verified, transition: false),
        MachineRow(name: "verified + first dns_error → verified", state: verified(), event: .checkCompleted(Summaries.dnsError),
                   at: t0, status: .verified, transition: false),
        MachineRow(name: "verified + dns_error 1s short of grace → verified", state: verified(dnsErrorSince: t0),
                   event: .checkCompleted(Summaries.dnsError), at: t0 + .hours(24) - 1, status: .verified, transition: false),
        MachineRow(name: "verified + dns_error at grace → temporary_failure", state: verified(dnsErrorSince: t0),
                   event: .checkCompleted(Summaries.dnsError), at: t0 + .hours(24), status: .temporaryFailure, transition: true),
        MachineRow(name: "temporary_failure + all match → verified", state: temporaryFailure(), event: .checkCompleted(Summaries.allMatch),
                   at: t0 + .hours(3), status: .verified, transition: true),
        MachineRow(name: "temporary_failure + miss before deadline → temporary_failure", state: temporaryFailure(),
                   event: .checkCompleted(Summaries.miss), at: deadline - 1, status: .temporaryFailure, transition: false),
        MachineRow(name: "temporary_failure + miss at deadline → failed", state: temporaryFailure(),
                   event: .checkCompleted(Summaries.miss), at: deadline, status: .failed, transition: true),
        MachineRow(name: "temporary_failure + dns_error at deadline → temporary_failure", state: temporaryFailure(),
                   event: .checkCompleted(Summaries.dnsError), at: deadline, status: .temporaryFailure, transition: false),
        MachineRow(name: "temporary_failure + dns_error at deadline+grace → failed", state: temporaryFailure(),
                   event: .checkCompleted(Summaries.dnsError), at: deadline + .hours(24), status: .failed, transition: true),
        MachineRow(name: "pending + verify → pending", state: pending(), event: .verifyRequested,
                   at: t0 + .hours(1), status: .pending, transition: false),
        MachineRow(name: "verified + verify → verified", state: verified(), event: .verifyRequested,
                   at: t0 + .hours(1), status: .verified, transition: false),
        MachineRow(name: "temporary_failure + verify → temporary_failure", state: temporaryFailure(), event: .verifyRequested,
                   at: t0 + .hours(1), status: .temporaryFailure, transition: false),
        MachineRow(name: "not_started + check → not_started", state: VerificationState(), event: .checkCompleted(Summaries.allMatch),
                   at: t0, status: .notStarted, transition: false),
        MachineRow(name: "failed + all-match check → failed", state: VerificationState(status: .failed),
                   event: .checkCompleted(Summaries.allMatch), at: t0, status: .failed, transition: false),
        MachineRow(name: "failed + miss check → failed", state: VerificationState(status: .failed),
                   event: .checkCompleted(Summaries.miss), at: t0, status: .failed, transition: false),
    ]

    @Test(arguments: rows)
    func step_followsTheStatusTable(row: MachineRow) {
        let step = machine.step(row.state, row.event, now: row.at)
        #expect(step.state.status == row.status)
        #expect((step.transition != nil) == row.transition)
        if let transition = step.transition {
            #expect(transition.from == row.state.status)
            #expect(transition.to == row.status)
            #expect(!transition.reason.isEmpty)
        }
    }

    // MARK: verify requested

    @Test(arguments: [DomainStatus.notStarted, .failed])
    func verify_onNotStartedOrFailed_opensA72hWindowNow_andChecksAtOnce(status: DomainStatus) {
        let before = VerificationState(status: status, windowStartedAt: t0 - .hours(200), deadlineAt: t0 - .hours(128),
                                       firstMissAt: t0 - .hours(129), dnsErrorSince: t0 - .hours(130), checksInWindow: 40)
        let step = machine.step(before, .verifyRequested, now: t0)
        #expect(step.state.status == .pending)
        #expect(step.state.windowStartedAt == t0)
        #expect(step.state.deadlineAt == t0 + .hours(72))
        #expect(step.state.firstMissAt == nil)
        #expect(step.state.dnsErrorSince == nil)
        #expect(step.state.checksInWindow == 0)
        #expect(step.actions == [
            .recordTransition(StatusChange(from: status, to: .pending, reason: "verification requested; deadline in 72h")),
            .runCheck(.verify),
        ])
    }

    @Test(arguments: [pending(), verified(firstMissAt: t0), temporaryFailure()])
    func verify_onAPolledStatus_changesNothing_andOnlyAsksForACheck(state: VerificationState) {
        let step = machine.step(state, .verifyRequested, now: t0 + .hours(1))
        #expect(step.state == state)
        #expect(step.actions == [.runCheck(.verify)])
        #expect(step.transition == nil)
    }

    @Test func verify_usesTheConfiguredPendingTimeout() {
        let machine = VerificationMachine(policy: VerificationPolicy(pendingTimeout: 90))
        let step = machine.step(VerificationState(), .verifyRequested, now: t0)
        #expect(step.state.deadlineAt == t0 + 90)
        #expect(step.transition?.reason == "verification requested; deadline in 90s")
    }

    // MARK: deadline reached

    @Test(arguments: [
        (pending(), deadline, true),
        (pending(), deadline + 1, true),
        (pending(), deadline - 1, false),
        (temporaryFailure(), deadline, true),
        (temporaryFailure(), deadline - 1, false),
        (verified(), deadline, false),
        (VerificationState(status: .failed, windowStartedAt: t0, deadlineAt: deadline), deadline + 1, false),
        (VerificationState(), deadline, false),
    ])
    func deadlineReached_asksForADeadlineCheck_onlyOncePastTheDeadline(state: VerificationState, at: Date, runs: Bool) {
        let step = machine.step(state, .deadlineReached, now: at)
        #expect(step.state == state)
        #expect(step.actions == (runs ? [.runCheck(.deadline)] : []))
    }

    @Test(arguments: [
        (DomainStatus.pending, deadline - 1, false),
        (.pending, deadline, true),
        (.temporaryFailure, deadline, true),
        (.verified, deadline + 1, false),
        (.failed, deadline + 1, false),
        (.notStarted, deadline + 1, false),
    ])
    func isPastDeadline_countsTheDeadlineItself_onlyForWindowedStatuses(status: DomainStatus, at: Date, past: Bool) {
        let state = VerificationState(status: status, windowStartedAt: t0, deadlineAt: Self.deadline)
        #expect(state.isPastDeadline(at) == past)
    }

    // MARK: pending

    @Test func pendingCheck_recordsTheCheck_andCountsItInTheWindow() {
        let step = machine.step(Self.pending(checks: 3), .checkCompleted(Summaries.miss), now: t0 + .minutes(4))
        #expect(step.actions.isEmpty)
        #expect(step.state.checksInWindow == 4)
        #expect(step.state.lastCheckedAt == t0 + .minutes(4))
        #expect(step.state.deadlineAt == Self.deadline)
    }

    @Test func pendingDomain_whenAllMatch_becomesVerified_andClosesTheWindow() {
        let now = t0 + .minutes(3)
        let step = machine.step(Self.pending(), .checkCompleted(Summaries.allMatch), now: now)
        #expect(step.state.status == .verified)
        #expect(step.state.verifiedAt == now)
        #expect(step.state.lastMatchedAt == now)
        #expect(step.state.lastCheckedAt == now)
        #expect(step.state.windowStartedAt == nil)
        #expect(step.state.deadlineAt == nil)
        #expect(step.state.checksInWindow == 0)
        #expect(step.actions == [.recordTransition(StatusChange(from: .pending, to: .verified, reason: "every required record matches"))])
    }

    @Test func pendingCheck_begunBeforeTheDeadline_butFinishedAfterIt_asksForTheLastCheck_insteadOfFailing() {
        let begun = CheckSummary(outcomes: Summaries.miss.outcomes, startedAt: Self.deadline - 0.003)
        let step = machine.step(Self.pending(), .checkCompleted(begun), now: Self.deadline + 0.010)
        #expect(step.state.status == .pending)
        #expect(step.transition == nil)
        #expect(step.actions == [.runCheck(.deadline)])
        let last = CheckSummary(outcomes: Summaries.miss.outcomes, startedAt: Self.deadline + 0.020)
        #expect(machine.step(step.state, .checkCompleted(last), now: Self.deadline + 0.030).state.status == .failed)
    }

    @Test func verifiedDomain_secondMissBegunBeforeConfirmDelay_doesNotConfirm_evenIfItFinishesAfter() {
        let confirm = VerificationPolicy().confirmDelay
        let early = CheckSummary(outcomes: Summaries.miss.outcomes, startedAt: t0 + confirm - 1)
        let step = machine.step(Self.verified(firstMissAt: t0), .checkCompleted(early), now: t0 + confirm + 1)
        #expect(step.state.status == .verified)
        #expect(step.state.firstMissAt == t0)
    }

    @Test func pendingDomain_whenWindowEnds_failsAfterLastCheck_namingTheMisses() {
        let step = machine.step(Self.pending(), .checkCompleted(Summaries.miss), now: Self.deadline)
        #expect(step.state.status == .failed)
        #expect(step.state.deadlineAt == Self.deadline)
        #expect(step.transition?.reason == "the 72h window ended without every required record matching (spf_txt no_record)")
    }

    @Test func pendingDomain_whenDNSErrorsOutlastTheDeadlineByTheGrace_fails_sayingSo() {
        let step = machine.step(Self.pending(), .checkCompleted(Summaries.dnsError), now: Self.deadline + .hours(30))
        #expect(step.state.status == .failed)
        #expect(step.transition?.reason.contains("DNS errors") == true)
        #expect(step.transition?.reason.contains("dkim dns_error") == true)
    }

    // MARK: verified

    @Test func verifiedDomain_firstMiss_staysVerified_andRemembersWhen() {
        let now = t0 + .hours(6)
        let step = machine.step(Self.verified(), .checkCompleted(Summaries.miss), now: now)
        #expect(step.state.status == .verified)
        #expect(step.state.firstMissAt == now)
        #expect(step.actions.isEmpty)
    }

    @Test func verifiedDomain_secondMissBeforeConfirmDelay_keepsTheFirstMissTime() {
        let step = machine.step(Self.verified(firstMissAt: t0), .checkCompleted(Summaries.miss), now: t0 + .minutes(2))
        #expect(step.state.firstMissAt == t0)
        #expect(step.state.status == .verified)
    }

    @Test func verifiedDomain_confirmedMiss_startsTheWindowAtTheFirstMiss() {
        let now = t0 + .minutes(7)
        let step = machine.step(Self.verified(firstMissAt: t0), .checkCompleted(Summaries.miss), now: now)
        #expect(step.state.status == .temporaryFailure)
        #expect(step.state.windowStartedAt == t0)
        #expect(step.state.deadlineAt == t0 + .hours(72))
        #expect(step.state.firstMissAt == nil)
        #expect(step.state.checksInWindow == 0)
        #expect(step.transition?.reason == "a required record stopped matching (spf_txt no_record), confirmed 7m after the first miss")
    }

    @Test func verifiedDomain_recordThatFlaps_clearsTheMiss_andStaysVerified() {
        var state = Self.verified()
        state = machine.step(state, .checkCompleted(Summaries.miss), now: t0).state
        #expect(state.firstMissAt == t0)
        state = machine.step(state, .checkCompleted(Summaries.allMatch), now: t0 + .minutes(2)).state
        #expect(state.status == .verified)
        #expect(state.firstMissAt == nil)
        // A new miss starts a new confirmation: 6m after the first miss, but only 2m after this one.
        state = machine.step(state, .checkCompleted(Summaries.miss), now: t0 + .minutes(4)).state
        #expect(state.firstMissAt == t0 + .minutes(4))
        let step = machine.step(state, .checkCompleted(Summaries.miss), now: t0 + .minutes(6))
        #expect(step.state.status == .verified)
        #expect(step.transition == nil)
        let confirmed = machine.step(step.state, .checkCompleted(Summaries.miss), now: t0 + .minutes(9))
        #expect(confirmed.state.status == .temporaryFailure)
        #expect(confirmed.state.windowStartedAt == t0 + .minutes(4))
    }

    @Test func verifiedDomain_dnsErrorIsNoEvidence_neitherStartsNorConfirmsAMiss() {
        var state = machine.step(Self.verified(), .checkCompleted(Summaries.miss), now: t0).state
        state = machine.step(state, .checkCompleted(Summaries.dnsError), now: t0 + .minutes(5)).state
        #expect(state.status == .verified)
        #expect(state.firstMissAt == t0)
        #expect(state.dnsErrorSince == t0 + .minutes(5))
        let step = machine.step(state, .checkCompleted(Summaries.miss), now: t0 + .minutes(10))
        #expect(step.state.status == .temporaryFailure)
        #expect(step.state.windowStartedAt == t0)
    }

    @Test func verifiedDomain_dnsErrorStreak_isMeasuredFromItsFirstCheck() {
        var state = Self.verified()
        for hour in stride(from: 0.0, through: 23.0, by: 1) {
            let step = machine.step(state, .checkCompleted(Summaries.dnsError), now: t0 + .hours(hour))
            #expect(step.state.status == .verified)
            state = step.state
        }
        #expect(state.dnsErrorSince == t0)
        let step = machine.step(state, .checkCompleted(Summaries.dnsError), now: t0 + .hours(24))
        #expect(step.state.status == .temporaryFailure)
        #expect(step.state.windowStartedAt == t0 + .hours(24))
        #expect(step.state.deadlineAt == t0 + .hours(96))
        #expect(step.transition?.reason.contains("only DNS errors for 24h or more") == true)
    }

    @Test func verifiedDomain_matchEndsADNSErrorStreak() {
        var state = machine.step(Self.verified(), .checkCompleted(Summaries.dnsError), now: t0).state
        state = machine.step(state, .checkCompleted(Summaries.allMatch), now: t0 + .hours(12)).state
        #expect(state.dnsErrorSince == nil)
        #expect(state.lastMatchedAt == t0 + .hours(12))
        state = machine.step(state, .checkCompleted(Summaries.dnsError), now: t0 + .hours(13)).state
        let step = machine.step(state, .checkCompleted(Summaries.dnsError), now: t0 + .hours(25))
        #expect(step.state.status == .verified)
    }

    @Test func verifiedDomain_definitiveMissEndsADNSErrorStreak() {
        var state = machine.step(Self.verified(), .checkCompleted(Summaries.dnsError), now: t0).state
        state = machine.step(state, .checkCompleted(Summaries.miss), now: t0 + .hours(1)).state
        #expect(state.dnsErrorSince == nil)
        #expect(state.firstMissAt == t0 + .hours(1))
    }

    // MARK: temporary_failure

    @Test func temporaryFailure_whenAllMatchAgain_becomesVerified() {
        let step = machine.step(Self.temporaryFailure(), .checkCompleted(Summaries.allMatch), now: t0 + .hours(5))
        #expect(step.state.status == .verified)
        #expect(step.state.deadlineAt == nil)
        #expect(step.state.verifiedAt == t0 + .hours(5))
        #expect(step.transition == StatusChange(from: .temporaryFailure, to: .verified, reason: "every required record matches again"))
    }

    @Test func temporaryFailure_usesItsOwnTimeout() {
        let machine = VerificationMachine(policy: VerificationPolicy(pendingTimeout: .hours(72), temporaryFailureTimeout: .hours(1)))
        let entered = machine.step(Self.verified(firstMissAt: t0), .checkCompleted(Summaries.miss), now: t0 + .minutes(5)).state
        #expect(entered.deadlineAt == t0 + .hours(1))
        let failed = machine.step(entered, .checkCompleted(Summaries.miss), now: t0 + .hours(1))
        #expect(failed.state.status == .failed)
        #expect(failed.transition?.reason.hasPrefix("the 1h window ended") == true)
    }

    // MARK: checks outside the polled statuses

    @Test(arguments: [DomainStatus.notStarted, .failed])
    func checkCompleted_onAnUnpolledStatus_changesNoStatus(status: DomainStatus) {
        for summary in [Summaries.allMatch, Summaries.miss, Summaries.dnsError] {
            let state = VerificationState(status: status)
            let step = machine.step(state, .checkCompleted(summary), now: t0)
            #expect(step.state.status == status)
            #expect(step.actions.isEmpty)
            #expect(step.state.lastCheckedAt == t0)
        }
    }

    // MARK: restart in the middle of a window

    /// Steps through `events`, optionally persisting and reloading the state before event `restartBefore`.
    private func run(_ start: VerificationState, _ events: [(Date, VerificationEvent)], restartBefore: Int?,
                     encoder: JSONEncoder = JSONEncoder(), decoder: JSONDecoder = JSONDecoder()) throws -> [VerificationStep] {
        var state = start
        var steps: [VerificationStep] = []
        for (index, (at, event)) in events.enumerated() {
            if index == restartBefore {
                let stored = try encoder.encode(state)
                state = try decoder.decode(VerificationState.self, from: stored)
            }
            let step = machine.step(state, event, now: at)
            steps.append(step)
            state = step.state
        }
        return steps
    }

    @Test(arguments: 1...6)
    func restartInThePendingWindow_changesNeitherDeadlineNorOutcome(restartBefore: Int) throws {
        let events: [(Date, VerificationEvent)] = [
            (t0, .verifyRequested),
            (t0 + 1, .checkCompleted(Summaries.miss)),
            (t0 + 31, .checkCompleted(Summaries.miss)),
            // Switched off for two days.
            (t0 + .hours(50), .checkCompleted(Summaries.dnsError)),
            (Self.deadline, .deadlineReached),
            (Self.deadline, .checkCompleted(Summaries.miss)),
            (Self.deadline + 10, .checkCompleted(Summaries.allMatch)),
        ]
        let straight = try run(VerificationState(), events, restartBefore: nil)
        let restarted = try run(VerificationState(), events, restartBefore: restartBefore)
        #expect(restarted == straight)
        #expect(restarted[restartBefore].state.deadlineAt == Self.deadline)
        #expect(restarted[4].actions == [.runCheck(.deadline)])
        #expect(restarted[5].state.status == .failed)
        #expect(restarted[6].state.status == .failed)
    }

    @Test func restartBetweenAMissAndItsConfirmation_stillConfirmsFromTheFirstMiss() throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let events: [(Date, VerificationEvent)] = [
            (t0, .checkCompleted(Summaries.miss)),
            (t0 + .minutes(5), .checkCompleted(Summaries.miss)),
            (t0 + .hours(72), .checkCompleted(Summaries.miss)),
        ]
        let straight = try run(Self.verified(), events, restartBefore: nil)
        let restarted = try run(Self.verified(), events, restartBefore: 1, encoder: encoder, decoder: decoder)
        #expect(restarted == straight)
        #expect(restarted[1].state.status == .temporaryFailure)
        #expect(restarted[1].state.windowStartedAt == t0)
        #expect(restarted[1].state.deadlineAt == t0 + .hours(72))
        #expect(restarted[2].state.status == .failed)
    }

    @Test func state_roundTripsThroughJSON() throws {
        let state = VerificationState(status: .temporaryFailure, windowStartedAt: t0, deadlineAt: Self.deadline,
                                      firstMissAt: t0 + 1, dnsErrorSince: t0 + 2, lastCheckedAt: t0 + 3,
                                      lastMatchedAt: t0 + 4, verifiedAt: t0 + 5, checksInWindow: 7)
        let decoded = try JSONDecoder().decode(VerificationState.self, from: JSONEncoder().encode(state))
        #expect(decoded == state)
    }

    // MARK: record status

    @Test(arguments: [
        (DomainStatus.notStarted, Outcome?.none, true, DomainStatus.notStarted),
        (.notStarted, .match, true, .notStarted),
        (.pending, nil, true, .pending),
        (.pending, .match, true, .verified),
        (.pending, .wrongValue, true, .pending),
        (.pending, .dnsError, false, .pending),
        (.verified, .match, true, .verified),
        (.verified, .noRecord, true, .verified),
        (.verified, .dnsError, true, .verified),
        (.verified, .noHost, false, .pending),
        (.temporaryFailure, .match, true, .verified),
        (.temporaryFailure, .noHost, true, .temporaryFailure),
        (.temporaryFailure, .wrongValue, false, .pending),
        (.failed, .match, true, .verified),
        (.failed, .noHost, true, .failed),
        (.failed, nil, false, .failed),
    ])
    func recordStatus_followsTheDomainStatusAndTheLastOutcome(domain: DomainStatus, outcome: Outcome?, required: Bool,
                                                              expected: DomainStatus) {
        #expect(VerificationMachine.recordStatus(domain: domain, lastOutcome: outcome, required: required) == expected)
    }

    @Test func domainStatus_rawValuesAreTheAPISpelling() {
        #expect(DomainStatus.allCases.map(\.rawValue) == ["not_started", "pending", "verified", "temporary_failure", "failed"])
    }
}
