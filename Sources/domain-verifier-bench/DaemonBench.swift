// The daemon bench (issue 6): check throughput through the whole daemon, and time to verified.
import ArgumentParser
import DomainCtlKit
import Foundation
import GRDB
import TestSupport
import VerifierAPIModels
import VerifierCore
import VerifierKeys
import VerifierStore

struct DaemonBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Checks per second through the whole daemon (scheduler, resolver, judging, store) against dnsperf, and time to verified.")

    @Option(help: "Verified domains rechecked as fast as the daemon goes.")
    var domains = 50_000

    @Option(help: "Seconds the throughput is measured over, after a warm-up, for each bound on checks in flight.")
    var seconds = 12

    @Option(help: "Checks in flight at once.")
    var inflight = 256

    @Option(help: "Domains verified one after another for the time-to-verified figure.")
    var verifyDomains = 1000

    @Option(help: "Seconds dnsperf runs.")
    var dnsperfSeconds = 10

    @Option(parsing: .upToNextOption, help: "Other bounds on checks in flight measured for the plot.")
    var sweep = [16, 64, 1024]

    @Option(help: "Where the CSV files for the plots are written.")
    var output = "docs/bench"

    struct Throughput {
        var inflight: Int
        var queriesPerSecond: Double
        var checksPerSecond: Double
        var cpu: Double
        var rss: Int
    }

    /// The daemon on the seeded store with `inflight` checks in flight at most, measured for `seconds` after a warm-up.
    static func throughput(binary: String, directory: String, knot: KnotServer, inflight: Int, seconds: Int) throws -> Throughput {
        let daemon = try DaemonProcess(binary: binary, directory: directory, arguments: [
            "--dns-server", knot.address, "--recheck-interval", "1s", "--startup-spread", "0",
            "--max-inflight-checks", String(inflight), "--log-level", "warning",
        ])
        defer { daemon.stop() }
        _ = try daemon.waitUntilReady()
        Thread.sleep(forTimeInterval: 3)
        let before = (queries: knot.queryCount ?? 0, cpu: daemon.cpuSeconds, checks: try daemon.checksTotal(), at: Date())
        Thread.sleep(forTimeInterval: TimeInterval(seconds))
        let after = (queries: knot.queryCount ?? 0, cpu: daemon.cpuSeconds, checks: try daemon.checksTotal(), at: Date())
        let elapsed = after.at.timeIntervalSince(before.at)
        return Throughput(inflight: inflight, queriesPerSecond: Double(after.queries - before.queries) / elapsed,
                          checksPerSecond: Double(after.checks - before.checks) / elapsed,
                          cpu: (after.cpu - before.cpu) / elapsed * 100, rss: daemon.residentMegabytes)
    }

    mutating func run() throws {
        print("== The whole daemon (issue 6) on \(Bench.machine())")
        let binary = try DaemonProcess.binaryNextToBench()
        let key = try DKIMKeyPair.generate(bits: 2048)
        let names = (0..<domains).map { "d\($0).bench.test" }
        let knot = try KnotServer(zones: [
            "bench.test": ResolverBench.zoneBody(names, key: key),
            "ttv.test": "",
            "amazonses.com": "@ TXT \"v=spf1 ip4:192.0.2.0/24 -all\"",
        ])
        defer { knot.stop() }

        // 1. Throughput: every domain verified and due at once, rechecked every second, for each
        // bound on checks in flight (the same store: every domain stays due every second).
        let directory = try TemporaryDirectory()
        let now = Date().millis
        try BenchSeeder(database: directory.path + "/domain-verifier.sqlite", key: key) { _ in now }
            .seed(0..<names.count) { names[$0] }
        var runs: [Throughput] = []
        for bound in Set(sweep + [inflight]).sorted() {
            let run = try Self.throughput(binary: binary, directory: directory.path, knot: knot, inflight: bound, seconds: seconds)
            print("  \(bound) in flight: \(ResolverBench.rate(run.queriesPerSecond)) queries/s, \(ResolverBench.rate(run.checksPerSecond)) checks/s, CPU \(String(format: "%.0f", run.cpu))%, RSS \(run.rss) MB")
            runs.append(run)
        }
        try ScaleBench.writeCSV(output + "/throughput-by-inflight.csv", header: "max_inflight_checks,queries_per_second,checks_per_second,cpu_percent,rss_mb",
                                rows: runs.map { "\($0.inflight),\(Int($0.queriesPerSecond)),\(Int($0.checksPerSecond)),\(Int($0.cpu)),\($0.rss)" })
        let main = runs.first { $0.inflight == inflight }!
        let (queriesPerSecond, checksPerSecond, cpu, rss) = (main.queriesPerSecond, main.checksPerSecond, main.cpu, main.rss)
        let dnsperf = try ResolverBench.dnsperf(names, knot: knot, seconds: dnsperfSeconds)
        let ratio = queriesPerSecond / dnsperf
        print("")
        print("Check throughput through the daemon, \(domains) verified domains due every second, \(inflight) in flight:")
        print("  daemon    \(ResolverBench.rate(queriesPerSecond)) queries/s (counted by Knot), \(ResolverBench.rate(checksPerSecond)) checks/s stored, CPU \(String(format: "%.0f", cpu))% of one core, RSS \(rss) MB")
        print("  dnsperf   \(ResolverBench.rate(dnsperf)) queries/s, same server, same names")
        print("  ratio     \(String(format: "%.2f", ratio))   goal ≥ 0.50   \(ratio >= 0.5 ? "met" : "MISSED")")

        // 2. Time to verified: records already published, verify, measured by the daemon's own clock.
        let latencies = try Self.timeToVerified(count: verifyDomains, binary: binary, knot: knot)
        let sorted = latencies.sorted()
        let p50 = sorted[sorted.count / 2] * 1000
        let p99 = sorted[min(sorted.count - 1, sorted.count * 99 / 100)] * 1000
        print("")
        print("Time to verified, POST /verify -> verified with the records already published, \(latencies.count) domains:")
        print("  p50 \(String(format: "%.1f", p50)) ms   p99 \(String(format: "%.1f", p99)) ms   goal p50 ≤ 50 ms   \(p50 <= 50 ? "met" : "MISSED")")
    }

    /// Creates `count` domains through the API, publishes their records, verifies each and reads
    /// from the history how long pending lasted.
    static func timeToVerified(count: Int, binary: String, knot: KnotServer) throws -> [TimeInterval] {
        let directory = try TemporaryDirectory()
        let daemon = try DaemonProcess(binary: binary, directory: directory.path, arguments: [
            "--dns-server", knot.address, "--verify-min-interval", "0s", "--log-level", "warning",
        ])
        defer { daemon.stop() }
        _ = try daemon.waitUntilReady()
        var created: [DomainResponse] = []
        var lines: [String] = []
        for index in 0..<count {
            let body = try JSONEncoder().encode(["name": "v\(index).ttv.test", "dkim_key_size": "1024"].mapValues { $0 })
            let text = String(decoding: body, as: UTF8.self).replacingOccurrences(of: "\"1024\"", with: "1024")
            let domain: DomainResponse = try daemon.request("POST", "/domains", body: text, expect: 201)
            created.append(domain)
            for record in domain.records ?? [] {
                let rdata = record.type == "MX" ? "\(record.priority ?? 10) \(record.value)." : KnotServer.txt(record.value)
                lines.append("\(record.fqdn). 60 \(record.type) \(rdata)")
            }
        }
        try knot.load("ttv.test", lines: lines)
        for domain in created {
            let _: DomainResponse = try daemon.request("POST", "/domains/\(domain.id)/verify", expect: 200)
        }
        var latencies: [TimeInterval] = []
        for domain in created {
            let deadline = Date().addingTimeInterval(30)
            while true {
                let history: ListResponse<HistoryEntryResponse> = try daemon.request("GET", "/domains/\(domain.id)/history?limit=10", expect: 200)
                let transitions = history.data.filter { $0.object == "transition" }
                if let verified = transitions.first(where: { $0.to == "verified" }),
                   let pending = transitions.first(where: { $0.to == "pending" }),
                   let end = Self.date(verified.at), let start = Self.date(pending.at) {
                    latencies.append(end.timeIntervalSince(start))
                    break
                }
                guard Date() < deadline else { throw ValidationError("\(domain.name) did not verify in 30 s") }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        return latencies
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

/// The real daemon binary, started for a bench and stopped after it.
final class DaemonProcess {
    let socket: String
    private let process: ChildProcess
    private let started = Date()

    /// The daemon built beside this bench, in the same configuration.
    static func binaryNextToBench() throws -> String {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("domain-verifierd").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw ValidationError("no domain-verifierd next to the bench at \(binary); build it in the same configuration")
        }
        return binary
    }

    init(binary: String, directory: String, arguments: [String]) throws {
        socket = directory + "/admin.sock"
        let log = FileHandle(forWritingAtPath: "/dev/null")
        process = try ChildProcess(binary, ["--state-dir", directory, "--socket", socket] + arguments, stderr: log)
    }

    /// Seconds from the start until GET /status answers.
    func waitUntilReady() throws -> TimeInterval {
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let response = try? UnixSocketHTTPClient(socketPath: socket, timeout: 2).send(HTTPRequest(method: "GET", target: "/status")),
               response.status == 200 {
                return Date().timeIntervalSince(started)
            }
            guard process.isRunning else { throw ValidationError("domain-verifierd exited during start-up") }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw ValidationError("domain-verifierd was not ready within 120 s")
    }

    func request<T: Decodable>(_ method: String, _ target: String, body: String? = nil, expect: Int) throws -> T {
        let response = try UnixSocketHTTPClient(socketPath: socket, timeout: 60)
            .send(HTTPRequest(method: method, target: target, body: body.map { Data($0.utf8) }))
        guard response.status == expect else {
            throw ValidationError("\(method) \(target): \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        }
        return try APIJSON.decoder().decode(T.self, from: response.body)
    }

    /// The sum of domain_verifier_checks_total from /metrics.
    func checksTotal() throws -> Int {
        let response = try UnixSocketHTTPClient(socketPath: socket, timeout: 30).send(HTTPRequest(method: "GET", target: "/metrics"))
        return String(decoding: response.body, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix("domain_verifier_checks_total{") }
            .compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
            .reduce(0, +)
    }

    /// What the daemon did over the next `seconds`.
    struct Sample {
        /// Percent of one core.
        var cpu: Double
        var checksPerSecond: Double
        var cpuPerCheck: Double { checksPerSecond > 0 ? cpu / 100 / checksPerSecond : 0 }
    }

    func sample(seconds: Double) throws -> Sample {
        let before = (cpu: cpuSeconds, checks: try checksTotal(), at: Date())
        Thread.sleep(forTimeInterval: seconds)
        let elapsed = Date().timeIntervalSince(before.at)
        return Sample(cpu: (cpuSeconds - before.cpu) / elapsed * 100, checksPerSecond: Double(try checksTotal() - before.checks) / elapsed)
    }

    /// User and system CPU the daemon has used, in seconds.
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processID)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // Fields after the name: state is 1st, utime the 12th, stime the 13th.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    var residentMegabytes: Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processID)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
        return kilobytes / 1024
    }

    func stop() {
        process.stop()
    }
}
