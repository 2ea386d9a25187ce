// What the database says about itself, read with python's sqlite3 beside the daemon: the invariants
// every fault test checks (integrity, each status its last transition, transitions chained).
import Foundation

/// What the database says, read while the daemon is down (or beside it: WAL readers see a commit).
struct StoreSnapshot {
    var integrity: String
    var statusNotLastTransition: [String]
    var brokenChain: Int
    var danglingCheckReferences: Int
    var verifyAudits: Int
    var auditRows: Int
    /// The audit rows, oldest first, as text: a later snapshot must start with an earlier one.
    var auditDigest: String
    var transitions: Int

    static func read(_ daemon: DaemonHarness) async throws -> StoreSnapshot {
        func count(_ sql: String) async throws -> Int { try await daemon.sql(sql).first?.first as? Int ?? -1 }
        let integrity = try await daemon.sql("PRAGMA integrity_check").map { "\($0.first ?? "")" }.joined(separator: "; ")
        let mismatched = try await daemon.sql("""
            SELECT d.name FROM domains d WHERE d.status != COALESCE(
                (SELECT t.to_status FROM transitions t WHERE t.domain_id = d.id ORDER BY t.id DESC LIMIT 1), 'not_started')
            """).compactMap { $0.first as? String }
        let audit = try await daemon.sql("SELECT id, at, action, domain_name, allowed FROM audit_log ORDER BY id")
        return StoreSnapshot(
            integrity: integrity,
            statusNotLastTransition: mismatched,
            brokenChain: try await count("""
                SELECT count(*) FROM transitions t WHERE t.from_status != COALESCE(
                    (SELECT p.to_status FROM transitions p WHERE p.domain_id = t.domain_id AND p.id < t.id ORDER BY p.id DESC LIMIT 1),
                    'not_started')
                """),
            danglingCheckReferences: try await count(
                "SELECT count(*) FROM transitions WHERE check_id IS NOT NULL AND check_id NOT IN (SELECT id FROM checks)"),
            verifyAudits: try await count("SELECT count(*) FROM audit_log WHERE action = 'domain.verify' AND allowed = 1"),
            auditRows: audit.count,
            auditDigest: audit.map { $0.map { "\($0)" }.joined(separator: "|") }.joined(separator: "\n"),
            transitions: try await count("SELECT count(*) FROM transitions"))
    }
}

