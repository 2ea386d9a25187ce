// The admin API's JSON as the end-to-end tests read it off the socket (spec §9), independent of the daemon's types.
import Foundation

enum Wire {
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// A path segment percent-encoded (U-labels, `@`, spaces…).
    static func pathSegment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// Parses the API's `2026-11-28T03:00:00.000Z`.
    static func date(_ text: String?) -> Date? {
        guard let text else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

struct DomainJSON: Decodable, Sendable {
    let object: String
    let id: String
    let name: String
    let status: String
    let createdAt: String
    let region: String
    let customReturnPath: String
    let openTracking: Bool
    let clickTracking: Bool
    let records: [RecordJSON]?
    let verification: VerificationJSON

    func record(_ key: String) -> RecordJSON? { records?.first { $0.key == key } }
}

struct RecordJSON: Decodable, Sendable {
    let record: String
    let name: String
    let fqdn: String
    let type: String
    let ttl: String
    let status: String
    let value: String
    let priority: Int?
    let required: Bool?
    let lastOutcome: String?

    /// "DKIM TXT", "SPF MX", "SPF TXT", "DMARC TXT".
    var key: String { "\(record) \(type)" }
}

struct VerificationJSON: Decodable, Sendable, Equatable {
    let startedAt: String?
    let deadlineAt: String?
    let lastCheckedAt: String?
    let nextCheckAt: String?

    var started: Date? { Wire.date(startedAt) }
    var deadline: Date? { Wire.date(deadlineAt) }
}

struct HistoryEntryJSON: Decodable, Sendable, Equatable {
    let object: String
    let id: Int64
    let cursor: String
    let at: String
    // Transitions
    let from: String?
    let to: String?
    let reason: String?
    let checkId: Int64?
    // Checks
    let verdict: String?
    let durationMs: Int?
    let records: [CheckRecordJSON]?

    var time: Date { Wire.date(at) ?? .distantPast }
    var isMiss: Bool { object == "check" && verdict != "all_match" }

    func outcome(_ key: String) -> String? { records?.first { "\($0.record) \($0.type)" == key }?.outcome }

    /// A transition as a comparable value: what changed, when, why, and which check caused it.
    var transitionSummary: String { "\(id) \(at) \(from ?? "?")→\(to ?? "?") check \(checkId.map(String.init) ?? "-"): \(reason ?? "")" }
}

struct CheckRecordJSON: Decodable, Sendable, Equatable {
    let record: String
    let type: String
    let outcome: String
}

struct ListJSON<Item: Decodable & Sendable>: Decodable, Sendable {
    let object: String
    let hasMore: Bool
    let data: [Item]
}
