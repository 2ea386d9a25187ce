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
    private var clockJumps = 0
    private var requests: [Int: Int] = [:]
    private var durations = Histogram(bounds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
    /// How late checks start after their due time: the scheduler's lag, which grows when demand
    /// exceeds what the machine can check or when something else (key generation) takes the CPU.
    private var startDelays = Histogram(bounds: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60])
    /// How long committing a batch of finished checks took (one transaction, one fsync): the disk's
    /// share of the checks' cost, and the first place a slow or saturated disk shows.
    private var commits = Histogram(bounds: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])

    /// Counts of observations at or under each bound (cumulative, as Prometheus has them).
    struct Histogram {
        let bounds: [Double]
        var counts: [Int]
        var sum = 0.0
        var count = 0

        init(bounds: [Double]) {
            self.bounds = bounds
            counts = [Int](repeating: 0, count: bounds.count)
        }

        mutating func observe(_ value: Double) {
            for (index, bound) in bounds.enumerated() where value <= bound { counts[index] += 1 }
            sum += value
            count += 1
        }

        func render(_ name: String, into lines: inout [String]) {
            for (index, bound) in bounds.enumerated() {
                lines.append("\(name)_bucket{le=\"\(bound)\"} \(counts[index])")
            }
            lines.append("\(name)_bucket{le=\"+Inf\"} \(count)")
            lines.append("\(name)_sum \(sum)")
            lines.append("\(name)_count \(count)")
        }
    }

    public init() {}

    /// A check started `lateBy` seconds after it was due (negative when early: counted as 0).
    func checkStarted(lateBy: TimeInterval) {
        lock.withLock {
            checksStarted += 1
            startDelays.observe(max(0, lateBy))
        }
    }

    func checkFinished(_ result: CheckResult) {
        lock.withLock {
            checksByVerdict[result.summary.verdict, default: 0] += 1
            for record in result.records { outcomes[record.outcome, default: 0] += 1 }
            durations.observe(result.duration)
        }
    }

    func transition(to status: DomainStatus) { lock.withLock { transitions[status, default: 0] += 1 } }
    func storeFailed(checks: Int) { lock.withLock { storeFailures += checks } }
    /// A batch of finished checks was committed (or failed to be) after `seconds`.
    func storeCommitted(seconds: TimeInterval) { lock.withLock { commits.observe(max(0, seconds)) } }
    func clockJumped() { lock.withLock { clockJumps += 1 } }
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
            family("domain_verifier_clock_jumps_total", "counter", "Times the wall clock was set while the daemon ran (open windows moved with it).")
            lines.append("domain_verifier_clock_jumps_total \(clockJumps)")
            family("domain_verifier_check_duration_seconds", "histogram", "Time a domain check takes.")
            durations.render("domain_verifier_check_duration_seconds", into: &lines)
            family("domain_verifier_check_start_delay_seconds", "histogram", "How long after its due time a check started.")
            startDelays.render("domain_verifier_check_start_delay_seconds", into: &lines)
            family("domain_verifier_store_commit_seconds", "histogram", "Time to commit a batch of finished checks (one transaction).")
            commits.render("domain_verifier_store_commit_seconds", into: &lines)
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
