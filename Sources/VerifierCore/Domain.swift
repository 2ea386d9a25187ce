// A domain as the daemon knows it: its inputs, its DKIM public key, its state and its records.
import Foundation

/// A record of a domain with what the last check found.
public struct DomainRecord: Equatable, Codable, Sendable {
    public var spec: RecordSpec
    public var lastOutcome: Outcome?
    public var observed: [String]
    public var detail: String?
    public var lastCheckedAt: Date?

    public init(spec: RecordSpec, lastOutcome: Outcome? = nil, observed: [String] = [], detail: String? = nil, lastCheckedAt: Date? = nil) {
        self.spec = spec
        self.lastOutcome = lastOutcome
        self.observed = observed
        self.detail = detail
        self.lastCheckedAt = lastCheckedAt
    }

    /// The record's status, derived from its domain's status and its last outcome (spec §4).
    public func status(domain: DomainStatus) -> DomainStatus {
        VerificationMachine.recordStatus(domain: domain, lastOutcome: lastOutcome, required: spec.isRequired)
    }
}

/// A customer domain.
public struct Domain: Equatable, Sendable {
    public var id: UUID
    public var name: String
    public var region: String
    public var customReturnPath: String
    public var openTracking: Bool
    public var clickTracking: Bool
    public var dkimSelector: String
    public var dkimKeyBits: Int
    /// Base64 SubjectPublicKeyInfo; the private key lives apart and is read only on request.
    public var dkimPublicKey: String
    public var createdAt: Date
    public var updatedAt: Date
    public var state: VerificationState
    public var nextCheck: DueCheck?
    public var records: [DomainRecord]
    /// The diagnostics of the last check.
    public var diagnostics: [Diagnostic]

    public init(id: UUID, name: String, region: String, customReturnPath: String, openTracking: Bool,
                clickTracking: Bool, dkimSelector: String, dkimKeyBits: Int, dkimPublicKey: String,
                createdAt: Date, updatedAt: Date, state: VerificationState = VerificationState(),
                nextCheck: DueCheck? = nil, records: [DomainRecord] = [], diagnostics: [Diagnostic] = []) {
        self.id = id
        self.name = name
        self.region = region
        self.customReturnPath = customReturnPath
        self.openTracking = openTracking
        self.clickTracking = clickTracking
        self.dkimSelector = dkimSelector
        self.dkimKeyBits = dkimKeyBits
        self.dkimPublicKey = dkimPublicKey
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.state = state
        self.nextCheck = nextCheck
        self.records = records
        self.diagnostics = diagnostics
    }

    public var status: DomainStatus { state.status }

    /// The record inputs this domain's records are made from.
    public var recordInputs: DomainRecordInputs {
        DomainRecordInputs(name: name, region: region, returnPath: customReturnPath,
                           dkimPublicKey: dkimPublicKey, dkimSelector: dkimSelector)
    }
}
