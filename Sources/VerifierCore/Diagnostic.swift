// Diagnostics: a machine code, the record it concerns, what is wrong, and the one-line fix (spec §3).

/// The known diagnostic codes.
public enum DiagnosticCode: String, CaseIterable, Codable, Sendable {
    /// The record was published at `name.domain.domain`: the DNS host appended the domain again.
    case doubledSuffix = "doubled_suffix"
    /// The TXT value contains literal quote characters.
    case quotedValue = "quoted_value"
    /// More than one `v=spf1` record at one name (SPF permerror).
    case multipleSPF = "multiple_spf"
    /// Another MX at the return path is as preferred as ours or more.
    case competingMX = "competing_mx"
    /// Our MX is published with another priority than asked (a warning).
    case mxPriority = "mx_priority"
    /// A DKIM key is published, but not ours.
    case dkimKeyMismatch = "dkim_key_mismatch"
    /// The DKIM record has an empty `p=`: the key is revoked.
    case dkimRevoked = "dkim_revoked"
    /// SPF evaluation needs more than 10 DNS lookups (RFC 7208 §4.6.4).
    case spfLookupLimit = "spf_lookup_limit"
    /// The SPF record does not parse (permerror).
    case spfSyntax = "spf_syntax"
    /// The include is there, with a qualifier that does not authorise (`-`, `~`, `?`).
    case spfQualifier = "spf_qualifier"
    /// The DMARC record does not parse or has no valid policy.
    case dmarcSyntax = "dmarc_syntax"
}

/// A problem found in what DNS serves, with the fix.
public struct Diagnostic: Equatable, Codable, Sendable {
    public var code: DiagnosticCode
    public var record: RecordKind
    public var message: String
    public var fix: String

    public init(code: DiagnosticCode, record: RecordKind, message: String, fix: String) {
        self.code = code
        self.record = record
        self.message = message
        self.fix = fix
    }
}
