// Every status transition of spec §4 on the real daemon, with timers of seconds and records published in Knot.
import Foundation
import Testing
import TestSupport

@Suite("Statuses and timers (spec §4)")
struct StatusLifecycleTests {
    /// Transitions as "from→to", oldest first.
    static func path(_ transitions: [HistoryEntryJSON]) -> [String] {
        transitions.map { "\($0.from ?? "?")→\($0.to ?? "?")" }
    }

    static func required(_ domain: DomainJSON) -> [RecordJSON] {
        (domain.records ?? []).filter { $0.required != false && $0.record != "DMARC" }
    }

    @Test func notStartedDomain_becomesPendingOnVerify_andVerifiedOnceRecordsArePublished() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        let name = "publish-later.e2e.test"

        let created = try await daemon.create(name)
        #expect(created.status == "not_started")
        #expect(created.records?.count == 4)
        #expect(created.records?.allSatisfy { $0.status == "not_started" && $0.ttl == "Auto" } == true)
        #expect(created.verification.nextCheckAt == nil, "a not_started domain is never checked")
        #expect(created.verification.deadlineAt == nil)
        #expect(try await daemon.checks(name).isEmpty)

        let requestedAt = Date()
        let pending = try await daemon.verify(name)
        #expect(pending.status == "pending")
        let started = try #require(pending.verification.started)
        let deadline = try #require(pending.verification.deadline)
        #expect(started.timeIntervalSince(requestedAt) > -0.01 && started.timeIntervalSince(requestedAt) < 5)
        #expect(abs(deadline.timeIntervalSince(started) - 120) < 0.002, "deadline = start + pending_timeout")

        // Nothing is published: the immediate check and the next one miss, and the domain stays pending.
        let misses = try await daemon.waitForChecks(name, atLeast: 2)
        #expect(misses.first?.reason == "verify", "the first check is the immediate one of the verify")
        #expect(misses.allSatisfy { $0.verdict == "definitive_miss" }, "\(misses.map { $0.verdict ?? "-" })")
        #expect(misses.first?.outcome("DKIM TXT") == "no_host")
        let stillPending = try await daemon.domain(name)
        #expect(stillPending.status == "pending")
        #expect(Self.required(stillPending).allSatisfy { $0.status == "pending" && $0.lastOutcome != "match" })

