// Rows to core values, and the JSON the store keeps in a few columns.
import Foundation
import GRDB
import JSONWriting
import VerifierCore

/// JSON for columns that hold lists (records of a check, diagnostics, observed values), snake_case keys.
enum StoreJSON {
    static func encode<T: Encodable>(_ value: T) throws(StoreError) -> String {
        // Most list columns are empty (no diagnostics, nothing observed beyond the expected value).
        if let list = value as? any Collection, list.isEmpty { return "[]" }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw StoreError(.other, "encoding \(T.self) failed: \(error)")
        }
    }

    /// A check's per-record results as `encode` writes them, without JSONEncoder (see JSONWriting for
    /// why); `StoreJSONTests` compares the two on random judgements.
    static func judgements(_ judgements: [RecordJudgement]) -> String {
        if judgements.isEmpty { return "[]" }
        var json = JSONWriter(capacity: 512)
        json.array(judgements) { json, judgement in
            json.object { json in
                // Sorted snake_case keys; nil optionals left out, as synthesized Codable does.
                json.key("cname_chain"); json.strings(judgement.cnameChain)
                if let detail = judgement.detail { json.key("detail"); json.string(detail) }
                json.key("diagnostics"); diagnostics(judgement.diagnostics, &json)
                json.key("kind"); json.string(judgement.kind.rawValue)
                json.key("observed"); json.strings(judgement.observed)
                json.key("outcome"); json.string(judgement.outcome.rawValue)
                if let rcode = judgement.rcode { json.key("rcode"); json.string(rcode) }
            }
        }
        return String(decoding: json.bytes, as: UTF8.self)
    }

    /// Diagnostics as `encode` writes them.
    static func diagnostics(_ diagnostics: [Diagnostic]) -> String {
        if diagnostics.isEmpty { return "[]" }
        var json = JSONWriter(capacity: 256)
        Self.diagnostics(diagnostics, &json)
        return String(decoding: json.bytes, as: UTF8.self)
    }

    /// Observed values (a list of strings) as `encode` writes them.
    static func strings(_ values: [String]) -> String {
        if values.isEmpty { return "[]" }
        var json = JSONWriter(capacity: 128)
        json.strings(values)
        return String(decoding: json.bytes, as: UTF8.self)
    }

    private static func diagnostics(_ diagnostics: [Diagnostic], _ json: inout JSONWriter) {
        json.array(diagnostics) { json, diagnostic in
            json.object { json in
                json.key("code"); json.string(diagnostic.code.rawValue)
                json.key("fix"); json.string(diagnostic.fix)
                json.key("message"); json.string(diagnostic.message)
                json.key("record"); json.string(diagnostic.record.rawValue)
            }
        }
    }

    /// A list column; most hold `[]` (no diagnostics, nothing observed), which needs no decoder.
    static func decode<Element: Decodable>(_ type: [Element].Type, _ text: String) throws -> [Element] {
        if text == "[]" { return [] }
        return try decode(value: type, text)
    }

    static func decode<T: Decodable>(value type: T.Type, _ text: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: Data(text.utf8))
    }
}

extension Store {
    /// The columns `domain(from:)` reads, by position: looking each column up by name was half of
    /// the cost of listing domains.
    enum DomainColumn: Int, CaseIterable {
        case id, name, region, customReturnPath, openTracking, clickTracking, dkimSelector, dkimKeyBits, dkimPublicKey
        case status, createdAt, updatedAt, windowStartedAt, deadlineAt, firstMissAt, dnsErrorSince, lastCheckedAt
        case lastMatchedAt, verifiedAt, checksInWindow, nextCheckAt, nextCheckReason, diagnostics

        /// `SELECT` list for `domain(from:)`, in the order of the cases.
        static let selection = allCases.map { $0.columnName }.joined(separator: ", ")

        var columnName: String { Self.snakeCase(String(describing: self)) }

