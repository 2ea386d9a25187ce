// Counters and gauges for GET /metrics (Prometheus text format).
import Foundation
import VerifierCore

/// The daemon's counters. Thread-safe: updated from the scheduler and the API at once.
public final class Metrics: @unchecked Sendable {
    private let lock = NSLock()
    private var checksStarted = 0
    private var checksByVerdict: [CheckVerdict: Int] = [:]
    private var outcomes: [Outcome: Int] = [:]
    private var transitions: [DomainStatus: Int] = [:]
    private var storeFailures = 0
    private var requests: [Int: Int] = [:]
    /// Check durations, for a histogram: bucket upper bounds in seconds.
    private static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    private var durationCounts = [Int](repeating: 0, count: buckets.count)
    private var durationSum = 0.0
    private var durationCount = 0

    public init() {}

    func checkStarted() { lock.withLock { checksStarted += 1 } }

    func checkFinished(_ result: CheckResult) {
        lock.withLock {
            checksByVerdict[result.summary.verdict, default: 0] += 1
            for record in result.records { outcomes[record.outcome, default: 0] += 1 }
            for (index, bound) in Self.buckets.enumerated() where result.duration <= bound { durationCounts[index] += 1 }
            durationSum += result.duration
            durationCount += 1
        }
    }

    func transition(to status: DomainStatus) { lock.withLock { transitions[status, default: 0] += 1 } }
    func storeFailed() { lock.withLock { storeFailures += 1 } }
    public func request(status: Int) { lock.withLock { requests[status, default: 0] += 1 } }

    /// The Prometheus text exposition, with the gauges passed in.
    public func render(domains: [DomainStatus: Int], inFlight: Int, scheduled: Int, uptime: TimeInterval) -> String {
        lock.withLock {
            var lines: [String] = []
            func family(_ name: String, _ type: String, _ help: String) {
                lines.append("# HELP \(name) \(help)")
                lines.append("# TYPE \(name) \(type)")
            }
            family("domain_verifier_domains", "gauge", "Domains by status.")
            for status in DomainStatus.allCases { lines.append("domain_verifier_domains{status=\"\(status.rawValue)\"} \(domains[status] ?? 0)") }
            family("domain_verifier_checks_in_flight", "gauge", "Domain checks running now.")
            lines.append("domain_verifier_checks_in_flight \(inFlight)")
            family("domain_verifier_scheduled_domains", "gauge", "Domains with a check planned.")
            lines.append("domain_verifier_scheduled_domains \(scheduled)")
            family("domain_verifier_checks_started_total", "counter", "Domain checks started.")
            lines.append("domain_verifier_checks_started_total \(checksStarted)")
            family("domain_verifier_checks_total", "counter", "Domain checks finished, by verdict.")
            for verdict in [CheckVerdict.allMatch, .definitiveMiss, .inconclusive] {
                lines.append("domain_verifier_checks_total{verdict=\"\(verdict.rawValue)\"} \(checksByVerdict[verdict] ?? 0)")
            }
            family("domain_verifier_record_outcomes_total", "counter", "Record outcomes, by outcome.")
            for outcome in Outcome.allCases { lines.append("domain_verifier_record_outcomes_total{outcome=\"\(outcome.rawValue)\"} \(outcomes[outcome] ?? 0)") }
            family("domain_verifier_transitions_total", "counter", "Status transitions, by new status.")
            for status in DomainStatus.allCases { lines.append("domain_verifier_transitions_total{to=\"\(status.rawValue)\"} \(transitions[status] ?? 0)") }
            family("domain_verifier_store_failures_total", "counter", "Check results that could not be stored.")
            lines.append("domain_verifier_store_failures_total \(storeFailures)")
            family("domain_verifier_check_duration_seconds", "histogram", "Time a domain check takes.")
            for (index, bound) in Self.buckets.enumerated() {
                lines.append("domain_verifier_check_duration_seconds_bucket{le=\"\(bound)\"} \(durationCounts[index])")
            }
            lines.append("domain_verifier_check_duration_seconds_bucket{le=\"+Inf\"} \(durationCount)")
            lines.append("domain_verifier_check_duration_seconds_sum \(durationSum)")
            lines.append("domain_verifier_check_duration_seconds_count \(durationCount)")
            family("domain_verifier_api_requests_total", "counter", "Admin API requests, by HTTP status.")
            for (status, count) in requests.sorted(by: { $0.key < $1.key }) {
                lines.append("domain_verifier_api_requests_total{code=\"\(status)\"} \(count)")
            }
            family("domain_verifier_uptime_seconds", "gauge", "Seconds since the daemon started.")
            lines.append("domain_verifier_uptime_seconds \(Int(uptime))")
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
