// One domain check: every record's judgement, the domain-level diagnostics, and the verdict.
import Foundation

/// Why a check ran.
public enum CheckReason: String, Codable, Sendable, CaseIterable {
    /// The regular cadence of the domain's status.
    case scheduled
    /// `verify` was requested.
    case verify
    /// A verified domain missed a record; this check confirms or clears the miss.
    case confirm
    /// The window's deadline: the last check before `failed`.
    case deadline
}

/// What a domain check concluded about the required records.
public enum CheckVerdict: String, Codable, Sendable, CaseIterable {
    /// Every required record matched.
    case allMatch = "all_match"
    /// At least one required record definitively does not match.
    case definitiveMiss = "definitive_miss"
    /// No required record definitively misses, but DNS errors kept some from being judged.
    case inconclusive
}

/// The outcomes of one check of a domain, reduced to what the status machine needs.
public struct CheckSummary: Equatable, Sendable {
    /// The outcome of each required record.
    public var outcomes: [RecordKind: Outcome]

    /// When the check started: what it saw is evidence from then, not from when it finished.
    /// Nil means "at the time of the event".
    public var startedAt: Date?

    public init(outcomes: [RecordKind: Outcome], startedAt: Date? = nil) {
        self.outcomes = outcomes.filter { $0.key.isRequired }
        self.startedAt = startedAt
    }

    public init(_ judgements: [RecordJudgement], startedAt: Date? = nil) {
        self.init(outcomes: Dictionary(judgements.map { ($0.kind, $0.outcome) }, uniquingKeysWith: { first, _ in first }),
                  startedAt: startedAt)
    }

    public var verdict: CheckVerdict {
        let required = RecordKind.allCases.filter(\.isRequired)
        if required.allSatisfy({ outcomes[$0] == .match }) { return .allMatch }
        if required.contains(where: { outcomes[$0].map { $0 != .match && $0.isDefinitive } ?? false }) {
            return .definitiveMiss
        }
        return .inconclusive
    }

    /// "dkim no_host, spf_txt wrong_value": the required records that did not match.
    public var misses: String {
        outcomes.filter { $0.value != .match }.sorted { $0.key < $1.key }
            .map { "\($0.key.rawValue) \($0.value.rawValue)" }.joined(separator: ", ")
    }
}

/// The DNS lookups one SPF record needs (RFC 7208 §4.6.4), as counted during a check.
public struct SPFLookupTally: Equatable, Codable, Sendable {
    /// Where the record is published (the apex or the return path).
    public var name: String
    public var lookups: Int
    /// Some include could not be looked up: the count is a lower bound.
    public var incomplete: Bool

    public init(name: String, lookups: Int, incomplete: Bool) {
        self.name = name
        self.lookups = lookups
        self.incomplete = incomplete
    }
}

/// Everything one check of a domain produced, ready for the store.
public struct CheckResult: Equatable, Codable, Sendable {
    public var startedAt: Date
    /// Wall time the check took, in seconds.
    public var duration: TimeInterval
    public var reason: CheckReason
    public var records: [RecordJudgement]
    /// Diagnostics not tied to one record's outcome (SPF lookup limits at the apex and return path).
    public var diagnostics: [Diagnostic]
    /// The lookup count of each SPF record found at the apex and the return path.
    public var spfLookups: [SPFLookupTally]

    public init(startedAt: Date, duration: TimeInterval, reason: CheckReason, records: [RecordJudgement],
                diagnostics: [Diagnostic] = [], spfLookups: [SPFLookupTally] = []) {
        self.startedAt = startedAt
        self.duration = duration
        self.reason = reason
        self.records = records
        self.diagnostics = diagnostics
        self.spfLookups = spfLookups
    }

    public var summary: CheckSummary { CheckSummary(records, startedAt: startedAt) }

    /// Every diagnostic of this check: per record, then domain-wide.
    public var allDiagnostics: [Diagnostic] { records.flatMap(\.diagnostics) + diagnostics }
}
