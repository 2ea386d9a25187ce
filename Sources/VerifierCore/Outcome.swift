// The six outcomes of checking one record, and what a check of one record produced (spec §3).

/// The result of checking one record once.
public enum Outcome: String, CaseIterable, Codable, Sendable {
    case match
    case wrongValue = "wrong_value"
    case ambiguous
    case noRecord = "no_record"
    case noHost = "no_host"
    case dnsError = "dns_error"

    /// Definitive outcomes are evidence about the record; `dns_error` is not.
    public var isDefinitive: Bool { self != .dnsError }
}

/// The judgement of one record in one check.
public struct RecordJudgement: Equatable, Codable, Sendable {
    public var kind: RecordKind
    public var outcome: Outcome
    /// What DNS served at the name, for the operator (TXT text, `10 host.` for MX). Empty on a match
    /// with exactly the expected value, to keep history small.
    public var observed: [String]
    /// One sentence saying why the outcome is what it is.
    public var detail: String?
    public var rcode: String?
    public var cnameChain: [String]
    public var diagnostics: [Diagnostic]

    public init(kind: RecordKind, outcome: Outcome, observed: [String] = [], detail: String? = nil,
                rcode: String? = nil, cnameChain: [String] = [], diagnostics: [Diagnostic] = []) {
        self.kind = kind
        self.outcome = outcome
        self.observed = observed
        self.detail = detail
        self.rcode = rcode
        self.cnameChain = cnameChain
        self.diagnostics = diagnostics
    }
}
