// The process around the state machine: a crash and restart, a clean stop, and a second daemon on one database.
import Foundation
import Testing
import TestSupport

@Suite("Crash, restart and shutdown (spec §1, §4, §6, §8)")
struct LifecycleTests {
    @Test func sigkillDuringPendingWindow_restartKeepsDeadlineAndHistory_andTheDomainStillVerifies() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        let name = "crashes-midway.e2e.test"
        let created = try await daemon.create(name)
        try await daemon.verify(name)
        try await daemon.waitForChecks(name, atLeast: 2)
        let before = try await daemon.domain(name)
        let historyBefore = try await daemon.history(name)

        #expect(try await daemon.stop(SIGKILL) == .signalled(SIGKILL))
        var info = stat()
        #expect(lstat(daemon.socketPath, &info) == 0, "the crash leaves a stale socket file for the restart to replace")
        try await daemon.launch()

        let after = try await daemon.domain(name)
        #expect(after.status == "pending")
        #expect(after.id == before.id)
        #expect(after.verification.startedAt == before.verification.startedAt)
        #expect(after.verification.deadlineAt == before.verification.deadlineAt, "the restart moved the deadline")
        let historyAfter = try await daemon.history(name)
        #expect(historyAfter.filter { $0.object == "transition" } == historyBefore.filter { $0.object == "transition" })
        let checkIDsBefore = Set(historyBefore.filter { $0.object == "check" }.map(\.id))
        #expect(checkIDsBefore.isSubset(of: Set(historyAfter.filter { $0.object == "check" }.map(\.id))), "checks were lost")

