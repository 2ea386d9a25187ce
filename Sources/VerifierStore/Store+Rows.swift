// Rows to core values, and the JSON the store keeps in a few columns.
import Foundation
import GRDB
import VerifierCore

/// JSON for columns that hold lists (records of a check, diagnostics, observed values), snake_case keys.
enum StoreJSON {
    static func encode<T: Encodable>(_ value: T) throws(StoreError) -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw StoreError(.other, "encoding \(T.self) failed: \(error)")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: Data(text.utf8))
    }
}

extension Store {
    static func date(_ row: Row, _ column: String) -> Date? {
        (row[column] as Int64?).map(Date.init(millis:))
    }

    static func domain(from row: Row, _ db: Database, withRecords: Bool = true) throws -> Domain {
        let idText: String = row["id"]
        guard let id = UUID(uuidString: idText) else {
            throw StoreError(.corrupt, "the domain id \(idText) is not a UUID")
        }
        guard let status = DomainStatus(rawValue: row["status"]) else {
            throw StoreError(.corrupt, "the domain \(idText) has an unknown status")
        }
        let state = VerificationState(
            status: status,
            windowStartedAt: date(row, "window_started_at"),
            deadlineAt: date(row, "deadline_at"),
            firstMissAt: date(row, "first_miss_at"),
            dnsErrorSince: date(row, "dns_error_since"),
            lastCheckedAt: date(row, "last_checked_at"),
            lastMatchedAt: date(row, "last_matched_at"),
            verifiedAt: date(row, "verified_at"),
            checksInWindow: row["checks_in_window"])
        let nextCheck = date(row, "next_check_at").map {
            DueCheck(at: $0, reason: CheckReason(rawValue: row["next_check_reason"] ?? "") ?? .scheduled)
        }
        let records = !withRecords ? [] : try Row.fetchAll(db, sql: "SELECT * FROM records WHERE domain_id = ?", arguments: [idText])
            .compactMap { try record(from: $0) }
            .sorted { $0.spec.kind < $1.spec.kind }
        return Domain(
            id: id, name: row["name"], region: row["region"], customReturnPath: row["custom_return_path"],
            openTracking: row["open_tracking"], clickTracking: row["click_tracking"],
            dkimSelector: row["dkim_selector"], dkimKeyBits: row["dkim_key_bits"], dkimPublicKey: row["dkim_public_key"],
            createdAt: Date(millis: row["created_at"]), updatedAt: Date(millis: row["updated_at"]),
            state: state, nextCheck: nextCheck, records: records,
            diagnostics: try StoreJSON.decode([Diagnostic].self, row["diagnostics"]))
    }

    static func record(from row: Row) throws -> DomainRecord? {
        guard let kind = RecordKind(rawValue: row["kind"]) else { return nil }
        let spec = RecordSpec(kind: kind, name: row["name"], fqdn: row["fqdn"], value: row["value"],
                              priority: (row["priority"] as Int64?).map { UInt16(clamping: $0) })
        return DomainRecord(
            spec: spec,
            lastOutcome: (row["last_outcome"] as String?).flatMap(Outcome.init(rawValue:)),
            observed: try StoreJSON.decode([String].self, row["observed"]),
            detail: row["detail"],
            lastCheckedAt: date(row, "last_checked_at"))
    }

    static func transition(from row: Row) throws -> TransitionEntry {
        guard let domainID = UUID(uuidString: row["domain_id"]),
              let from = DomainStatus(rawValue: row["from_status"]),
              let to = DomainStatus(rawValue: row["to_status"]) else {
            throw StoreError(.corrupt, "the transition \(row["id"] as Int64) is unreadable")
        }
        return TransitionEntry(id: row["id"], domainID: domainID, at: Date(millis: row["at"]), from: from, to: to,
                               reason: row["reason"], checkID: row["check_id"])
    }

    static func check(from row: Row) throws -> CheckEntry {
        guard let domainID = UUID(uuidString: row["domain_id"]),
              let reason = CheckReason(rawValue: row["reason"]),
              let verdict = CheckVerdict(rawValue: row["verdict"]) else {
            throw StoreError(.corrupt, "the check \(row["id"] as Int64) is unreadable")
        }
        let result = CheckResult(
            startedAt: Date(millis: row["started_at"]),
            duration: Double(row["duration_ms"] as Int64) / 1000,
            reason: reason,
            records: try StoreJSON.decode([RecordJudgement].self, row["records"]),
            diagnostics: try StoreJSON.decode([Diagnostic].self, row["diagnostics"]))
        return CheckEntry(id: row["id"], domainID: domainID, result: result, verdict: verdict)
    }
}
