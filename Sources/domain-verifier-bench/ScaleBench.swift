// The scale bench (issue 6): a million domains in the store — start-up, idle cost, and API latency.
import ArgumentParser
import DomainCtlKit
import Foundation
import GRDB
import TestSupport
import VerifierCore
import VerifierKeys
import VerifierStore

struct ScaleBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Start-up, idle RSS and CPU, and GET latency under 200 clients with a million domains in the store.")

    @Option(help: "Verified domains in the store.")
    var domains = 1_000_000

    @Option(help: "Checks of history per domain (each domain also has its two transitions).")
    var historyChecks = 2

    @Option(help: "Seconds the idle CPU is measured over.")
    var idleSeconds = 60

    @Option(help: "Concurrent API clients.")
    var clients = 200

    @Option(help: "Seconds the clients run.")
    var clientSeconds = 10

    mutating func run() throws {
        print("== A million domains (issue 6) on \(Bench.machine())")
        let binary = try DaemonProcess.binaryNextToBench()
        let key = try DKIMKeyPair.generate(bits: 2048)
        // Wildcards answer for every domain: the few checks due while idle all match.
        let knot = try KnotServer(zones: [
            "bench.test": """
                *.bench.test. TXT \(KnotServer.txt("p=\(key.publicKeyBase64)"))
                *.bench.test. TXT "v=spf1 include:amazonses.com ~all"
                *.bench.test. MX 10 feedback-smtp.us-east-1.amazonses.com.
                """,
            "amazonses.com": "@ TXT \"v=spf1 ip4:192.0.2.0/24 -all\"",
        ])
        defer { knot.stop() }
        let directory = try TemporaryDirectory()
        let database = directory.path + "/domain-verifier.sqlite"
        let seeding = Date()
        try Self.seed(domains, historyChecks: historyChecks, key: key, database: database)
        let size = ((try? FileManager.default.attributesOfItem(atPath: database)[.size] as? Int) ?? 0) >> 20
        print("\(domains) domains with \(historyChecks) checks and 2 transitions each seeded in \(String(format: "%.0f", Date().timeIntervalSince(seeding))) s; database \(size) MB")

        let daemon = try DaemonProcess(binary: binary, directory: directory.path, arguments: [
            "--dns-server", knot.address, "--log-level", "warning",
        ])
        defer { daemon.stop() }
        let ready = try daemon.waitUntilReady()
        Thread.sleep(forTimeInterval: 5)
        let cpuBefore = daemon.cpuSeconds
        let idleStart = Date()
        Thread.sleep(forTimeInterval: TimeInterval(idleSeconds))
        let idleCPU = (daemon.cpuSeconds - cpuBefore) / Date().timeIntervalSince(idleStart) * 100
        let idleRSS = daemon.residentMegabytes

        let count = domains
        let one = try Self.latencies(daemon: daemon, clients: clients, seconds: clientSeconds) { index in "/domains/d\((index * 7919) % count).bench.test" }
        let list = try Self.latencies(daemon: daemon, clients: clients, seconds: clientSeconds) { _ in "/domains?limit=100" }
        print("")
        print("With \(domains) domains:")
        print("  start-up to ready   \(String(format: "%.2f", ready)) s          goal ≤ 2 s      \(ready <= 2 ? "met" : "MISSED")")
        print("  idle RSS            \(idleRSS) MB          goal ≤ 200 MB   \(idleRSS <= 200 ? "met" : "MISSED")")
        print("  idle CPU            \(String(format: "%.2f", idleCPU))% over \(idleSeconds) s   goal ≤ 1%      \(idleCPU <= 1 ? "met" : "MISSED")")
        for (name, result) in [("GET /domains/{name}", one), ("GET /domains?limit=100", list)] {
            print("  \(name.padding(toLength: 24, withPad: " ", startingAt: 0)) p50 \(String(format: "%.2f", result.p50)) ms  p99 \(String(format: "%.2f", result.p99)) ms  (\(String(format: "%.0f", result.perSecond)) requests/s, \(clients) clients)  goal p99 ≤ 5 ms  \(result.p99 <= 5 ? "met" : "MISSED")")
        }
    }

    struct Latencies {
        var p50: Double
        var p99: Double
        var count: Int
        var perSecond: Double
    }

    /// `clients` threads issue GETs for `seconds`; each request's latency in milliseconds.
    static func latencies(daemon: DaemonProcess, clients: Int, seconds: Int, target: @escaping @Sendable (Int) -> String) throws -> Latencies {
        let results = LatencyRecorder()
        let socket = daemon.socket
        let end = Date().addingTimeInterval(TimeInterval(seconds))
        let group = DispatchGroup()
        for client in 0..<clients {
            let thread = Thread {
                let http = UnixSocketHTTPClient(socketPath: socket, timeout: 30)
                var index = client
                while Date() < end {
                    let began = DispatchTime.now()
                    let response = try? http.send(HTTPRequest(method: "GET", target: target(index)))
                    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - began.uptimeNanoseconds) / 1e6
                    results.add(elapsed, ok: response?.status == 200)
                    index += clients
                }
                group.leave()
            }
            group.enter()
            thread.start()
        }
        group.wait()
        let (samples, failures) = results.snapshot()
        guard failures == 0, !samples.isEmpty else { throw ValidationError("\(failures) requests failed") }
        let sorted = samples.sorted()
        return Latencies(p50: sorted[sorted.count / 2], p99: sorted[min(sorted.count - 1, sorted.count * 99 / 100)], count: sorted.count,
                         perSecond: Double(sorted.count) / Double(seconds))
    }

    /// Writes `count` verified domains straight into a new database, with their history, their next
    /// checks spread over the 6-hour recheck interval, in transactions of 10,000 domains.
    static func seed(_ count: Int, historyChecks: Int, key: DKIMKeyPair, database: String) throws {
        try Store(path: database).close()
        let queue = try DatabaseQueue(path: database)
        let now = Date().millis
        let policy = RecordPolicy()
        let recordsJSON = #"[{"cname_chain":[],"diagnostics":[],"kind":"dkim","observed":[],"outcome":"match","rcode":"NOERROR"},{"cname_chain":[],"diagnostics":[],"kind":"spf_mx","observed":[],"outcome":"match","rcode":"NOERROR"},{"cname_chain":[],"diagnostics":[],"kind":"spf_txt","observed":[],"outcome":"match","rcode":"NOERROR"},{"cname_chain":[],"diagnostics":[],"kind":"dmarc","observed":[],"outcome":"match","rcode":"NOERROR"}]"#
        var random = SeededOrSystemRandom(seed: 42)
        for batchStart in stride(from: 0, to: count, by: 10_000) {
            try queue.write { db in
                for index in batchStart..<min(batchStart + 10_000, count) {
                    let id = UUID().uuidString.lowercased()
                    let name = "d\(index).bench.test"
                    let created = now - 30 * 86_400_000
                    let next = now + Int64(random.next() % 21_600_000)
                    try db.execute(sql: """
                        INSERT INTO domains (id, name, region, custom_return_path, dkim_selector, dkim_key_bits, dkim_public_key,
                            status, created_at, updated_at, last_checked_at, last_matched_at, verified_at, next_check_at, next_check_reason)
                        VALUES (?, ?, 'us-east-1', 'send', 'resend', 2048, ?, 'verified', ?, ?, ?, ?, ?, ?, 'scheduled')
                        """, arguments: [id, name, key.publicKeyBase64, created, now, now, now, created + 60_000, next])
                    try db.execute(sql: "INSERT INTO dkim_keys (domain_id, private_key_pem) VALUES (?, ?)", arguments: [id, key.privateKeyPEM])
                    let inputs = DomainRecordInputs(name: name, region: "us-east-1", returnPath: "send", dkimPublicKey: key.publicKeyBase64, dkimSelector: "resend")
                    for record in policy.records(for: inputs) {
                        try db.execute(sql: "INSERT INTO records (domain_id, kind, name, fqdn, value, priority, last_outcome, last_checked_at) VALUES (?, ?, ?, ?, ?, ?, 'match', ?)",
                                       arguments: [id, record.kind.rawValue, record.name, record.fqdn, record.value, record.priority.map { Int($0) }, now])
                    }
                    var firstCheck: Int64 = 0
                    for check in 0..<historyChecks {
                        let at = created + 60_000 + Int64(check) * 21_600_000
                        try db.execute(sql: "INSERT INTO checks (domain_id, started_at, duration_ms, reason, verdict, records) VALUES (?, ?, 4, 'scheduled', 'all_match', ?)",
                                       arguments: [id, at, recordsJSON])
                        if check == 0 { firstCheck = db.lastInsertedRowID }
                    }
                    try db.execute(sql: "INSERT INTO transitions (domain_id, at, from_status, to_status, reason) VALUES (?, ?, 'not_started', 'pending', 'verification requested')",
                                   arguments: [id, created])
                    try db.execute(sql: "INSERT INTO transitions (domain_id, at, from_status, to_status, reason, check_id) VALUES (?, ?, 'pending', 'verified', 'every required record matches', ?)",
                                   arguments: [id, created + 60_000, historyChecks > 0 ? firstCheck : nil])
                }
            }
        }
        try queue.close()
    }
}

/// Latencies collected from many threads.
final class LatencyRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [Double] = []
    private var failures = 0

    func add(_ milliseconds: Double, ok: Bool) {
        lock.withLock {
            if ok { samples.append(milliseconds) } else { failures += 1 }
        }
    }

    func snapshot() -> ([Double], Int) { lock.withLock { (samples, failures) } }
}