        // Checks continue after the restart, and the window still works.
        let lastKnown = historyAfter.filter { $0.object == "check" }.map(\.id).max() ?? 0
        try await daemon.waitForChecks(name, atLeast: 1, within: 15) { $0.id > lastKnown }
        try await daemon.publish(created)
        try await daemon.waitFor(name, "verified", within: 15)
        let transitions = try await daemon.transitions(name)
        #expect(StatusLifecycleTests.path(transitions) == ["not_started→pending", "pending→verified"])
        #expect(try await daemon.domain(name).verification.deadlineAt == nil)
    }

    @Test func deadlinePassedWhileDown_isAppliedAtStartUpAfterOneLastCheck_notSpread() async throws {
        // Overdue checks are spread over startup_spread (60 s here), overdue deadlines are not (spec §4, §5).
        // The kill comes right after the verify requests, long before the 6 s deadlines: a slow
        // machine must not let the daemon decide them itself before it goes down.
        let daemon = try await DaemonHarness.start(["pending-timeout": "6s", "pending-intervals": "1s", "startup-spread": "60s"])
        defer { daemon.kill9() }
        let lost = "down-unpublished.e2e.test"
        let saved = "down-published.e2e.test"
        _ = try await daemon.create(lost)
        let savedDomain = try await daemon.create(saved)
        let deadlines = [try await daemon.verify(lost).verification.deadline, try await daemon.verify(saved).verification.deadline]
        #expect(try await daemon.stop(SIGKILL) == .signalled(SIGKILL))
        let killedAt = Date()
        #expect(deadlines.allSatisfy { $0.map { $0 > killedAt } ?? false }, "killed after a deadline: \(deadlines)")

        // While the daemon is down: one domain's records appear, then both deadlines pass.
        try await daemon.publish(savedDomain)
        let deadline = try #require(deadlines.compactMap { $0 }.max())
        while Date() < deadline.addingTimeInterval(0.5) { try await Task.sleep(for: .milliseconds(100)) }
        let restartedAt = Date()
        try await daemon.launch()

        try await daemon.waitFor(lost, "failed", within: 10)
        try await daemon.waitFor(saved, "verified", within: 10)
        let history = try await daemon.history(lost)
        let failure = try #require(history.last { $0.object == "transition" })
        #expect(failure.from == "pending" && failure.to == "failed")
        let lastCheck = try #require(history.first { $0.object == "check" && $0.id == failure.checkId })
        #expect(lastCheck.time >= restartedAt.addingTimeInterval(-0.01), "the failure's last check ran after the restart")
        #expect(try await daemon.transitions(saved).last?.to == "verified", "the last check saw the records published in time")
    }

    @Test func sigtermWithACheckStuckInFlight_abandonsItWithin10s_andExitsZero() async throws {
        // Every query is dropped and the DNS deadline is far away: the first check hangs.
        let faults = try FaultDNSServer(rules: FaultRules([], default: .drop))
        defer { faults.stop() }
        let daemon = try await DaemonHarness.start(["dns-server": faults.address, "dns-timeout": "120s"])
        defer { daemon.kill9() }
        _ = try await daemon.create("stuck.e2e.test")
        try await daemon.verify("stuck.e2e.test")
        let deadline = Date(timeIntervalSinceNow: 10)
        while true {
            let status = try await daemon.curl("GET", "/status")
            if (status.object?["checks_in_flight"] as? Int ?? 0) >= 1 { break }
            guard Date() < deadline else { throw HarnessError("no check in flight: \(status)") }
            try await Task.sleep(for: .milliseconds(50))
        }

        let signalledAt = Date()
        let end = try await daemon.stop(SIGTERM, within: 20)
        let took = Date().timeIntervalSince(signalledAt)
        #expect(end == .exited(0), "\(daemon.log.suffix(2000))")
        #expect(took < 12, "SIGTERM took \(took) s with a check in flight")
        #expect(daemon.log.contains("the database is closed"), "\(daemon.log.suffix(2000))")
        let integrity = try await daemon.sql("PRAGMA integrity_check")
        #expect(integrity.first?.first as? String == "ok")
    }

    @Test func sigterm_exitsZero_closesTheDatabase_andLeavesItIntactWithoutWAL() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        let checked = try await daemon.create("clean-stop.e2e.test")
        _ = try await daemon.create("idle.e2e.test")
        try await daemon.publish(checked)
        try await daemon.verify(checked.name)
        try await daemon.waitFor(checked.name, "verified")

        let end = try await daemon.stop(SIGTERM)
        #expect(end == .exited(0))
        #expect(daemon.log.contains("the database is closed"), "no closing line in the log:\n\(daemon.log.suffix(2000))")

        // Checked before anything opens the database again (opening it would make a -wal).
        let wal = daemon.databasePath + "-wal"
        let walSize = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
        #expect(walSize == 0, "\(wal) holds \(walSize) bytes after a clean stop")
        let integrity = try await daemon.sql("PRAGMA integrity_check")
        #expect(integrity.first?.first as? String == "ok", "\(integrity)")
        let rows = try await daemon.sql("SELECT name, status FROM domains ORDER BY name")
        #expect(rows.map { "\($0[0]) \($0[1])" } == ["clean-stop.e2e.test verified", "idle.e2e.test not_started"])
    }

    @Test func secondDaemonOnTheSameStateDir_isRefusedWithAClearMessage_andTheFirstKeepsServing() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        _ = try await daemon.create("first-owner.e2e.test")

        // The same arguments: the same database and the same socket.
        let binary = try DaemonHarness.binary("domain-verifierd")
        let second = try await Subprocess.run("/usr/bin/env", unsetServiceManagerVariables + ["--default-signal", binary] + daemon.arguments, timeout: 20)
        #expect(second.status != 0 && second.status != 128 + SIGKILL, "the second daemon ran (status \(second.status))")
        let output = second.stderr + String(decoding: second.stdout, as: UTF8.self)
        #expect(output.contains("in use by another process"), "\(output)")
        #expect(output.contains(daemon.databasePath), "the message names the database: \(output)")

        let status = try await daemon.curl("GET", "/status")
        #expect(status.status == 200, "the first daemon lost its socket: \(status)")
        #expect(try await daemon.domain("first-owner.e2e.test").status == "not_started")
    }
}
