// The admin API's JSON shapes (spec §9), shared by the daemon and domainctl. Shaped like Resend's /domains.
import Foundation

/// A domain as the API shows it.
public struct DomainResponse: Codable, Equatable, Sendable {
    enum CodingKeys: String, CodingKey {
        case object, id, name, status, region, dkim, records, diagnostics, verification
        case createdAt = "created_at", customReturnPath = "custom_return_path"
        case openTracking = "open_tracking", clickTracking = "click_tracking"
    }

    public var object = "domain"
    public var id: String
    public var name: String
    public var status: String
    public var createdAt: String
    public var region: String
    public var customReturnPath: String
    public var openTracking: Bool
    public var clickTracking: Bool
    public var dkim: DKIMInfo
    public var records: [RecordResponse]?
    public var diagnostics: [DiagnosticResponse]?
    public var verification: VerificationResponse

    public init(id: String, name: String, status: String, createdAt: String, region: String, customReturnPath: String,
                openTracking: Bool, clickTracking: Bool, dkim: DKIMInfo, records: [RecordResponse]?,
                diagnostics: [DiagnosticResponse]?, verification: VerificationResponse) {
        self.id = id
        self.name = name
        self.status = status
        self.createdAt = createdAt
        self.region = region
        self.customReturnPath = customReturnPath
        self.openTracking = openTracking
        self.clickTracking = clickTracking
        self.dkim = dkim
        self.records = records
        self.diagnostics = diagnostics
        self.verification = verification
    }
}

/// The DKIM key's public facts.
public struct DKIMInfo: Codable, Equatable, Sendable {
    enum CodingKeys: String, CodingKey {
        case selector
        case keySize = "key_size"
    }

    public var selector: String
    public var keySize: Int
    public init(selector: String, keySize: Int) {
        self.selector = selector
        self.keySize = keySize
    }
}

/// One record a domain must (or should) publish, with what the last check saw.
public struct RecordResponse: Codable, Equatable, Sendable {
    /// `DKIM`, `SPF` or `DMARC`.
    public var record: String
    public var name: String
    public var fqdn: String
    public var type: String
    public var ttl = "Auto"
    public var status: String
    public var value: String
    public var priority: Int?
    public var required: Bool
    public var lastOutcome: String?
    public var observed: [String]
    public var detail: String?
    public var lastCheckedAt: String?

    enum CodingKeys: String, CodingKey {
        case record, name, fqdn, type, ttl, status, value, priority, required, observed, detail
        case lastOutcome = "last_outcome", lastCheckedAt = "last_checked_at"
    }

    /// `last_outcome`, `detail` and `last_checked_at` are always present (null before the first
    /// check); `priority` only for MX, as Resend has it.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(record, forKey: .record)
        try container.encode(name, forKey: .name)
        try container.encode(fqdn, forKey: .fqdn)
        try container.encode(type, forKey: .type)
        try container.encode(ttl, forKey: .ttl)
        try container.encode(status, forKey: .status)
        try container.encode(value, forKey: .value)
        try container.encodeIfPresent(priority, forKey: .priority)
        try container.encode(required, forKey: .required)
        try container.encode(lastOutcome, forKey: .lastOutcome)
        try container.encode(observed, forKey: .observed)
        try container.encode(detail, forKey: .detail)
        try container.encode(lastCheckedAt, forKey: .lastCheckedAt)
    }

    public init(record: String, name: String, fqdn: String, type: String, status: String, value: String, priority: Int?,
                required: Bool, lastOutcome: String?, observed: [String], detail: String?, lastCheckedAt: String?) {
        self.record = record
        self.name = name
        self.fqdn = fqdn
        self.type = type
        self.status = status
        self.value = value
        self.priority = priority
        self.required = required
        self.lastOutcome = lastOutcome
        self.observed = observed
        self.detail = detail
        self.lastCheckedAt = lastCheckedAt
    }
}

public struct DiagnosticResponse: Codable, Equatable, Sendable {
    public var code: String
    public var record: String
    public var message: String
    public var fix: String
    public init(code: String, record: String, message: String, fix: String) {
        self.code = code
        self.record = record
        self.message = message
        self.fix = fix
    }
}

/// The verification window and the schedule.
public struct VerificationResponse: Codable, Equatable, Sendable {
    public var startedAt: String?
    public var deadlineAt: String?
    public var lastCheckedAt: String?
    public var nextCheckAt: String?
    public var verifiedAt: String?
    public init(startedAt: String?, deadlineAt: String?, lastCheckedAt: String?, nextCheckAt: String?, verifiedAt: String?) {
        self.startedAt = startedAt
        self.deadlineAt = deadlineAt
        self.lastCheckedAt = lastCheckedAt
        self.nextCheckAt = nextCheckAt
        self.verifiedAt = verifiedAt
    }

