// Issue 7, crashes: hundreds of domains checked while their records flip in Knot, and the daemon
// killed with SIGKILL at random moments, again and again. After every kill the database must be
// intact and consistent, and nothing the daemon acknowledged may be missing.
// Long: runs with DV_LONG_TESTS=1 (`make test-long`, which `.ci/run` runs).
import Foundation
import Testing
import TestSupport

@Suite("Crash campaign (issue 7)", .enabled(if: ProcessInfo.processInfo.environment["DV_LONG_TESTS"] == "1"))
struct CrashCampaignTests {
    static let environment = ProcessInfo.processInfo.environment
    static let domainCount = Int(environment["DV_CRASH_DOMAINS"] ?? "") ?? 500
    static let killCount = Int(environment["DV_CRASH_KILLS"] ?? "") ?? 50
    /// How long after its deadline a pending or temporary_failure domain may still be open while the
    /// daemon runs: one check interval (1 s), the DNS timeout (2 s) and the commit, with room.
    static let deadlineSlack: Int64 = 6_000

    @Test func sigkillAtRandomMoments_losesNothing_andKeepsEveryInvariant() async throws {
        let daemon = try await DaemonHarness.start([
            "pending-timeout": "30s", "temporary-failure-timeout": "30s", "dns-error-grace": "5s",
            "confirm-delay": "1s", "recheck-interval": "2s", "log-level": "info", "max-inflight-checks": "64",
        ])
        defer { daemon.kill9() }
        var random = SystemRandomNumberGenerator()

        // 500 domains; three in five get their records published before verify, the rest never do
        // (they stay pending and fail at their deadline, which falls somewhere in the campaign).
        var published: [DomainJSON] = []
        var lines: [String] = []
        for index in 0..<Self.domainCount {
            let domain = try await daemon.create("c\(index).crash.e2e.test", extra: #","dkim_key_size":1024"#)
            if index % 5 < 3 {
                published.append(domain)
                for record in domain.records ?? [] {
                    let rdata = record.type == "MX" ? "\(record.priority ?? 10) \(record.value)." : KnotServer.txt(record.value)
                    lines.append("\(record.fqdn). 60 \(record.type) \(rdata)")
                }
            }
        }
        try await onThread { [knot = daemon.knot, lines] in try knot.load(E2EDNS.zone, lines: lines) }
        var acknowledged = 0
        for index in 0..<Self.domainCount {
            let answer = try await daemon.curl("POST", "/domains/c\(index).crash.e2e.test/verify")
            #expect(answer.status == 200, "\(answer)")
            acknowledged += 1
        }

        // Records flip all along: an SPF TXT removed, another put back, every 50 ms.
        let flippable = published
        let flipper = Task.detached { [knot = daemon.knot] in
            var random = SystemRandomNumberGenerator()
            var removed: [RecordJSON] = []
            while !Task.isCancelled {
                if let domain = flippable.randomElement(using: &random), let record = domain.records?.first(where: { $0.key == "SPF TXT" }),
                   removed.count < 40 {
                    try? knot.unset(E2EDNS.zone, record.fqdn + ".", record.type)
                    removed.append(record)
                }
                if removed.count > 10, let record = removed.popLast() {
                    try? knot.set(E2EDNS.zone, record.fqdn + ".", record.type, KnotServer.txt(record.value))
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        defer { flipper.cancel() }

        var previous = try await StoreSnapshot.read(daemon)
        var launchedAt = Date()
        for kill in 1...Self.killCount {
            // Some acknowledged changes in each life: verify requests for random domains.
            let life = Double.random(in: 1...8, using: &random)
            let end = Date(timeIntervalSinceNow: life)
            while Date() < end {
                let index = Int.random(in: 0..<Self.domainCount, using: &random)
                if let answer = try? await daemon.curl("POST", "/domains/c\(index).crash.e2e.test/verify", timeout: 5), answer.status == 200 {
                    acknowledged += 1
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 50...400, using: &random)))
            }
            let killedAt = Date()
            daemon.kill9()

            let now = try await StoreSnapshot.read(daemon)
            let context = "after kill \(kill) of \(Self.killCount) (life \(String(format: "%.1f", life)) s)"
            #expect(now.integrity == "ok", "\(context): integrity_check says \(now.integrity)")
            #expect(now.statusNotLastTransition.isEmpty, "\(context): status differs from the last transition for \(now.statusNotLastTransition.prefix(5))")
            #expect(now.brokenChain == 0, "\(context): \(now.brokenChain) transitions do not start where the previous one ended")
            #expect(now.danglingCheckReferences == 0, "\(context): \(now.danglingCheckReferences) transitions point to a missing check")
            #expect(now.verifyAudits >= acknowledged, "\(context): \(acknowledged) verify requests answered 200 but \(now.verifyAudits) audited")
            #expect(now.auditRows >= previous.auditRows && now.auditDigest.hasPrefix(previous.auditDigest),
                    "\(context): the audit log lost or changed entries")
            #expect(now.transitions >= previous.transitions, "\(context): transitions went from \(previous.transitions) to \(now.transitions)")
            // Deadlines that fell while this life had been running for a while were acted on.
            let missed = try await daemon.sql("""
                SELECT name, deadline_at FROM domains WHERE status IN ('pending', 'temporary_failure')
                AND deadline_at BETWEEN \(launchedAt.millis + Self.deadlineSlack) AND \(killedAt.millis - Self.deadlineSlack)
                """)
            #expect(missed.isEmpty, "\(context): deadlines passed without a decision: \(missed.prefix(5))")
            previous = now

            try await daemon.launch()
            launchedAt = Date()
        }

        // The end: every deadline is decided within the slack of the daemon running undisturbed.
        flipper.cancel()
        try await Task.sleep(for: .seconds(Double(Self.deadlineSlack) / 1000 + 2))
        let open = try await daemon.sql("""
            SELECT name, deadline_at FROM domains WHERE status IN ('pending', 'temporary_failure')
            AND deadline_at < \(Date().millis - Self.deadlineSlack)
            """)
        #expect(open.isEmpty, "deadlines passed without a decision at the end: \(open.prefix(5))")
        let statuses = try await daemon.sql("SELECT status, count(*) FROM domains GROUP BY status ORDER BY status")
        let kinds = Set(statuses.compactMap { $0.first as? String })
        #expect(kinds.contains("failed") && kinds.contains("verified"), "the campaign never failed or verified a domain: \(statuses)")
        try await daemon.stop()
    }
}

extension Date {
    fileprivate var millis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
}
