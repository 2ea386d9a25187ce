// GET /metrics: the scheduler's lag is exposed as a cumulative histogram.
import Foundation
import Testing
@testable import VerifierDaemon

@Suite struct MetricsTests {
    private func lines(_ metrics: Metrics, _ prefix: String) -> [String] {
        metrics.render(domains: [:], inFlight: 0, scheduled: 0, uptime: 1)
            .split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
    }

    @Test func startDelaysAreCountedInCumulativeBucketsWithTheirSum() {
        let metrics = Metrics()
        metrics.checkStarted(lateBy: 0.0005)
        metrics.checkStarted(lateBy: 0.2)
        metrics.checkStarted(lateBy: 90)
        metrics.checkStarted(lateBy: -3)  // early: counted as on time
        let rendered = lines(metrics, "domain_verifier_check_start_delay_seconds")
        #expect(rendered.contains("domain_verifier_check_start_delay_seconds_bucket{le=\"0.001\"} 2"))
        #expect(rendered.contains("domain_verifier_check_start_delay_seconds_bucket{le=\"0.1\"} 2"))
        #expect(rendered.contains("domain_verifier_check_start_delay_seconds_bucket{le=\"0.5\"} 3"))
        #expect(rendered.contains("domain_verifier_check_start_delay_seconds_bucket{le=\"60.0\"} 3"))
        #expect(rendered.contains("domain_verifier_check_start_delay_seconds_bucket{le=\"+Inf\"} 4"))
        #expect(rendered.contains("domain_verifier_check_start_delay_seconds_count 4"))
        #expect(rendered.contains("domain_verifier_check_start_delay_seconds_sum 90.2005"))
        #expect(lines(metrics, "domain_verifier_checks_started_total") == ["domain_verifier_checks_started_total 4"])
    }

    @Test func storeCommitsAreTimedInTheirOwnHistogram() {
        let metrics = Metrics()
        metrics.storeCommitted(seconds: 0.004)
        metrics.storeCommitted(seconds: 0.3)
        metrics.storeCommitted(seconds: 12)
        let rendered = lines(metrics, "domain_verifier_store_commit_seconds")
        #expect(rendered.contains("domain_verifier_store_commit_seconds_bucket{le=\"0.005\"} 1"))
        #expect(rendered.contains("domain_verifier_store_commit_seconds_bucket{le=\"0.5\"} 2"))
        #expect(rendered.contains("domain_verifier_store_commit_seconds_bucket{le=\"10.0\"} 2"))
        #expect(rendered.contains("domain_verifier_store_commit_seconds_bucket{le=\"+Inf\"} 3"))
        #expect(rendered.contains("domain_verifier_store_commit_seconds_count 3"))
        #expect(metrics.render(domains: [:], inFlight: 0, scheduled: 0, uptime: 1)
            .contains("# TYPE domain_verifier_store_commit_seconds histogram"))
    }
}
