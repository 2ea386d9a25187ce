// Verified domains written straight into a database the store created: what a deployment that has
// run for a while holds, made in seconds rather than by running the daemon for weeks.
import Foundation
import GRDB
import VerifierCore
import VerifierKeys
import VerifierStore

struct BenchSeeder {
    /// A check of four matching records as the daemon stores it: nothing observed where DNS served
    /// exactly the expected value, the DMARC record (advice, not an expected value) as served.
    static func recordsJSON(publicKey: String) -> String {
        #"[{"cname_chain":[],"diagnostics":[],"kind":"dkim","observed":[],"outcome":"match","rcode":"NOERROR"},"#
            + #"{"cname_chain":[],"diagnostics":[],"kind":"spf_mx","observed":[],"outcome":"match","rcode":"NOERROR"},"#
            + #"{"cname_chain":[],"diagnostics":[],"kind":"spf_txt","observed":[],"outcome":"match","rcode":"NOERROR"},"#
            + #"{"cname_chain":[],"detail":"policy p=none","diagnostics":[],"kind":"dmarc","observed":["v=DMARC1; p=none;"],"outcome":"match","rcode":"NOERROR"}]"#
    }

    /// The store's recheck cadence for verified domains: seeded history is one check per interval.
    static let recheckInterval: Int64 = 21_600_000

    let database: String
    let key: DKIMKeyPair
    /// Checks per domain, one every six hours up to now.
    var historyChecks = 0
    /// When each domain (by index) is next due, in milliseconds since 1970.
    var nextCheckAt: (Int) -> Int64

    /// Creates the database with the store's schema.
    init(database: String, key: DKIMKeyPair, historyChecks: Int = 0, nextCheckAt: @escaping (Int) -> Int64) throws {
        try Store(path: database).close()
        self.database = database
        self.key = key
        self.historyChecks = historyChecks
        self.nextCheckAt = nextCheckAt
    }

    /// Writes the domains `name(index)` for every index of `range`, 10,000 per transaction, with
    /// their keys, records, history and the two transitions that made them verified.
    func seed(_ range: Range<Int>, name: (Int) -> String) throws {
        var configuration = Configuration()
        // Only for seeding: a crash here loses nothing the bench needs.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = OFF") }
        let queue = try DatabaseQueue(path: database, configuration: configuration)
        defer { try? queue.close() }
        let now = Date().millis
        let policy = RecordPolicy()
        let records = Self.recordsJSON(publicKey: key.publicKeyBase64)
        for batchStart in stride(from: range.lowerBound, to: range.upperBound, by: 10_000) {
            try queue.write { db in
                let domain = try db.makeStatement(sql: """
                    INSERT INTO domains (id, name, region, custom_return_path, dkim_selector, dkim_key_bits, dkim_public_key,
                        status, created_at, updated_at, last_checked_at, last_matched_at, verified_at, next_check_at, next_check_reason)
                    VALUES (?, ?, 'us-east-1', 'send', 'resend', 2048, ?, 'verified', ?, ?, ?, ?, ?, ?, 'scheduled')
                    """)
                let privateKey = try db.makeStatement(sql: "INSERT INTO dkim_keys (domain_id, private_key_pem) VALUES (?, ?)")
                let record = try db.makeStatement(sql: """
                    INSERT INTO records (domain_id, kind, name, fqdn, value, priority, last_outcome, last_checked_at)
                    VALUES (?, ?, ?, ?, ?, ?, 'match', ?)
                    """)
                let check = try db.makeStatement(sql: """
                    INSERT INTO checks (domain_id, started_at, duration_ms, reason, verdict, records)
                    VALUES (?, ?, 4, 'scheduled', 'all_match', ?)
                    """)
                let transition = try db.makeStatement(sql: """
                    INSERT INTO transitions (domain_id, at, from_status, to_status, reason, check_id) VALUES (?, ?, ?, ?, ?, ?)
                    """)
                for index in batchStart..<min(batchStart + 10_000, range.upperBound) {
                    let id = UUID().uuidString.lowercased()
                    let domainName = name(index)
                    let created = now - max(Int64(historyChecks), 1) * Self.recheckInterval - 60_000
                    let verified = created + 60_000
                    try domain.execute(arguments: [id, domainName, key.publicKeyBase64, created, now, now, now, verified, nextCheckAt(index)])
                    try privateKey.execute(arguments: [id, key.privateKeyPEM])
                    let inputs = DomainRecordInputs(name: domainName, region: "us-east-1", returnPath: "send",
                                                    dkimPublicKey: key.publicKeyBase64, dkimSelector: "resend")
                    for spec in policy.records(for: inputs) {
                        try record.execute(arguments: [id, spec.kind.rawValue, spec.name, spec.fqdn, spec.value,
                                                       spec.priority.map { Int($0) }, now])
                    }
                    var firstCheck: Int64?
                    for number in 0..<historyChecks {
                        try check.execute(arguments: [id, verified + Int64(number) * Self.recheckInterval, records])
                        if number == 0 { firstCheck = db.lastInsertedRowID }
                    }
                    try transition.execute(arguments: [id, created, "not_started", "pending", "verification requested", nil])
                    try transition.execute(arguments: [id, verified, "pending", "verified", "every required record matches", firstCheck])
                }
            }
        }
    }
}
