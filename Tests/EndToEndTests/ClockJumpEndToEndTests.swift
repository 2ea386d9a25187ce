// Issue 7, clock: the daemon's wall clock set three days forward, then back, while a domain is
// pending. libfaketime (preloaded) moves the daemon's wall clock only; its monotonic and boot
// clocks, Knot and this test keep real time. The window keeps its 20 s in real time.
import Foundation
import Testing
import TestSupport

@Suite struct ClockJumpEndToEndTests {
    static let libfaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"

    @Test func wallClockSetForwardThenBack_failsNothingEarly_andLosesNoDeadline() async throws {
        let daemon = try await DaemonHarness.prepare(["pending-timeout": "20s", "pending-intervals": "1s", "log-level": "info"])
        defer { daemon.kill9() }
        let offset = daemon.directory.path + "/faketime"
        try "+0\n".write(toFile: offset, atomically: true, encoding: .utf8)
        daemon.environment = [
            "LD_PRELOAD": Self.libfaketime, "FAKETIME_TIMESTAMP_FILE": offset, "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        ]
        try await daemon.launch()

        let name = "jump.e2e.test"
        _ = try await daemon.create(name, extra: #","dkim_key_size":1024"#)
        let verifiedAt = Date()
        let deadline = try #require(try await daemon.verify(name).verification.deadline)
        try await daemon.waitForChecks(name, atLeast: 1)

        // Three days forward: the checks go on, the domain stays pending, its deadline moved.
        try "+3d\n".write(toFile: offset, atomically: true, encoding: .utf8)
        let checks = try await daemon.checks(name).count
        try await daemon.waitForChecks(name, atLeast: checks + 3)
        let forward = try await daemon.domain(name)
        #expect(forward.status == "pending", "failed early: \(forward.status)")
        let moved = try #require(forward.verification.deadline).timeIntervalSince(deadline)
        #expect(abs(moved - 3 * 86_400) < 2, "the deadline moved \(moved) s")
        #expect(daemon.log.contains("The wall clock was set forward by 72h"), "\(daemon.log.suffix(2000))")

        // Back again: the deadline comes back with it, and the domain fails when its 20 s are up.
        try "+0\n".write(toFile: offset, atomically: true, encoding: .utf8)
        try await daemon.waitFor(name, "failed", within: 40)
        let took = Date().timeIntervalSince(verifiedAt)
        #expect(took > 19 && took < 30, "failed \(took) s after verify, with a window of 20 s")
        print("clock: set 3 days forward and back; \(checks + 3)+ checks, still pending in between; failed \(String(format: "%.1f", took)) s after verify (window 20 s)")
        let failed = try await daemon.domain(name)
        #expect(abs(try #require(failed.verification.deadline).timeIntervalSince(deadline)) < 2)
        #expect(daemon.log.contains("The wall clock was set back by 72h"), "\(daemon.log.suffix(2000))")
        let jumps = try await daemon.curl("GET", "/metrics").text.split(separator: "\n").first { $0.hasPrefix("domain_verifier_clock_jumps_total ") }
        #expect(jumps == "domain_verifier_clock_jumps_total 2")
    }
}
