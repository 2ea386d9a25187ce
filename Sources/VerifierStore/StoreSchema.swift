// The database schema as migrations. A released migration is never edited: add a new one instead.
import GRDB

enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: domains, records, keys, checks, transitions, audit log") { db in
            try db.execute(sql: """
                CREATE TABLE domains (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL UNIQUE,
                    region TEXT NOT NULL,
                    custom_return_path TEXT NOT NULL,
                    open_tracking INTEGER NOT NULL DEFAULT 0,
                    click_tracking INTEGER NOT NULL DEFAULT 0,
                    dkim_selector TEXT NOT NULL,
                    dkim_key_bits INTEGER NOT NULL,
                    dkim_public_key TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('not_started', 'pending', 'verified', 'temporary_failure', 'failed')),
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    window_started_at INTEGER,
                    deadline_at INTEGER,
                    first_miss_at INTEGER,
                    dns_error_since INTEGER,
                    last_checked_at INTEGER,
                    last_matched_at INTEGER,
                    verified_at INTEGER,
                    checks_in_window INTEGER NOT NULL DEFAULT 0,
                    next_check_at INTEGER,
                    next_check_reason TEXT,
                    diagnostics TEXT NOT NULL DEFAULT '[]'
                );
                CREATE INDEX domains_by_next_check ON domains(next_check_at) WHERE next_check_at IS NOT NULL;
                CREATE INDEX domains_by_status ON domains(status, id);

                -- Private keys apart, so that no domain query ever reads one by accident.
                CREATE TABLE dkim_keys (
                    domain_id TEXT PRIMARY KEY NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
                    private_key_pem TEXT NOT NULL
                );

                CREATE TABLE records (
                    domain_id TEXT NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    name TEXT NOT NULL,
                    fqdn TEXT NOT NULL,
                    value TEXT NOT NULL,
                    priority INTEGER,
                    last_outcome TEXT,
                    observed TEXT NOT NULL DEFAULT '[]',
                    detail TEXT,
                    last_checked_at INTEGER,
                    PRIMARY KEY (domain_id, kind)
                ) WITHOUT ROWID;

                -- One row per domain check; per-record results as JSON.
                CREATE TABLE checks (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    domain_id TEXT NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
                    started_at INTEGER NOT NULL,
                    duration_ms INTEGER NOT NULL,
                    reason TEXT NOT NULL,
                    verdict TEXT NOT NULL,
                    records TEXT NOT NULL,
                    diagnostics TEXT NOT NULL DEFAULT '[]'
                );
                CREATE INDEX checks_by_domain ON checks(domain_id, started_at);
                CREATE INDEX checks_by_time ON checks(started_at);

                CREATE TABLE transitions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    domain_id TEXT NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
                    at INTEGER NOT NULL,
                    from_status TEXT NOT NULL,
                    to_status TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    check_id INTEGER REFERENCES checks(id)
                );
                CREATE INDEX transitions_by_domain ON transitions(domain_id, at);
                CREATE INDEX transitions_by_check ON transitions(check_id) WHERE check_id IS NOT NULL;

                -- Every admin mutation, allowed or refused; kept when its domain is removed.
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at INTEGER NOT NULL,
                    peer_uid INTEGER,
                    peer_pid INTEGER,
                    action TEXT NOT NULL,
                    domain_id TEXT,
                    domain_name TEXT,
                    allowed INTEGER NOT NULL,
                    detail TEXT
                );
                CREATE INDEX audit_by_time ON audit_log(at);
                """)
        }
        return migrator
    }
}
