// Check and state writes: a check, the transition it causes and the new state in one transaction; history; pruning.
import Foundation
import GRDB
import VerifierCore

extension Store {
    /// Stores several finished checks in one transaction (one fsync), each with the state it leads
    /// to; all are committed or none. Returns each check's id, nil for a domain deleted meanwhile.
    public func recordChecks(_ checks: [(domainID: UUID, result: CheckResult, update: StateUpdate)]) throws(StoreError) -> [Int64?] {
        // Encoded before the write transaction, so that the writer holds the lock only to write.
        var encoded: [(id: String, result: CheckResult, update: StateUpdate, records: String, all: String, domainWide: String, observed: [String])] = []
        for check in checks {
            encoded.append((check.domainID.uuidString.lowercased(), check.result, check.update,
                            StoreJSON.judgements(check.result.records), StoreJSON.diagnostics(check.result.allDiagnostics),
                            StoreJSON.diagnostics(check.result.diagnostics), check.result.records.map { StoreJSON.strings($0.observed) }))
        }
        return try write("storing \(checks.count) checks") { db -> [Int64?] in
            try encoded.map { item in
                try Self.insertCheck(db, domainID: item.id, result: item.result, update: item.update, recordsJSON: item.records,
                                     diagnosticsJSON: item.all, domainDiagnosticsJSON: item.domainWide, observedJSON: item.observed)
            }
        }
    }

    /// Stores a finished check with the state it leads to. The check row, the transition (if any),
    /// the domain's new state and its records' last outcomes are committed together or not at all.
    /// Returns the check's id, or nil when the domain was deleted while the check ran.
    @discardableResult
    public func recordCheck(domainID: UUID, result: CheckResult, update: StateUpdate) throws(StoreError) -> Int64? {
        try recordChecks([(domainID, result, update)])[0]
    }