        try await daemon.publish(pending)
        let verified = try #require(try await daemon.waitFor(name, "verified", within: 15).last?.domain)
        #expect(Self.required(verified).allSatisfy { $0.status == "verified" && $0.lastOutcome == "match" },
                "\(Self.required(verified).map { "\($0.key) \($0.status) \($0.lastOutcome ?? "-")" })")
        #expect(verified.verification.deadlineAt == nil, "a verified domain has no window")
        #expect(verified.verification.nextCheckAt != nil, "a verified domain is rechecked")

        let history = try await daemon.history(name)
        let transitions = history.filter { $0.object == "transition" }
        #expect(Self.path(transitions) == ["not_started→pending", "pending→verified"])
        #expect(transitions.last?.reason == "every required record matches")
        let cause = try #require(history.first { $0.object == "check" && $0.id == transitions.last?.checkId },
                                 "the transition names the check that caused it")
        #expect(cause.verdict == "all_match")
    }

    @Test func pendingDomain_whenWindowEnds_failsAfterALastCheck_notBeforeTheDeadline() async throws {
        let daemon = try await DaemonHarness.start(["pending-timeout": "4s"])
        defer { daemon.kill9() }
        let name = "never-published.e2e.test"
        _ = try await daemon.create(name)
        let pending = try await daemon.verify(name)
        let deadline = try #require(pending.verification.deadline)

        let readings = try await daemon.waitFor(name, "failed", within: 20)
        for reading in readings where reading.receivedAt < deadline {
            #expect(reading.domain.status == "pending", "read \(reading.domain.status) at \(reading.receivedAt), before the deadline \(deadline)")
        }

        let history = try await daemon.history(name)
        let transitions = history.filter { $0.object == "transition" }
        #expect(Self.path(transitions) == ["not_started→pending", "pending→failed"])
        let failure = try #require(transitions.last)
        #expect(failure.time >= deadline, "failed at \(failure.at), before the deadline \(pending.verification.deadlineAt ?? "-")")
        #expect(failure.reason?.contains("window ended") == true, "\(failure.reason ?? "no reason")")
        let lastCheck = try #require(history.first { $0.object == "check" && $0.id == failure.checkId },
                                     "the failure names its last check")
        #expect(lastCheck.reason == "deadline")
        #expect(lastCheck.time >= deadline, "the last check ran at \(lastCheck.at), before the deadline \(pending.verification.deadlineAt ?? "-")")
        #expect(lastCheck.verdict == "definitive_miss")
        let checksBefore = history.filter { $0.object == "check" && $0.time < deadline }
        #expect(checksBefore.count >= 2, "the pending cadence (1s) ran before the deadline: \(checksBefore.count) checks")

        let failed = try await daemon.domain(name)
        #expect(failed.verification.deadlineAt == pending.verification.deadlineAt, "the deadline is kept to show when")
        #expect(failed.verification.nextCheckAt == nil, "a failed domain is not polled")
        #expect(Self.required(failed).allSatisfy { $0.status == "failed" })
    }

    @Test func verifiedDomain_whenARecordDisappears_staysVerifiedUntilConfirmDelay_thenTemporaryFailure() async throws {
        let confirmDelay: TimeInterval = 3
        let daemon = try await DaemonHarness.start(["confirm-delay": "3s", "temporary-failure-timeout": "120s"])
        defer { daemon.kill9() }
        let name = "loses-spf.e2e.test"
        let created = try await daemon.create(name)
        try await daemon.publish(created)
        try await daemon.verify(name)
        try await daemon.waitFor(name, "verified")

        try await daemon.unpublish(created, "SPF TXT")
        // By id this time: GET /domains/{id} and /domains/{id}/history.
        let missSeen = try await daemon.poll(created.id, within: 15, what: "the first miss") { $0.record("SPF TXT")?.lastOutcome == "no_record" }
        // An early check (verify) inside the confirm window is no confirmation: it must not shortcut confirm_delay.
        let verifyAt = Date()
        #expect(try await daemon.verify(created.id).status == "verified")
        let early = try #require(try await daemon.waitForChecks(created.id, atLeast: 1, within: 10) {
            $0.reason == "verify" && $0.time >= verifyAt.addingTimeInterval(-0.01)
        }.first)
        #expect(early.outcome("SPF TXT") == "no_record")
        let readings = missSeen + (try await daemon.waitFor(created.id, "temporary_failure", within: 25))

        let history = try await daemon.history(created.id)
        let transitions = history.filter { $0.object == "transition" }
        #expect(Self.path(transitions) == ["not_started→pending", "pending→verified", "verified→temporary_failure"])
        let verifiedAt = try #require(transitions.first { $0.to == "verified" }).time
        let firstMiss = try #require(history.first { $0.isMiss && $0.time > verifiedAt }, "no check saw the miss")
        #expect(firstMiss.outcome("SPF TXT") == "no_record")
        let confirmation = try #require(transitions.last)
        #expect(confirmation.time.timeIntervalSince(firstMiss.time) >= confirmDelay,
                "temporary_failure at \(confirmation.at), only \(confirmation.time.timeIntervalSince(firstMiss.time)) s after the first miss at \(firstMiss.at)")
        let confirmingCheck = try #require(history.first { $0.object == "check" && $0.id == confirmation.checkId })
        #expect(early.time.timeIntervalSince(firstMiss.time) < confirmDelay, "the verify's check came too late to test anything")
        #expect(confirmingCheck.id != early.id, "the early check confirmed the miss")
        #expect(confirmingCheck.reason == "confirm")
        #expect(confirmingCheck.outcome("SPF TXT") == "no_record")
        #expect(confirmation.reason?.contains("confirmed") == true, "\(confirmation.reason ?? "no reason")")

        // Seen from outside: after the first miss the domain still read as verified.
        #expect(readings.contains { $0.domain.status == "verified" && $0.domain.record("SPF TXT")?.lastOutcome == "no_record" },
                "no reading showed the unconfirmed miss on a verified domain")

        // The window starts at the first miss, not at the confirmation.
        let failing = try #require(readings.last?.domain)
        let windowStart = try #require(failing.verification.started)
        let tolerance = Double(firstMiss.durationMs ?? 0) / 1000 + 1
        #expect(windowStart >= firstMiss.time && windowStart.timeIntervalSince(firstMiss.time) <= tolerance,
                "the window started at \(failing.verification.startedAt ?? "-"), the first miss was at \(firstMiss.at)")
        #expect(abs((failing.verification.deadline ?? .distantPast).timeIntervalSince(windowStart) - 120) < 0.002)
        #expect(failing.record("SPF TXT")?.status == "temporary_failure")
        #expect(failing.record("DKIM TXT")?.status == "verified")
        // The demotion names the record behind it, with the fields journald indexes (RECORD, OUTCOME).
        let recordLine = daemon.log.split(separator: "\n").first {
            $0.contains("WARNING") && $0.contains("Record SPF TXT") && $0.contains("record=spf_txt")
        }
        #expect(recordLine?.contains("outcome=") == true, "no record entry with RECORD and OUTCOME in:\n\(daemon.log.suffix(3000))")
    }

    @Test func verifiedDomain_withOnlyDNSErrors_staysVerifiedForTheGrace_thenTemporaryFailure() async throws {
        let knot = try await E2EDNS.knot()
        let faults = try FaultDNSServer(rules: FaultRules([], default: .proxy), upstream: knot.address)
        defer { faults.stop() }
        let grace: TimeInterval = 3
        let daemon = try await DaemonHarness.start(["dns-server": faults.address, "dns-timeout": "1s", "dns-error-grace": "3s"])
        defer { daemon.kill9() }
        let name = "dns-outage.e2e.test"
        let created = try await daemon.create(name)
        try await daemon.publish(created)
        try await daemon.verify(name)
        try await daemon.waitFor(name, "verified")

        try faults.update(FaultRules([], default: .servfail))
        let readings = try await daemon.waitFor(name, "temporary_failure", within: 25)

        let history = try await daemon.history(name)
        let transitions = history.filter { $0.object == "transition" }
        #expect(Self.path(transitions) == ["not_started→pending", "pending→verified", "verified→temporary_failure"])
        let verifiedAt = try #require(transitions.first { $0.to == "verified" }).time
        let firstError = try #require(history.first { $0.object == "check" && $0.time > verifiedAt && $0.verdict == "inconclusive" })
        let change = try #require(transitions.last)
        #expect(change.time.timeIntervalSince(firstError.time) >= grace,
                "temporary_failure \(change.time.timeIntervalSince(firstError.time)) s after the first DNS error")
        #expect(change.reason?.contains("DNS errors") == true, "\(change.reason ?? "no reason")")
        let errorsMeanwhile = history.filter { $0.object == "check" && $0.time >= firstError.time && $0.time <= change.time }
        #expect(errorsMeanwhile.allSatisfy { $0.verdict == "inconclusive" }, "\(errorsMeanwhile.map { $0.verdict ?? "-" })")
        #expect(errorsMeanwhile.count >= 2, "DNS errors are retried during the grace")
        // A dns_error is no evidence of a missing record: the domain read as verified meanwhile.
        #expect(readings.contains { $0.domain.status == "verified" && $0.domain.record("DKIM TXT")?.lastOutcome == "dns_error" })
    }

    @Test func temporaryFailure_whenRecordsAreRepublished_becomesVerified_andVerifyMeanwhileChangesNothing() async throws {
        let daemon = try await DaemonHarness.start(["confirm-delay": "1s"])
        defer { daemon.kill9() }
        let name = "comes-back.e2e.test"
        let created = try await daemon.create(name)
        try await daemon.publish(created)
        try await daemon.verify(name)
        try await daemon.waitFor(name, "verified")
        try await daemon.unpublish(created, "DKIM TXT")
        let failing = try #require(try await daemon.waitFor(name, "temporary_failure").last?.domain)

        // verify in temporary_failure: the same window, no transition, one immediate check.
        let before = try await daemon.transitions(name)
        let requestedAt = Date()
        let answered = try await daemon.verify(name)
        #expect(answered.status == "temporary_failure")
        #expect(answered.verification.startedAt == failing.verification.startedAt)
        #expect(answered.verification.deadlineAt == failing.verification.deadlineAt)
        try await daemon.waitForChecks(name, atLeast: 1, within: 10) { $0.reason == "verify" && $0.time >= requestedAt.addingTimeInterval(-0.01) }
        #expect(try await daemon.transitions(name) == before)

        try await daemon.publish(created, only: ["DKIM TXT"])
        let verified = try #require(try await daemon.waitFor(name, "verified", within: 15).last?.domain)
        #expect(verified.verification.deadlineAt == nil)
        let transitions = try await daemon.transitions(name)
        #expect(Self.path(transitions) == ["not_started→pending", "pending→verified", "verified→temporary_failure", "temporary_failure→verified"])
        #expect(transitions.last?.reason == "every required record matches again")
    }

    @Test func temporaryFailure_whenWindowEnds_failsAfterALastCheck() async throws {
        // The temporary_failure window must be long enough to be seen by polling on a loaded
        // machine: with 4 s (3 s after the confirmation) a CI run never read it.
        let daemon = try await DaemonHarness.start(["confirm-delay": "1s", "temporary-failure-timeout": "8s"])
        defer { daemon.kill9() }
        let name = "stays-broken.e2e.test"
        let created = try await daemon.create(name)
        try await daemon.publish(created)
        try await daemon.verify(name)
        try await daemon.waitFor(name, "verified")
        try await daemon.unpublish(created, "SPF TXT")
        let failing = try #require(try await daemon.waitFor(name, "temporary_failure").last?.domain)
        let deadline = try #require(failing.verification.deadline)
        let windowStart = try #require(failing.verification.started)
        #expect(abs(deadline.timeIntervalSince(windowStart) - 8) < 0.002, "deadline = first miss + temporary_failure_timeout")

        let readings = try await daemon.waitFor(name, "failed", within: 20)
        for reading in readings where reading.receivedAt < deadline {
            #expect(reading.domain.status == "temporary_failure", "read \(reading.domain.status) before the deadline")
        }
        let history = try await daemon.history(name)
        let transitions = history.filter { $0.object == "transition" }
        #expect(Self.path(transitions) == ["not_started→pending", "pending→verified", "verified→temporary_failure", "temporary_failure→failed"])
        let failure = try #require(transitions.last)
        #expect(failure.time >= deadline, "failed at \(failure.at), before the deadline \(failing.verification.deadlineAt ?? "-")")
        #expect(failure.reason?.contains("window ended") == true, "\(failure.reason ?? "no reason")")
        let lastCheck = try #require(history.first { $0.object == "check" && $0.id == failure.checkId })
        #expect(lastCheck.reason == "deadline")
        #expect(lastCheck.time >= deadline, "the last check ran at \(lastCheck.at), before the deadline")

        let failed = try await daemon.domain(name)
        #expect(failed.verification.nextCheckAt == nil)
        #expect(failed.record("SPF TXT")?.status == "failed")
        #expect(failed.record("DKIM TXT")?.status == "verified", "a record that matches shows verified whatever the domain's status")
    }

    @Test func verify_onVerifiedDomain_addsNoTransition_butChecksAtOnce() async throws {
        let daemon = try await DaemonHarness.start(["recheck-interval": "60s"])
        defer { daemon.kill9() }
        let name = "already-verified.e2e.test"
        let created = try await daemon.create(name)
        try await daemon.publish(created)
        try await daemon.verify(name)
        let verified = try #require(try await daemon.waitFor(name, "verified").last?.domain)
        let before = try await daemon.transitions(name)
        let checksBefore = try await daemon.checks(name)

        let answered = try await daemon.verify(name)
        #expect(answered.status == "verified")
        #expect(answered.verification.startedAt == nil && answered.verification.deadlineAt == nil)
        // With rechecks 60 s apart, a new check now can only be the verify's.
        let checks = try await daemon.waitForChecks(name, atLeast: checksBefore.count + 1, within: 10)
        #expect(checks.last?.reason == "verify")
        #expect(checks.last?.verdict == "all_match")
        let after = try await daemon.domain(name)
        #expect(after.status == "verified")
        #expect(after.verification.startedAt == verified.verification.startedAt)
        #expect(try await daemon.transitions(name) == before, "verify on a verified domain recorded a transition")
    }

    @Test func verify_onPendingDomain_keepsItsWindow_andChecksAtOnce() async throws {
        let daemon = try await DaemonHarness.start(["pending-intervals": "60s"])
        defer { daemon.kill9() }
        let name = "verify-twice.e2e.test"
        _ = try await daemon.create(name)
        let first = try await daemon.verify(name)
        try await daemon.waitForChecks(name, atLeast: 1)
        let before = try await daemon.transitions(name)

        let second = try await daemon.verify(name)
        #expect(second.status == "pending")
        #expect(second.verification.startedAt == first.verification.startedAt)
        #expect(second.verification.deadlineAt == first.verification.deadlineAt, "a second verify moved the deadline")
        let checks = try await daemon.waitForChecks(name, atLeast: 2, within: 10)
        #expect(checks.map(\.reason) == ["verify", "verify"], "the second check is the second verify's, at once")
        #expect(try await daemon.transitions(name) == before)
    }

    @Test func verify_onFailedDomain_restartsPendingWithANewDeadline() async throws {
        let daemon = try await DaemonHarness.start(["pending-timeout": "3s"])
        defer { daemon.kill9() }
        let name = "second-chance.e2e.test"
        let created = try await daemon.create(name)
        let firstWindow = try await daemon.verify(name).verification
        try await daemon.waitFor(name, "failed")
        let failedTransitions = try await daemon.transitions(name)

        // Published while failed: nothing polls a failed domain until verify.
        try await daemon.publish(created)
        let requestedAt = Date()
        let again = try await daemon.verify(name)
        #expect(again.status == "pending")
        let started = try #require(again.verification.started)
        let deadline = try #require(again.verification.deadline)
        #expect(started.timeIntervalSince(requestedAt) > -0.01, "the new window starts at the verify")
        #expect(deadline > (firstWindow.deadline ?? .distantFuture))
        #expect(abs(deadline.timeIntervalSince(started) - 3) < 0.002)

        try await daemon.waitFor(name, "verified", within: 10)
        let transitions = try await daemon.transitions(name)
        #expect(Array(transitions.prefix(failedTransitions.count)) == failedTransitions)
        #expect(Self.path(transitions) == ["not_started→pending", "pending→failed", "failed→pending", "pending→verified"])
    }
}
