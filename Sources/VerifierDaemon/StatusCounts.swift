// How many domains are in each status, kept current for systemd's STATUS= line without counting rows.
import Foundation
import VerifierCore

/// Counts per status: loaded once from the store, then moved by transitions, creations and removals.
final class StatusCounts: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [DomainStatus: Int]
    private let changed: @Sendable (String) -> Void

    init(_ initial: [DomainStatus: Int], changed: @escaping @Sendable (String) -> Void) {
        counts = initial
        self.changed = changed
        changed(line)
    }

    func transition(_ change: StatusChange) { update { $0[change.from, default: 0] -= 1; $0[change.to, default: 0] += 1 } }
    func added() { update { $0[.notStarted, default: 0] += 1 } }
    func removed(_ status: DomainStatus) { update { $0[status, default: 0] -= 1 } }

    /// `120 domains: 100 verified, 15 pending, 3 temporary_failure, 2 failed` (statuses at zero left out).
    var line: String {
        lock.withLock { Self.line(counts) }
    }

    static func line(_ counts: [DomainStatus: Int]) -> String {
        let total = counts.values.reduce(0, +)
        let order: [DomainStatus] = [.verified, .pending, .temporaryFailure, .failed, .notStarted]
        let parts = order.compactMap { status in (counts[status] ?? 0) > 0 ? "\(counts[status]!) \(status.rawValue)" : nil }
        return "\(total) domain\(total == 1 ? "" : "s")" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", "))
    }

    private func update(_ body: (inout [DomainStatus: Int]) -> Void) {
        let line = lock.withLock { () -> String in
            body(&counts)
            return Self.line(counts)
        }
        changed(line)
    }
}
