// Counting the DNS lookups an SPF record needs, across includes and redirects (RFC 7208 §4.6.4).

/// What was found when the SPF record of an include or redirect target was looked up.
public enum SPFFetch: Equatable, Sendable {
    case record(SPFRecord)
    /// The target has no SPF record (an include of it is a permerror).
    case none
    /// The target's TXT records hold more than one SPF record.
    case multiple
    /// The target's record does not parse.
    case invalid(String)
    /// The lookup failed (dns_error): the count is a lower bound.
    case error(String)
}

/// The lookup count of one SPF record and everything it pulls in.
public struct SPFLookupReport: Equatable, Sendable {
    /// Terms that cost a DNS lookup: include, a, mx, ptr, exists and redirect, recursively.
    public var lookups: Int
    /// Include and redirect targets whose records are still needed to finish the count.
    public var unresolved: [String]
    /// Problems met on the way (missing target records, loops), for the operator.
    public var problems: [String]
    /// Whether the count is incomplete because some lookups failed.
    public var incomplete: Bool

    /// More than 10 lookups: every receiver returns permerror (§4.6.4).
    public var exceedsLimit: Bool { lookups > SPFLookupReport.limit }
    public static let limit = 10
}

public enum SPFLookupCount {
    /// Counts the lookups `root` needs, following include and redirect targets found in `fetched`.
    /// Targets not in `fetched` are listed in `unresolved`; call again once they are fetched.
    /// The walk stops early once the limit is exceeded.
    public static func count(root: SPFRecord, fetched: [String: SPFFetch]) -> SPFLookupReport {
        var report = SPFLookupReport(lookups: 0, unresolved: [], problems: [], incomplete: false)
        var stack: [String] = []
        walk(root, fetched: fetched, report: &report, stack: &stack, depth: 0)
        var seen = Set<String>()
        report.unresolved = report.unresolved.filter { seen.insert($0).inserted }
        return report
    }

    private static func walk(_ record: SPFRecord, fetched: [String: SPFFetch], report: inout SPFLookupReport,
                             stack: inout [String], depth: Int) {
        var sawAll = false
        for case let .directive(_, mechanism) in record.terms {
            // Mechanisms after "all" are never evaluated (§5.1).
            if sawAll { break }
            if case .all = mechanism { sawAll = true }
            guard mechanism.countsAsLookup else { continue }
            report.lookups += 1
            if report.exceedsLimit { return }
            if case let .include(target) = mechanism {
                follow(target, via: "include", fetched: fetched, report: &report, stack: &stack, depth: depth)
                if report.exceedsLimit { return }
            }
        }
        // redirect= is ignored when the record has "all" (§6.1).
        if !sawAll, let target = record.redirect {
            report.lookups += 1
            if report.exceedsLimit { return }
            follow(target, via: "redirect", fetched: fetched, report: &report, stack: &stack, depth: depth)
        }
    }

    private static func follow(_ rawTarget: String, via: String, fetched: [String: SPFFetch],
                               report: inout SPFLookupReport, stack: inout [String], depth: Int) {
        // Targets with macros depend on the message being checked: counted, not followed.
        if rawTarget.contains("%") { return }
        let target = rawTarget.trimmingTrailingDot().lowercased()
        if stack.contains(target) {
            report.problems.append("\(via):\(target) loops back to a record already being evaluated")
            report.lookups = SPFLookupReport.limit + 1
            return
        }
        guard let fetch = fetched[target] else {
            report.unresolved.append(target)
            return
        }
        switch fetch {
        case let .record(record):
            stack.append(target)
            walk(record, fetched: fetched, report: &report, stack: &stack, depth: depth + 1)
            stack.removeLast()
        case .none:
            report.problems.append("\(via):\(target) has no SPF record")
        case .multiple:
            report.problems.append("\(via):\(target) has more than one SPF record")
        case let .invalid(reason):
            report.problems.append("\(via):\(target) has an invalid SPF record (\(reason))")
        case let .error(reason):
            report.incomplete = true
            report.problems.append("\(via):\(target) could not be looked up (\(reason))")
        }
    }
}
