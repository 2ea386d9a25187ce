// Domain writes and reads: create, find, list, change tracking, delete, and the private key.
import Foundation
import GRDB
import VerifierCore

extension Store {
    /// Creates a domain with its records and key, and audits it, in one transaction.
    /// A second domain with the same name is refused with `.conflict`.
    public func createDomain(_ new: NewDomain, audit: AuditEntry) throws(StoreError) -> Domain {
        let now = new.createdAt.millis
        do {
            try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO domains (id, name, region, custom_return_path, open_tracking, click_tracking,
                        dkim_selector, dkim_key_bits, dkim_public_key, status, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'not_started', ?, ?)
                    """, arguments: [new.id.uuidString.lowercased(), new.name, new.region, new.customReturnPath,
                                     new.openTracking, new.clickTracking, new.dkimSelector, new.dkimKeyBits,
                                     new.dkimPublicKey, now, now])
                try db.execute(sql: "INSERT INTO dkim_keys (domain_id, private_key_pem) VALUES (?, ?)",
                               arguments: [new.id.uuidString.lowercased(), new.dkimPrivateKeyPEM])
                for record in new.records {
                    try db.execute(sql: """
                        INSERT INTO records (domain_id, kind, name, fqdn, value, priority) VALUES (?, ?, ?, ?, ?, ?)
                        """, arguments: [new.id.uuidString.lowercased(), record.kind.rawValue, record.name, record.fqdn,
                                         record.value, record.priority.map { Int($0) }])
                }
                try Self.insertAudit(audit, db)
            }
        } catch {
            let wrapped = StoreError.wrap(error, "creating the domain \(new.name)")
            if wrapped.kind == .conflict {
                throw StoreError(.conflict, "a domain named \(new.name) already exists")
            }
            throw wrapped
        }
        guard let created = try domain(id: new.id) else {
            throw StoreError(.other, "the domain \(new.name) vanished right after it was created")
        }
        return created
    }

    /// The domain with this id, with its records.
    public func domain(id: UUID) throws(StoreError) -> Domain? {
        try read("reading the domain \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.DomainColumn.selection) FROM domains WHERE id = ?", arguments: [id.uuidString.lowercased()])
                .map { try Self.domain(from: $0, db) }
        }
    }

    /// The domain named `name` (an A-label, lower case).
    public func domain(name: String) throws(StoreError) -> Domain? {
        try read("reading the domain \(name)") { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.DomainColumn.selection) FROM domains WHERE name = ?", arguments: [name])
                .map { try Self.domain(from: $0, db) }
        }
    }

    /// A page of domains ordered by id, after the id `after`, optionally of one status; with their
    /// records only when asked (one more query per domain).
    public func listDomains(limit: Int, after: UUID? = nil, status: DomainStatus? = nil, withRecords: Bool = true) throws(StoreError) -> Page<Domain> {
        try read("listing domains") { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let after {
                conditions.append("id > ?")
                _ = arguments.append(contentsOf: [after.uuidString.lowercased()])
            }
            if let status {
                conditions.append("status = ?")
                _ = arguments.append(contentsOf: [status.rawValue])
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            _ = arguments.append(contentsOf: [limit + 1])
            let rows = try Row.fetchAll(db, sql: "SELECT \(Self.DomainColumn.selection) FROM domains \(filter) ORDER BY id LIMIT ?", arguments: arguments)
            let domains = try rows.prefix(limit).map { try Self.domain(from: $0, db, withRecords: withRecords) }
            return Page(items: domains, hasMore: rows.count > limit)
        }
    }

    /// Changes the tracking flags (nil leaves one as it is), audited.
    public func updateTracking(id: UUID, openTracking: Bool?, clickTracking: Bool?, audit: AuditEntry) throws(StoreError) -> Domain? {
        let found = try write("updating the domain \(id)") { db -> Bool in
            try db.execute(sql: """
                UPDATE domains SET open_tracking = COALESCE(?, open_tracking), click_tracking = COALESCE(?, click_tracking),
                    updated_at = ? WHERE id = ?
                """, arguments: [openTracking, clickTracking, audit.at.millis, id.uuidString.lowercased()])
            guard db.changesCount == 1 else { return false }
            try Self.insertAudit(audit, db)
            return true
        }
        return found ? try domain(id: id) : nil
    }

    /// Deletes a domain with its records, key, checks and transitions; the audit log keeps the deletion.
    /// Returns false when there was no such domain.
    public func deleteDomain(id: UUID, audit: AuditEntry) throws(StoreError) -> Bool {
        try write("deleting the domain \(id)") { db in
            // Transitions point at checks: remove them first so the checks can go.
            try db.execute(sql: "DELETE FROM transitions WHERE domain_id = ?", arguments: [id.uuidString.lowercased()])
            try db.execute(sql: "DELETE FROM domains WHERE id = ?", arguments: [id.uuidString.lowercased()])
            guard db.changesCount == 1 else { return false }
            try Self.insertAudit(audit, db)
            return true
        }
    }

    /// The PEM private key of a domain's DKIM key, for the signing MTA. Audited by the caller's entry.
    public func dkimPrivateKey(id: UUID, audit: AuditEntry) throws(StoreError) -> String? {
        try write("reading the DKIM key of \(id)") { db in
            guard let pem = try String.fetchOne(db, sql: "SELECT private_key_pem FROM dkim_keys WHERE domain_id = ?",
                                                arguments: [id.uuidString.lowercased()]) else { return nil }
            try Self.insertAudit(audit, db)
            return pem
        }
    }

    /// How many domains are in each status (every status present, zero included).
    public func countsByStatus() throws(StoreError) -> [DomainStatus: Int] {
        try read("counting domains") { db in
            var counts = Dictionary(uniqueKeysWithValues: DomainStatus.allCases.map { ($0, 0) })
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM domains GROUP BY status") {
                if let status = DomainStatus(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    /// Moves the times that decide what comes next by `seconds`, as `VerificationState.shifted`
    /// does: open windows, first misses, DNS error streaks, and every next check. One transaction;
    /// returns how many domains had an open window.
    @discardableResult
    public func shiftOpenTimes(by seconds: TimeInterval) throws(StoreError) -> Int {
        let delta = Int64((seconds * 1000).rounded())
        return try write("moving open windows by \(Int(seconds.rounded())) s") { db in
            try db.execute(sql: """
                UPDATE domains SET window_started_at = window_started_at + ?1, deadline_at = deadline_at + ?1
                WHERE status IN ('pending', 'temporary_failure') AND deadline_at IS NOT NULL
                """, arguments: [delta])
            let windows = db.changesCount
            try db.execute(sql: "UPDATE domains SET first_miss_at = first_miss_at + ?1 WHERE first_miss_at IS NOT NULL", arguments: [delta])
            try db.execute(sql: "UPDATE domains SET dns_error_since = dns_error_since + ?1 WHERE dns_error_since IS NOT NULL", arguments: [delta])
            try db.execute(sql: "UPDATE domains SET next_check_at = next_check_at + ?1 WHERE next_check_at IS NOT NULL", arguments: [delta])
            return windows
        }
    }

    /// The domains whose next check is due after `after` and at the latest `through`, soonest first:
    /// what the scheduler loads ahead of time (a range of the next-check index, never a scan).
    public func scheduledDomains(through: Date = .distantFuture, after: Date? = nil, limit: Int? = nil) throws(StoreError) -> [ScheduledDomain] {
        try read("loading the schedule") { db in
            // A cursor, not `fetchAll`: 50,000 rows copied into Row values first made a transient
            // peak of tens of MB that the allocator kept (the soak's RSS).
            let rows = try Row.fetchCursor(db, sql: """
                SELECT id, next_check_at, next_check_reason,
                       CASE WHEN status IN ('pending', 'temporary_failure') THEN deadline_at END AS open_deadline_at
                FROM domains WHERE next_check_at IS NOT NULL AND next_check_at <= ? AND next_check_at > ?
                ORDER BY next_check_at LIMIT ?
                """, arguments: [through.millis, after?.millis ?? Int64.min, limit ?? -1])
            var scheduled: [ScheduledDomain] = []
            while let row = try rows.next() {
                guard let id = UUID(uuidString: row[0]) else { continue }
                let reason = CheckReason(rawValue: row[2] ?? "") ?? .scheduled
                scheduled.append(ScheduledDomain(id: id, due: DueCheck(at: Date(millis: row[1]), reason: reason),
                                                 deadlineAt: (row[3] as Int64?).map(Date.init(millis:))))
            }
            return scheduled
        }
    }
}
