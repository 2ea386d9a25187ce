// The DNS records a domain must (and should) publish, with the values the platform expects (spec §2).
import Foundation


/// The records the daemon checks. Raw values are the database and API spelling.
public enum RecordKind: String, CaseIterable, Codable, Sendable, Comparable {
    case dkim
    case spfMX = "spf_mx"
    case spfTXT = "spf_txt"
    case dmarc

    /// The record's family as Resend shows it: `DKIM`, `SPF`, `DMARC`.
    public var family: String {
        switch self {
        case .dkim: "DKIM"
        case .spfMX, .spfTXT: "SPF"
        case .dmarc: "DMARC"
        }
    }

    public var type: RecordType {
        self == .spfMX ? .mx : .txt
    }

    /// Required records decide `verified`; recommended ones are reported only.
    public var isRequired: Bool { self != .dmarc }

    public static func < (lhs: RecordKind, rhs: RecordKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The DNS record types the daemon asks for.
public enum RecordType: String, Codable, Sendable {
    case txt = "TXT"
    case mx = "MX"
    case cname = "CNAME"

    /// The type code on the wire (RFC 1035).
    public var code: UInt16 {
        switch self {
        case .txt: 16
        case .mx: 15
        case .cname: 5
        }
    }
}

/// The parts of record values that come from configuration.
public struct RecordPolicy: Sendable, Equatable {
    /// DKIM selector: the record lives at `<selector>._domainkey.<domain>`.
    public var dkimSelector: String
    /// Bounce MX host, with `{region}` replaced by the domain's region.
    public var mxHostTemplate: String
    public var mxPriority: UInt16
    /// The domain the return path's SPF record must include.
    public var spfInclude: String
    public var dmarcValue: String

    public init(
        dkimSelector: String = "resend",
        mxHostTemplate: String = "feedback-smtp.{region}.amazonses.com",
        mxPriority: UInt16 = 10,
        spfInclude: String = "amazonses.com",
        dmarcValue: String = "v=DMARC1; p=none;"
    ) {
        self.dkimSelector = dkimSelector
        self.mxHostTemplate = mxHostTemplate
        self.mxPriority = mxPriority
        self.spfInclude = spfInclude
        self.dmarcValue = dmarcValue
    }

    public func mxHost(region: String) -> String {
        mxHostTemplate.replacingOccurrences(of: "{region}", with: region)
    }
}

/// One record a domain must publish, as the API shows it.
public struct RecordSpec: Codable, Sendable, Equatable {
    public var kind: RecordKind
    /// The name relative to the domain (`send`, `resend._domainkey`, `_dmarc`).
    public var name: String
    /// The absolute name without a trailing dot.
    public var fqdn: String
    public var value: String
    /// MX preference; nil for TXT.
    public var priority: UInt16?

    public init(kind: RecordKind, name: String, fqdn: String, value: String, priority: UInt16? = nil) {
        self.kind = kind
        self.name = name
        self.fqdn = fqdn
        self.value = value
        self.priority = priority
    }

    public var type: RecordType { kind.type }
    public var isRequired: Bool { kind.isRequired }
}

/// What a domain's records are made from.
public struct DomainRecordInputs: Sendable, Equatable {
    public var name: String
    public var region: String
    public var returnPath: String
    /// Base64 SubjectPublicKeyInfo of the domain's DKIM key.
    public var dkimPublicKey: String
    public var dkimSelector: String

    public init(name: String, region: String, returnPath: String, dkimPublicKey: String, dkimSelector: String) {
        self.name = name
        self.region = region
        self.returnPath = returnPath
        self.dkimPublicKey = dkimPublicKey
        self.dkimSelector = dkimSelector
    }
}

extension RecordPolicy {
    /// Every record of a domain: the three required ones, then the recommended DMARC record.
    public func records(for domain: DomainRecordInputs) -> [RecordSpec] {
        let dkimName = "\(domain.dkimSelector)._domainkey"
        return [
            RecordSpec(kind: .dkim, name: dkimName, fqdn: "\(dkimName).\(domain.name)",
                       value: "p=\(domain.dkimPublicKey)"),
            RecordSpec(kind: .spfMX, name: domain.returnPath, fqdn: "\(domain.returnPath).\(domain.name)",
                       value: mxHost(region: domain.region), priority: mxPriority),
            RecordSpec(kind: .spfTXT, name: domain.returnPath, fqdn: "\(domain.returnPath).\(domain.name)",
                       value: "v=spf1 include:\(spfInclude) ~all"),
            RecordSpec(kind: .dmarc, name: "_dmarc", fqdn: "_dmarc.\(domain.name)", value: dmarcValue),
        ]
    }
}
