// The resolver bench: the DNS check path against Knot, beside dnsperf and checkdmarc.
import ArgumentParser
import Dispatch
import Foundation
import TestSupport
import VerifierCore
import VerifierDNS
import VerifierKeys

struct ResolverBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolver",
        abstract: "DNS check throughput of the resolver path against dnsperf, and its speed against checkdmarc.")

    @Option(help: "Domains in the benchmark zone.")
    var domains = 20_000

    @Option(help: "Checks in flight at once (the daemon's max_inflight_checks).")
    var inflight = 256

    @Option(help: "Domains for the comparison with checkdmarc.")
    var peerDomains = 200

    @Option(help: "libunbound contexts to spread checks over.")
    var shards = 1

    @Option(help: "Seconds dnsperf runs.")
    var dnsperfSeconds = 10

    mutating func run() throws {
        print("== The resolver path (issue 3) on \(Bench.machine())")
        let key = try DKIMKeyPair.generate(bits: 2048)
        let names = (0..<domains).map { "d\($0).bench.test" }
        let started = Date()
        let knot = try KnotServer(zones: [
            "bench.test": Self.zoneBody(names, key: key),
            "amazonses.com": "@ TXT \"v=spf1 ip4:192.0.2.0/24 -all\"",
        ])
        defer { knot.stop() }
        print("Knot serves \(domains) domains (\(domains * 5) records) on \(knot.address), loaded in \(Self.seconds(Date().timeIntervalSince(started)))")

        // 1. Our resolver path, as fast as it goes.
        let ours = try Self.checkAll(names, knot: knot, key: key, inflight: inflight, shards: shards)
        // The resolver alone, no judging: where libunbound's own ceiling is.
        let bare = try Self.resolveAll(names, knot: knot, window: inflight * 5)
        // 2. dnsperf against the same server for the same names.
        let dnsperf = try Self.dnsperf(names, knot: knot, seconds: dnsperfSeconds)
        let ratio = ours.queriesPerSecond / dnsperf
        print("")
        print("DNS check throughput, \(domains) domains, \(inflight) checks in flight, loopback:")
        print("  ours      \(Self.rate(ours.queriesPerSecond)) queries/s (counted by Knot), \(Self.rate(ours.checksPerSecond)) checks/s, \(ours.matched)/\(domains) verified")
        print("  resolver  \(Self.rate(bare)) queries/s, the same queries through UnboundResolver alone, no judging")
        print("  dnsperf   \(Self.rate(dnsperf)) queries/s, same server, same names")
        print("  ratio     \(String(format: "%.2f", ratio))   goal ≥ 0.50   \(ratio >= 0.5 ? "met" : "MISSED")")

        // 3. checkdmarc for the same domains, against ours.
        let peer = Array(names.prefix(peerDomains))
        let oursPeer = try Self.checkAll(peer, knot: knot, key: key, inflight: inflight, shards: shards)
        let checkdmarc = try Self.checkdmarc(peer, knot: knot)
        print("")
        print("\(peer.count) domains, against a peer:")
        print("  checkdmarc \(Self.seconds(checkdmarc))  (check_domains, skip_tls, same server)")
        print("  ours       \(Self.seconds(oursPeer.elapsed))  (DKIM, MX, SPF with includes, DMARC, apex SPF)")
        print("  ours is \(String(format: "%.0f", checkdmarc / oursPeer.elapsed))× faster")
    }

    struct Run {
        var elapsed: TimeInterval
        var queries: Int
        var checks: Int
        var matched: Int
        var queriesPerSecond: Double { Double(queries) / elapsed }
        var checksPerSecond: Double { Double(checks) / elapsed }
    }

    /// Checks every name through a fresh resolver, `inflight` at a time; queries counted by Knot.
    static func checkAll(_ names: [String], knot: KnotServer, key: DKIMKeyPair, inflight: Int, shards: Int) throws -> Run {
        let resolvers = try (0..<shards).map { index in
            try UnboundResolver(configuration: ResolverConfiguration(
                mode: .forward, servers: [knot.address], timeout: 5, maxInFlight: max(inflight * 8, 1024)), label: "dns.\(index)")
        }
        defer { resolvers.forEach { $0.close() } }
        let checkers = resolvers.map { DomainChecker(resolver: $0) }
        let policy = RecordPolicy()
        let done = DispatchSemaphore(value: 0)
        let state = BenchState(names: names)
        let before = knot.queryCount ?? 0
        let began = DispatchTime.now()
        @Sendable func launch() {
            guard let (index, name) = state.next() else { return }
            let checker = checkers[index % checkers.count]
            let records = policy.records(for: DomainRecordInputs(name: name, region: "us-east-1", returnPath: "send",
                                                                 dkimPublicKey: key.publicKeyBase64, dkimSelector: "resend"))
            checker.check(CheckTarget(domain: name, records: records), reason: .scheduled, startedAt: Date()) { result in
                if state.finish(matched: result.summary.verdict == .allMatch) { done.signal() } else { launch() }
            }
        }
        for _ in 0..<min(inflight, names.count) { launch() }
        done.wait()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - began.uptimeNanoseconds) / 1e9
        let queries = (knot.queryCount ?? 0) - before
        return Run(elapsed: elapsed, queries: queries, checks: names.count, matched: state.matched)
    }

    /// Queries per second through the resolver alone, `window` in flight, no judging (Knot-counted).
    static func resolveAll(_ names: [String], knot: KnotServer, window: Int) throws -> Double {
        let resolver = try UnboundResolver(configuration: ResolverConfiguration(
            mode: .forward, servers: [knot.address], timeout: 5, maxInFlight: window))
        defer { resolver.close() }
        let questions = names.flatMap { name in
            [("resend._domainkey.\(name)", RecordType.txt), ("send.\(name)", .mx), ("send.\(name)", .txt), ("_dmarc.\(name)", .txt), (name, .txt)]
        }
        let done = DispatchSemaphore(value: 0)
        let remaining = BenchState(names: questions.map(\.0))
        let before = knot.queryCount ?? 0
        let began = DispatchTime.now()
        for (name, type) in questions {
            resolver.resolve(name, type) { _ in
                if remaining.finish(matched: false) { done.signal() }
            }
        }
        done.wait()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - began.uptimeNanoseconds) / 1e9
        return Double((knot.queryCount ?? 0) - before) / elapsed
    }

    /// dnsperf's rate for the queries a check of each name makes.
    static func dnsperf(_ names: [String], knot: KnotServer, seconds: Int) throws -> Double {
        let directory = try TemporaryDirectory()
        let queries = names.flatMap { name in
            ["resend._domainkey.\(name) TXT", "send.\(name) MX", "send.\(name) TXT", "_dmarc.\(name) TXT", "\(name) TXT"]
        }.joined(separator: "\n") + "\n"
        let file = try directory.file("queries.txt", contents: Data(queries.utf8))
        let result = try TestSupport.run("/usr/bin/dnsperf", ["-s", "127.0.0.1", "-p", String(knot.port), "-d", file,
                                                              "-c", "2", "-T", "1", "-q", "100", "-l", String(seconds)])
        guard result.status == 0,
              let line = result.output.split(separator: "\n").first(where: { $0.contains("Queries per second:") }),
              let rate = Double(line.split(separator: ":").last!.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError("dnsperf failed: \(result.output)")
        }
        return rate
    }

    /// Seconds checkdmarc's check_domains takes for `names` against the same server.
    static func checkdmarc(_ names: [String], knot: KnotServer) throws -> TimeInterval {
        let script = """
            import sys, time, dns.nameserver, checkdmarc
            servers = [dns.nameserver.Do53Nameserver("127.0.0.1", int(sys.argv[1]))]
            names = sys.argv[2:]
            began = time.monotonic()
            checkdmarc.check_domains(names, nameservers=servers, skip_tls=True, timeout=2.0)
            print(time.monotonic() - began)
            """
        let result = try TestSupport.run("/usr/bin/env", ["python3", "-c", script, String(knot.port)] + names)
        guard result.status == 0, let seconds = Double(result.output.split(separator: "\n").last ?? "") else {
            throw ValidationError("checkdmarc failed: \(result.output.suffix(2000))")
        }
        return seconds
    }

    static func zoneBody(_ names: [String], key: DKIMKeyPair) -> String {
        let dkim = KnotServer.txt("p=\(key.publicKeyBase64)")
        return names.map { name in
            """
            resend._domainkey.\(name). TXT \(dkim)
            send.\(name). MX 10 feedback-smtp.us-east-1.amazonses.com.
            send.\(name). TXT "v=spf1 include:amazonses.com ~all"
            _dmarc.\(name). TXT "v=DMARC1; p=none;"
            \(name). TXT "v=spf1 include:amazonses.com -all"
            """
        }.joined(separator: "\n")
    }

    static func rate(_ value: Double) -> String { String(format: "%8.0f", value) }
    static func seconds(_ value: Double) -> String { value < 1 ? String(format: "%.0f ms", value * 1000) : String(format: "%.2f s", value) }
}

/// Which names are left and how many finished; shared by completions on the resolver's queue.
final class BenchState: @unchecked Sendable {
    private let lock = NSLock()
    private let names: [String]
    private var nextIndex = 0
    private var finished = 0
    private(set) var matched = 0

    init(names: [String]) { self.names = names }

    func next() -> (Int, String)? {
        lock.withLock {
            guard nextIndex < names.count else { return nil }
            defer { nextIndex += 1 }
            return (nextIndex, names[nextIndex])
        }
    }

    /// Counts one finished check; true when it was the last.
    func finish(matched: Bool) -> Bool {
        lock.withLock {
            finished += 1
            if matched { self.matched += 1 }
            return finished == names.count
        }
    }
}