        static func snakeCase(_ name: String) -> String {
            name.reduce(into: "") { snake, character in
                if character.isUppercase { snake += "_" + character.lowercased() } else { snake.append(character) }
            }
        }
    }

    enum RecordColumn: Int, CaseIterable {
        case kind, name, fqdn, value, priority, lastOutcome, observed, detail, lastCheckedAt

        static let selection = allCases.map { DomainColumn.snakeCase(String(describing: $0)) }.joined(separator: ", ")
    }

    static func domain(from row: Row, _ db: Database, withRecords: Bool = true) throws -> Domain {
        func column<Value: DatabaseValueConvertible>(_ column: DomainColumn) -> Value { row[column.rawValue] }
        func date(_ column: DomainColumn) -> Date? { (row[column.rawValue] as Int64?).map(Date.init(millis:)) }
        let idText: String = column(.id)
        guard let id = UUID(uuidString: idText) else {
            throw StoreError(.corrupt, "the domain id \(idText) is not a UUID")
        }
        guard let status = DomainStatus(rawValue: column(.status)) else {
            throw StoreError(.corrupt, "the domain \(idText) has an unknown status")
        }
        let state = VerificationState(
            status: status,
            windowStartedAt: date(.windowStartedAt),
            deadlineAt: date(.deadlineAt),
            firstMissAt: date(.firstMissAt),
            dnsErrorSince: date(.dnsErrorSince),
            lastCheckedAt: date(.lastCheckedAt),
            lastMatchedAt: date(.lastMatchedAt),
            verifiedAt: date(.verifiedAt),
            checksInWindow: column(.checksInWindow))
        let nextCheck = date(.nextCheckAt).map {
            DueCheck(at: $0, reason: CheckReason(rawValue: row[DomainColumn.nextCheckReason.rawValue] ?? "") ?? .scheduled)
        }
        let records = !withRecords ? [] : try Row.fetchAll(
            db, sql: "SELECT \(RecordColumn.selection) FROM records WHERE domain_id = ?", arguments: [idText])
            .compactMap { try record(from: $0, domainCheckedAt: state.lastCheckedAt) }
            .sorted { $0.spec.kind < $1.spec.kind }
        return Domain(
            id: id, name: column(.name), region: column(.region), customReturnPath: column(.customReturnPath),
            openTracking: column(.openTracking), clickTracking: column(.clickTracking),
            dkimSelector: column(.dkimSelector), dkimKeyBits: column(.dkimKeyBits), dkimPublicKey: column(.dkimPublicKey),
            createdAt: Date(millis: column(.createdAt)), updatedAt: Date(millis: column(.updatedAt)),
            state: state, nextCheck: nextCheck, records: records,
            diagnostics: try StoreJSON.decode([Diagnostic].self, column(.diagnostics)))
    }

    /// A row of `SELECT \(RecordColumn.selection) FROM records`. A record was last checked when its
    /// domain was (the row's own time is when it last changed, see `insertCheck`).
    static func record(from row: Row, domainCheckedAt: Date?) throws -> DomainRecord? {
        func column<Value: DatabaseValueConvertible>(_ column: RecordColumn) -> Value { row[column.rawValue] }
        guard let kind = RecordKind(rawValue: column(.kind)) else { return nil }
        let spec = RecordSpec(kind: kind, name: column(.name), fqdn: column(.fqdn), value: column(.value),
                              priority: (row[RecordColumn.priority.rawValue] as Int64?).map { UInt16(clamping: $0) })
        return DomainRecord(
            spec: spec,
            lastOutcome: (row[RecordColumn.lastOutcome.rawValue] as String?).flatMap(Outcome.init(rawValue:)),
            observed: try StoreJSON.decode([String].self, column(.observed)),
            detail: row[RecordColumn.detail.rawValue],
            lastCheckedAt: (row[RecordColumn.lastOutcome.rawValue] as String?) == nil ? nil
                : domainCheckedAt ?? (row[RecordColumn.lastCheckedAt.rawValue] as Int64?).map(Date.init(millis:)))
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