    /// Writes one check, its transition, the domain's state and its records' changed outcomes; nil when the
    /// domain is gone. Runs inside the caller's transaction. The statements are prepared once per
    /// connection: preparing them for every check was most of a check's cost.
    private static func insertCheck(_ db: Database, domainID id: String, result: CheckResult, update: StateUpdate, recordsJSON: String,
                                    diagnosticsJSON: String, domainDiagnosticsJSON: String, observedJSON: [String]) throws -> Int64? {
        // The state first: when no row changes the domain was deleted meanwhile, and nothing is written.
        guard try updateState(update, domainID: id, diagnosticsJSON: diagnosticsJSON, db) else { return nil }
        try db.cachedStatement(sql: """
            INSERT INTO checks (domain_id, started_at, duration_ms, reason, verdict, records, diagnostics)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [id, result.startedAt.millis, Int64((result.duration * 1000).rounded()),
                                     result.reason.rawValue, result.summary.verdict.rawValue, recordsJSON, domainDiagnosticsJSON])
        let checkID = db.lastInsertedRowID
        if let transition = update.transition {
            try insertTransition(transition, domainID: id, at: update.at, checkID: checkID, db)
        }
        // A record's row changes only when what was seen of it changed: a recheck that finds every
        // record as before writes the check row and the domain's state, two rows instead of six,
        // and dirties no page of the records table (`make bench`, store part: 0.29 -> see README).
        // Its `last_checked_at` is then when it last changed; readers take the domain's (every
        // check judges all of a domain's records).
        let recordUpdate = try db.cachedStatement(sql: """
            UPDATE records SET last_outcome = ?1, observed = ?2, detail = ?3, last_checked_at = ?4
            WHERE domain_id = ?5 AND kind = ?6
            AND (last_outcome IS NOT ?1 OR observed IS NOT ?2 OR detail IS NOT ?3)
            """)
        for (judgement, observed) in zip(result.records, observedJSON) {
            try recordUpdate.execute(arguments: [judgement.outcome.rawValue, observed, judgement.detail, update.at.millis, id,
                                                 judgement.kind.rawValue])
        }
        return checkID
    }

    /// Stores a state change that no check caused (verify requested, a new schedule), with its
    /// transition, and the audit entry when an operator caused it. Returns false for an unknown domain.
    @discardableResult
    public func applyUpdate(domainID: UUID, update: StateUpdate, audit: AuditEntry? = nil) throws(StoreError) -> Bool {
        let id = domainID.uuidString.lowercased()
        return try write("updating the state of \(domainID)") { db in
            guard try Self.updateState(update, domainID: id, diagnosticsJSON: nil, db) else { return false }
            if let transition = update.transition {
                try Self.insertTransition(transition, domainID: id, at: update.at, checkID: nil, db)
            }
            if let audit { try Self.insertAudit(audit, db) }
            return true
        }
    }

    /// A domain's history, newest first: its transitions and checks merged, `limit` entries after `before`.
    public func history(domainID: UUID, limit: Int, before: HistoryCursor? = nil) throws(StoreError) -> Page<HistoryEntry> {
        let id = domainID.uuidString.lowercased()
        return try read("reading the history of \(domainID)") { db in
            // Each side fetches enough to fill the page on its own; the merge keeps the newest.
            let bound = before?.at.millis ?? Int64.max
            let transitions = try Row.fetchAll(db, sql: """
                SELECT * FROM transitions WHERE domain_id = ? AND at <= ? ORDER BY at DESC, id DESC LIMIT ?
                """, arguments: [id, bound, limit + 1 + (before == nil ? 0 : 64)]).map { HistoryEntry.transition(try Self.transition(from: $0)) }
            let checks = try Row.fetchAll(db, sql: """
                SELECT * FROM checks WHERE domain_id = ? AND started_at <= ? ORDER BY started_at DESC, id DESC LIMIT ?
                """, arguments: [id, bound, limit + 1 + (before == nil ? 0 : 64)]).map { HistoryEntry.check(try Self.check(from: $0)) }
            var merged = (transitions + checks).sorted { $0.cursor < $1.cursor }
            if let before { merged = merged.filter { before < $0.cursor } }
            return Page(items: Array(merged.prefix(limit)), hasMore: merged.count > limit)
        }
    }

    /// Every transition of a domain, oldest first.
    public func transitions(domainID: UUID) throws(StoreError) -> [TransitionEntry] {
        try read("reading the transitions of \(domainID)") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM transitions WHERE domain_id = ? ORDER BY id",
                             arguments: [domainID.uuidString.lowercased()]).map(Self.transition(from:))
        }
    }

    /// Deletes check rows older than `cutoff` that no transition points to, `batchSize` rows per
    /// transaction so that checks keep being written in between: a batch of 1,000 holds the writer
    /// for about 20 ms, 5,000 held it past 100 ms (`make bench`, store part). Returns how many were deleted.
    @discardableResult
    public func prune(olderThan cutoff: Date, batchSize: Int = 1000) throws(StoreError) -> Int {
        pruning.value = true
        defer { pruning.value = false }
        var total = 0
        while true {
            let deleted = try write("pruning checks older than \(cutoff)") { db -> Int in
                try db.execute(sql: """
                    DELETE FROM checks WHERE id IN (
                        SELECT id FROM checks WHERE started_at < ?
                        AND NOT EXISTS (SELECT 1 FROM transitions WHERE transitions.check_id = checks.id)
                        LIMIT ?)
                    """, arguments: [cutoff.millis, batchSize])
                return db.changesCount
            }
            total += deleted
            if deleted < batchSize { return total }
        }
    }

    /// How many check rows are stored (all domains).
    public func checkCount() throws(StoreError) -> Int {
        try read("counting checks") { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM checks") ?? 0 }
    }

    static func insertTransition(_ change: StatusChange, domainID: String, at: Date, checkID: Int64?, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO transitions (domain_id, at, from_status, to_status, reason, check_id) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [domainID, at.millis, change.from.rawValue, change.to.rawValue, change.reason, checkID])
    }

    /// Writes the domain's state; false when there is no such domain.
    static func updateState(_ update: StateUpdate, domainID: String, diagnosticsJSON: String?, _ db: Database) throws -> Bool {
        let state = update.state
        let values: [(any DatabaseValueConvertible)?] = [
            state.windowStartedAt?.millis, state.deadlineAt?.millis, state.firstMissAt?.millis, state.dnsErrorSince?.millis,
            state.lastCheckedAt?.millis, state.lastMatchedAt?.millis, state.verifiedAt?.millis, state.checksInWindow,
            update.nextCheck?.at.millis, update.nextCheck?.reason.rawValue, diagnosticsJSON, update.at.millis, domainID,
            state.status.rawValue,
        ]
        // Most updates keep the status (a recheck that matched again): leaving the column out of
        // the SET list spares the status index a delete and an insert. When the status did change,
        // no row matches and the second statement writes it.
        let columns = """
            window_started_at = ?, deadline_at = ?, first_miss_at = ?, dns_error_since = ?,
            last_checked_at = ?, last_matched_at = ?, verified_at = ?, checks_in_window = ?,
            next_check_at = ?, next_check_reason = ?, diagnostics = COALESCE(?, diagnostics), updated_at = ?
            """
        if update.transition == nil {
            try db.cachedStatement(sql: "UPDATE domains SET \(columns) WHERE id = ? AND status = ?")
                .execute(arguments: StatementArguments(values))
            if db.changesCount == 1 { return true }
        }
        try db.cachedStatement(sql: "UPDATE domains SET \(columns), status = ? WHERE id = ?")
            .execute(arguments: StatementArguments(values.dropLast(2) + [state.status.rawValue, domainID]))
        return db.changesCount == 1
    }
}
