// The audit log: every admin mutation, allowed or refused, with the peer that asked.
import Foundation
import GRDB
import VerifierCore

extension Store {
    /// Appends one audit entry on its own (a refused request, a reload).
    public func appendAudit(_ entry: AuditEntry) throws(StoreError) {
        try write("writing the audit log") { db in try Self.insertAudit(entry, db) }
    }

    /// The newest audit entries, newest first.
    public func auditLog(limit: Int = 100) throws(StoreError) -> [StoredAuditEntry] {
        try read("reading the audit log") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", arguments: [limit]).map { row in
                StoredAuditEntry(id: row["id"], entry: AuditEntry(
                    at: Date(millis: row["at"]),
                    peerUID: (row["peer_uid"] as Int64?).map { UInt32(truncatingIfNeeded: $0) },
                    peerPID: (row["peer_pid"] as Int64?).map { Int32(truncatingIfNeeded: $0) },
                    action: row["action"],
                    domainID: (row["domain_id"] as String?).flatMap(UUID.init(uuidString:)),
                    domainName: row["domain_name"],
                    allowed: row["allowed"],
                    detail: row["detail"]))
            }
        }
    }

    static func insertAudit(_ entry: AuditEntry, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO audit_log (at, peer_uid, peer_pid, action, domain_id, domain_name, allowed, detail)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [entry.at.millis, entry.peerUID.map { Int64($0) }, entry.peerPID.map { Int64($0) }, entry.action,
                             entry.domainID?.uuidString.lowercased(), entry.domainName, entry.allowed, entry.detail])
    }
}