    enum CodingKeys: String, CodingKey {
        case startedAt = "started_at", deadlineAt = "deadline_at", lastCheckedAt = "last_checked_at"
        case nextCheckAt = "next_check_at", verifiedAt = "verified_at"
    }

    /// Every key is always present, null when unset, as spec §9 lists them.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(deadlineAt, forKey: .deadlineAt)
        try container.encode(lastCheckedAt, forKey: .lastCheckedAt)
        try container.encode(nextCheckAt, forKey: .nextCheckAt)
        try container.encode(verifiedAt, forKey: .verifiedAt)
    }
}

/// `{"object":"list","has_more":…,"data":[…]}`
public struct ListResponse<Item: Codable & Equatable & Sendable>: Codable, Equatable, Sendable {
    enum CodingKeys: String, CodingKey {
        case object, data
        case hasMore = "has_more"
    }

    public var object = "list"
    public var hasMore: Bool
    public var data: [Item]
    public init(hasMore: Bool, data: [Item]) {
        self.hasMore = hasMore
        self.data = data
    }
}

/// `{"object":"domain","id":…,"deleted":true}`
public struct DeletedResponse: Codable, Equatable, Sendable {
    public var object = "domain"
    public var id: String
    public var deleted = true
    public init(id: String) { self.id = id }
}

/// One entry of a domain's history: a status change or a check.
public struct HistoryEntryResponse: Codable, Equatable, Sendable {
    enum CodingKeys: String, CodingKey {
        case object, id, cursor, at, from, to, reason, verdict, records, diagnostics
        case checkId = "check_id", durationMs = "duration_ms"
    }

    /// `transition` or `check`.
    public var object: String
    public var id: Int64
    /// Pass as `after` to get the entries older than this one.
    public var cursor: String
    public var at: String
    // Transitions:
    public var from: String?
    public var to: String?
    public var reason: String?
    public var checkId: Int64?
    // Checks:
    public var durationMs: Int?
    public var verdict: String?
    public var records: [CheckRecordResponse]?
    public var diagnostics: [DiagnosticResponse]?

    public init(object: String, id: Int64, cursor: String, at: String, from: String? = nil, to: String? = nil,
                reason: String? = nil, checkId: Int64? = nil, durationMs: Int? = nil, verdict: String? = nil,
                records: [CheckRecordResponse]? = nil, diagnostics: [DiagnosticResponse]? = nil) {
        self.object = object
        self.id = id
        self.cursor = cursor
        self.at = at
        self.from = from
        self.to = to
        self.reason = reason
        self.checkId = checkId
        self.durationMs = durationMs
        self.verdict = verdict
        self.records = records
        self.diagnostics = diagnostics
    }
}

/// One record's result in a check of the history.
public struct CheckRecordResponse: Codable, Equatable, Sendable {
    enum CodingKeys: String, CodingKey {
        case record, type, name, outcome, observed, detail, rcode
        case cnameChain = "cname_chain"
    }

    public var record: String
    public var type: String
    public var name: String
    public var outcome: String
    public var observed: [String]
    public var detail: String?
    public var rcode: String?
    public var cnameChain: [String]
    public init(record: String, type: String, name: String, outcome: String, observed: [String], detail: String?,
                rcode: String?, cnameChain: [String]) {
        self.record = record
        self.type = type
        self.name = name
        self.outcome = outcome
        self.observed = observed
        self.detail = detail
        self.rcode = rcode
        self.cnameChain = cnameChain
    }
}

/// `GET /status`.
public struct StatusResponse: Codable, Equatable, Sendable {
    enum CodingKeys: String, CodingKey {
        case object, version, domains, resolver
        case uptimeSeconds = "uptime_seconds", checksInFlight = "checks_in_flight", nextCheckAt = "next_check_at"
    }

    public var object = "status"
    public var version: String
    public var uptimeSeconds: Int
    public var domains: [String: Int]
    public var checksInFlight: Int
    public var nextCheckAt: String?
    public var resolver: ResolverStatus
    public init(version: String, uptimeSeconds: Int, domains: [String: Int], checksInFlight: Int, nextCheckAt: String?, resolver: ResolverStatus) {
        self.version = version
        self.uptimeSeconds = uptimeSeconds
        self.domains = domains
        self.checksInFlight = checksInFlight
        self.nextCheckAt = nextCheckAt
        self.resolver = resolver
    }
}

public struct ResolverStatus: Codable, Equatable, Sendable {
    enum CodingKeys: String, CodingKey {
        case mode, servers
        case timeoutMs = "timeout_ms"
    }

    public var mode: String
    public var servers: [String]
    public var timeoutMs: Int
    public init(mode: String, servers: [String], timeoutMs: Int) {
        self.mode = mode
        self.servers = servers
        self.timeoutMs = timeoutMs
    }
}

