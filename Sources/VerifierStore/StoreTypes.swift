// The values the store takes and gives beyond the core's own types: audit entries, history, pages.
import Foundation
import VerifierCore

/// One admin mutation, allowed or refused, with who asked.
public struct AuditEntry: Equatable, Sendable {
    public var at: Date
    public var peerUID: UInt32?
    public var peerPID: Int32?
    /// What was asked: `domain.create`, `domain.verify`, `domain.delete`, `dkim.export`, …
    public var action: String
    public var domainID: UUID?
    public var domainName: String?
    public var allowed: Bool
    public var detail: String?

    public init(at: Date, peerUID: UInt32?, peerPID: Int32?, action: String, domainID: UUID? = nil,
                domainName: String? = nil, allowed: Bool = true, detail: String? = nil) {
        self.at = at
        self.peerUID = peerUID
        self.peerPID = peerPID
        self.action = action
        self.domainID = domainID
        self.domainName = domainName
        self.allowed = allowed
        self.detail = detail
    }
}

/// A stored audit entry.
public struct StoredAuditEntry: Equatable, Sendable {
    public var id: Int64
    public var entry: AuditEntry
}

/// A stored status change.
public struct TransitionEntry: Equatable, Sendable {
    public var id: Int64
    public var domainID: UUID
    public var at: Date
    public var from: DomainStatus
    public var to: DomainStatus
    public var reason: String
    /// The check that caused it; nil for a change an operator asked for.
    public var checkID: Int64?
}

/// A stored domain check.
public struct CheckEntry: Equatable, Sendable {
    public var id: Int64
    public var domainID: UUID
    public var result: CheckResult
    public var verdict: CheckVerdict
}

/// One line of a domain's history, newest first.
public enum HistoryEntry: Equatable, Sendable {
    case transition(TransitionEntry)
    case check(CheckEntry)

    public var at: Date {
        switch self {
        case let .transition(transition): transition.at
        case let .check(check): check.result.startedAt
        }
    }

    /// A cursor that sorts entries newest first, transitions before the check that caused them.
    public var cursor: HistoryCursor {
        switch self {
        case let .transition(transition): HistoryCursor(at: transition.at, kind: .transition, id: transition.id)
        case let .check(check): HistoryCursor(at: check.result.startedAt, kind: .check, id: check.id)
        }
    }
}

/// Where a history page ends: the next page starts after it. Printed as `t-<ms>-<id>` or `c-<ms>-<id>`.
public struct HistoryCursor: Equatable, Sendable, Comparable, LosslessStringConvertible {
    public enum Kind: String, Sendable { case transition = "t", check = "c" }
    public var at: Date
    public var kind: Kind
    public var id: Int64

    public init(at: Date, kind: Kind, id: Int64) {
        self.at = at
        self.kind = kind
        self.id = id
    }

    public init?(_ description: String) {
        let parts = description.split(separator: "-")
        // Times of 10^18 ms or more are no entry's: refused, so they never overflow on the way back.
        guard parts.count == 3, let kind = Kind(rawValue: String(parts[0])),
              let ms = Int64(parts[1]), (0...999_999_999_999_999_999).contains(ms), let id = Int64(parts[2]) else { return nil }
        self.init(at: Date(millis: ms), kind: kind, id: id)
    }

    public var description: String { "\(kind.rawValue)-\(at.millis)-\(id)" }

    /// Newer entries sort first: a larger time, then a transition before a check, then a larger id.
    public static func < (lhs: HistoryCursor, rhs: HistoryCursor) -> Bool {
        if lhs.at.millis != rhs.at.millis { return lhs.at.millis > rhs.at.millis }
        if lhs.kind != rhs.kind { return lhs.kind == .transition }
        return lhs.id > rhs.id
    }
}

/// A page of a list.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var hasMore: Bool
}

/// A domain about to be created: its validated inputs and its key.
public struct NewDomain: Sendable {
    public var id: UUID
    public var name: String
    public var region: String
    public var customReturnPath: String
    public var openTracking: Bool
    public var clickTracking: Bool
    public var dkimSelector: String
    public var dkimKeyBits: Int
    public var dkimPublicKey: String
    public var dkimPrivateKeyPEM: String
    public var records: [RecordSpec]
    public var createdAt: Date

    public init(id: UUID = UUID(), name: String, region: String, customReturnPath: String, openTracking: Bool,
                clickTracking: Bool, dkimSelector: String, dkimKeyBits: Int, dkimPublicKey: String,
                dkimPrivateKeyPEM: String, records: [RecordSpec], createdAt: Date) {
        self.id = id
        self.name = name
        self.region = region
        self.customReturnPath = customReturnPath
        self.openTracking = openTracking
        self.clickTracking = clickTracking
        self.dkimSelector = dkimSelector
        self.dkimKeyBits = dkimKeyBits
        self.dkimPublicKey = dkimPublicKey
        self.dkimPrivateKeyPEM = dkimPrivateKeyPEM
        self.records = records
        self.createdAt = createdAt
    }
}

/// A domain's state and schedule after one step of the machine, as the scheduler hands it to the store.
public struct StateUpdate: Sendable {
    public var state: VerificationState
    public var transition: StatusChange?
    public var nextCheck: DueCheck?
    public var at: Date

    public init(state: VerificationState, transition: StatusChange?, nextCheck: DueCheck?, at: Date) {
        self.state = state
        self.transition = transition
        self.nextCheck = nextCheck
        self.at = at
    }
}

/// The due time of one domain, for the scheduler's queue.
public struct ScheduledDomain: Equatable, Sendable {
    public var id: UUID
    public var due: DueCheck
    /// The deadline of the domain's open window (pending or temporary_failure), if any.
    public var deadlineAt: Date? = nil
}

extension Date {
    /// Milliseconds since 1970, the store's time unit.
    public var millis: Int64 {
        // Clamped: a far-off date read from outside must not trap the process.
        Int64(exactly: (timeIntervalSince1970 * 1000).rounded()) ?? (timeIntervalSince1970 < 0 ? .min : .max)
    }
    public init(millis: Int64) { self.init(timeIntervalSince1970: Double(millis) / 1000) }
}
