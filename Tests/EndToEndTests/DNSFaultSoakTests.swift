// Issue 7, DNS faults: verified domains rechecked again and again while their DNS answers SERVFAIL,
// REFUSED, garbage, nothing, too late, or truncated with TCP failing. A DNS error is never evidence
// that a record is missing: no domain may be demoted before `dns_error_grace`, and a resolver dead
// for longer than the grace gives temporary_failure, never failed directly.
// Long: runs with DV_LONG_TESTS=1 (`make test-long`).
import Foundation
import Testing
import TestSupport

@Suite("DNS fault soak (issue 7)", .enabled(if: ProcessInfo.processInfo.environment["DV_LONG_TESTS"] == "1"))
struct DNSFaultSoakTests {
    static let domainCount = Int(ProcessInfo.processInfo.environment["DV_FAULT_DOMAINS"] ?? "") ?? 1000
    static let faults: [FaultAction] = [.servfail, .refused, .garbage, .drop, .slow(milliseconds: 3000), .truncateTCPFail, .wrongID, .formerr]

    /// Creates `count` domains under `zone` in groups of `groups` (`d<i>.g<group>.<zone>`), publishes
    /// their records in Knot, verifies them and waits until every one is verified.
    static func verifiedDomains(_ daemon: DaemonHarness, _ count: Int, zone: String, groups: Int) async throws -> [String] {
        var names: [String] = []
        var lines: [String] = []
        for index in 0..<count {
            let domain = try await daemon.create("d\(index).g\(index % groups).\(zone)", extra: #","dkim_key_size":1024"#)
            names.append(domain.name)
            for record in domain.records ?? [] {
                let rdata = record.type == "MX" ? "\(record.priority ?? 10) \(record.value)." : KnotServer.txt(record.value)
                lines.append("\(record.fqdn). 60 \(record.type) \(rdata)")
            }
        }
        try await onThread { [knot = daemon.knot, lines] in try knot.load(E2EDNS.zone, lines: lines) }
        for name in names { try await daemon.verify(name) }
        let deadline = Date(timeIntervalSinceNow: 120)
        while true {
            let open = try await daemon.sql("SELECT count(*) FROM domains WHERE name LIKE '%.\(zone)' AND status != 'verified'")
            if open.first?.first as? Int == 0 { return names }
            guard Date() < deadline else { throw HarnessError("\(open) domains of \(zone) not verified within 120 s") }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    @Test func everyKindOfDNSFault_overManyRechecks_demotesNothingBeforeTheGrace() async throws {
        let knot = try await E2EDNS.knot()
        let fault = try FaultDNSServer(rules: FaultRules(default: .proxy), upstream: knot.address)
        defer { fault.stop() }
        let zone = "soak.e2e.test"
        let daemon = try await DaemonHarness.start([
            "dns-server": fault.address, "recheck-interval": "1s", "dns-error-grace": "600s", "confirm-delay": "2s",
            "log-level": "info", "max-inflight-checks": "256",
        ])
        defer { daemon.kill9() }
        let groups = Self.faults.count + 1
        _ = try await Self.verifiedDomains(daemon, Self.domainCount, zone: zone, groups: groups)
        let checksBefore = try await daemon.sql("SELECT count(*) FROM checks").first?.first as? Int ?? 0

        // Each phase gives every fault to one group of domains, rotating; one group stays healthy.
        for phase in 0..<(2 * groups) {
            var rules: [FaultRules.Rule] = []
            for (offset, action) in Self.faults.enumerated() {
                rules.append(.init(suffix: "g\((offset + phase) % groups).\(zone)", action: action))
            }
            try fault.update(FaultRules(rules, default: .proxy))
            try await Task.sleep(for: .seconds(4))
        }
        try fault.update(FaultRules(default: .proxy))

        let demoted = try await daemon.sql("""
            SELECT d.name, t.from_status, t.to_status FROM transitions t JOIN domains d ON d.id = t.domain_id
            WHERE d.name LIKE '%.\(zone)' AND t.from_status = 'verified'
            """)
        #expect(demoted.isEmpty, "\(demoted.count) demotions before dns_error_grace, e.g. \(demoted.prefix(5))")
        let checks = (try await daemon.sql("SELECT count(*) FROM checks").first?.first as? Int ?? 0) - checksBefore
        let inconclusive = try await daemon.sql("SELECT count(*) FROM checks WHERE verdict != 'all_match'").first?.first as? Int ?? 0
        #expect(checks >= Self.domainCount * 3, "only \(checks) rechecks during the soak")
        #expect(inconclusive >= Self.domainCount, "the faults reached only \(inconclusive) checks")
        print("DNS fault soak: \(Self.domainCount) verified domains, \(checks) rechecks, \(inconclusive) of them inconclusive, \(demoted.count) demoted")
        try await daemon.stop()
    }

    @Test func aResolverDeadLongerThanTheGrace_givesTemporaryFailure_neverFailed() async throws {
        let knot = try await E2EDNS.knot()
        let fault = try FaultDNSServer(rules: FaultRules(default: .proxy), upstream: knot.address)
        defer { fault.stop() }
        let zone = "dead.e2e.test"
        let daemon = try await DaemonHarness.start([
            "dns-server": fault.address, "recheck-interval": "1s", "dns-error-grace": "4s", "temporary-failure-timeout": "300s",
            "log-level": "info",
        ])
        defer { daemon.kill9() }
        let names = try await Self.verifiedDomains(daemon, 20, zone: zone, groups: 2)

        // Nothing answers, for twice the grace.
        try fault.update(FaultRules(default: .drop))
        for name in names { try await daemon.waitFor(name, "temporary_failure", within: 30) }
        try await Task.sleep(for: .seconds(4))
        try fault.update(FaultRules(default: .proxy))
        for name in names { try await daemon.waitFor(name, "verified", within: 30) }

        let moves = try await daemon.sql("""
            SELECT t.from_status || '>' || t.to_status, count(*) FROM transitions t JOIN domains d ON d.id = t.domain_id
            WHERE d.name LIKE '%.\(zone)' GROUP BY 1 ORDER BY 1
            """).map { "\($0[0]) \($0[1])" }
        #expect(moves == ["not_started>pending 20", "pending>verified 20", "temporary_failure>verified 20", "verified>temporary_failure 20"],
                "\(moves)")
        try await daemon.stop()
    }
}
