// The five statuses a domain and each of its records can be in (spec §4).

/// A verification status, spelt as the API and the database spell it.
public enum DomainStatus: String, CaseIterable, Codable, Sendable, Comparable {
    case notStarted = "not_started"
    case pending
    case verified
    case temporaryFailure = "temporary_failure"
    case failed

    public static func < (lhs: DomainStatus, rhs: DomainStatus) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