/// `POST /reload`.
public struct ReloadResponse: Codable, Equatable, Sendable {
    public var object = "reload"
    public var reloaded: Bool
    /// The keys whose values changed.
    public var changed: [String]
    public init(reloaded: Bool, changed: [String]) {
        self.reloaded = reloaded
        self.changed = changed
    }
}

/// Every error: `{"statusCode":N,"name":"…","message":"…"}` (Resend's shape, camelCase as Resend has it).
public struct ErrorResponse: Codable, Equatable, Sendable, Error {
    public var statusCode: Int
    public var name: String
    public var message: String

    enum CodingKeys: String, CodingKey {
        case statusCode = "statusCode"
        case name, message
    }

    public init(statusCode: Int, name: String, message: String) {
        self.statusCode = statusCode
        self.name = name
        self.message = message
    }
}

/// `POST /domains`.
public struct CreateDomainRequest: Codable, Equatable, Sendable {
    enum CodingKeys: String, CodingKey {
        case name, region
        case customReturnPath = "custom_return_path", openTracking = "open_tracking"
        case clickTracking = "click_tracking", dkimKeySize = "dkim_key_size"
    }

    public var name: String
    public var region: String?
    public var customReturnPath: String?
    public var openTracking: Bool?
    public var clickTracking: Bool?
    public var dkimKeySize: Int?
    public init(name: String, region: String? = nil, customReturnPath: String? = nil, openTracking: Bool? = nil,
                clickTracking: Bool? = nil, dkimKeySize: Int? = nil) {
        self.name = name
        self.region = region
        self.customReturnPath = customReturnPath
        self.openTracking = openTracking
        self.clickTracking = clickTracking
        self.dkimKeySize = dkimKeySize
    }
}

/// `PATCH /domains/{id}`.
public struct UpdateDomainRequest: Codable, Equatable, Sendable {
    enum CodingKeys: String, CodingKey {
        case openTracking = "open_tracking", clickTracking = "click_tracking"
    }

    public var openTracking: Bool?
    public var clickTracking: Bool?
    public init(openTracking: Bool? = nil, clickTracking: Bool? = nil) {
        self.openTracking = openTracking
        self.clickTracking = clickTracking
    }
}

/// The API's JSON coding. The snake_case keys are spelt in each type's CodingKeys rather than
/// converted at run time: converting every key of every response cost a third of an answer's time.
public enum APIJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        JSONDecoder()
    }

    /// ISO 8601 UTC with milliseconds: `2026-11-28T03:00:00.000Z`, for years 0000 to 9999.
    ///
    /// Written digit by digit: `String(format:)` and `gmtime_r` made this two fifths of the cost of
    /// listing domains. The civil date comes from the day number with H. Hinnant's `civil_from_days`.
    public static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (days, millisecondOfDay) = milliseconds.floorDividedWithRemainder(by: 86_400_000)
        let era = (days + 719_468).floorDividedWithRemainder(by: 146_097)
        let dayOfEra = era.remainder                                                  // [0, 146096]
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100) // [0, 365], from March
        let monthFromMarch = (5 * dayOfYear + 2) / 153                                 // [0, 11]
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = min(max(yearOfEra + era.quotient * 400 + (month <= 2 ? 1 : 0), 0), 9999)
        let seconds = millisecondOfDay / 1000
        return String(unsafeUninitializedCapacity: 24) { buffer in
            func put(_ value: Int64, _ digits: Int, at offset: Int) {
                var value = value
                for position in stride(from: offset + digits - 1, through: offset, by: -1) {
                    buffer[position] = UInt8(truncatingIfNeeded: 48 + value % 10)
                    value /= 10
                }
            }
            put(year, 4, at: 0)
            buffer[4] = UInt8(ascii: "-")
            put(month, 2, at: 5)
            buffer[7] = UInt8(ascii: "-")
            put(day, 2, at: 8)
            buffer[10] = UInt8(ascii: "T")
            put(seconds / 3600, 2, at: 11)
            buffer[13] = UInt8(ascii: ":")
            put(seconds / 60 % 60, 2, at: 14)
            buffer[16] = UInt8(ascii: ":")
            put(seconds % 60, 2, at: 17)
            buffer[19] = UInt8(ascii: ".")
            put(millisecondOfDay % 1000, 3, at: 20)
            buffer[23] = UInt8(ascii: "Z")
            return 24
        }
    }
}

extension Int64 {
    /// Division rounding towards minus infinity, with its non-negative remainder.
    func floorDividedWithRemainder(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let quotient = self >= 0 ? self / divisor : (self - divisor + 1) / divisor
        return (quotient, self - quotient * divisor)
    }
}
