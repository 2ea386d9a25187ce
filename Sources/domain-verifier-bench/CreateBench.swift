// The creation bench (issue 6, figure 5): domains created per second with RSA 2048 and 1024 keys
// through the API, against OpenSSL's key generation alone, and what creation does to the checks
// and the reads running at the same time.
import ArgumentParser
import DomainCtlKit
import Foundation
import TestSupport
import VerifierCore
import VerifierKeys

struct CreateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Domains created per second (RSA 2048 and 1024), and check lag and GET latency while they are created.")

    @Option(help: "Verified domains already in the store, rechecked throughout.")
    var domains = 20_000

    @Option(help: "Checks per second those domains ask for.")
    var checkRate = 500

    @Option(help: "Clients creating domains at once, back to back.")
    var creators = 8

    @Option(help: "GETs per second for one domain, paced, during each phase.")
    var readRate = 200

    @Option(help: "Seconds each phase runs.")
    var seconds = 15

    mutating func run() throws {
        print("== Domain creation (issue 6) on \(Bench.machine())")
        let binary = try DaemonProcess.binaryNextToBench()
        let key = try DKIMKeyPair.generate(bits: 2048)

        // The reference: keys generated in this process on one thread, nothing else running.
        var reference: [Int: Double] = [:]
        for bits in [2048, 1024] {
            var made = 0
            let began = Date()
            while Date().timeIntervalSince(began) < 5 {
                _ = try DKIMKeyPair.generate(bits: bits)
                made += 1
            }
            reference[bits] = Double(made) / Date().timeIntervalSince(began)
        }

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
        let interval = max(1, domains / checkRate)
        let now = Date().millis
        var random = SeededOrSystemRandom(seed: 5)
        let due = (0..<domains).map { _ in now + 5_000 + Int64(random.next() % UInt64(interval * 1000)) }
        try BenchSeeder(database: directory.path + "/domain-verifier.sqlite", key: key) { due[$0] }
            .seed(0..<domains) { "d\($0).bench.test" }
        let daemon = try DaemonProcess(binary: binary, directory: directory.path, arguments: [
            "--dns-server", knot.address, "--recheck-interval", "\(interval)s", "--startup-spread", "0", "--log-level", "warning",
        ])
        defer { daemon.stop() }
        _ = try daemon.waitUntilReady()
        Thread.sleep(forTimeInterval: 8)

        let count = domains
        let read: @Sendable (Int) -> String = { index in "/domains/d\((index &* 7919) % count).bench.test" }
        var phases: [Phase] = []
        for bits in [0, 2048, 1024] {
            let delays = try daemon.startDelays()
            let checks = try daemon.checksTotal()
            let cpu = (daemon: daemon.cpuSeconds, machine: Self.machineBusySeconds())
            let began = Date()
            let creation = bits == 0 ? nil : Self.create(daemon: daemon, bits: bits, clients: creators, seconds: seconds)
            let reads = try ScaleBench.latencies(daemon: daemon, clients: 20, seconds: seconds, rate: readRate, target: read)
            let created = try creation?.wait() ?? 0
            let elapsed = Date().timeIntervalSince(began)
            let lag = try daemon.startDelays().since(delays)
            phases.append(Phase(bits: bits, created: Double(created) / elapsed, reads: reads, lag: lag,
                                checksPerSecond: Double(try daemon.checksTotal() - checks) / elapsed,
                                daemonCPU: (daemon.cpuSeconds - cpu.daemon) / elapsed * 100,
                                machineCPU: (Self.machineBusySeconds() - cpu.machine) / elapsed * 100))
        }

        print("")
        print("Domain creation with \(domains) domains rechecked at \(checkRate) checks/s, \(creators) clients creating, GETs paced at \(readRate)/s:")
        for phase in phases {
            let name = phase.bits == 0 ? "no creation (baseline)" : "creating, RSA \(phase.bits)"
            let rate = phase.bits == 0 ? "" : String(format: "%6.1f domains/s (OpenSSL alone, one core: %.1f keys/s)", phase.created, reference[phase.bits] ?? 0)
            print("  \(name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(rate)")
            print("      daemon CPU \(String(format: "%.0f", phase.daemonCPU))%, machine \(String(format: "%.0f", phase.machineCPU))% of 200%; checks \(String(format: "%.0f", phase.checksPerSecond))/s, started late > 10 ms: \(String(format: "%.2f", phase.lag.fractionOver(0.01) * 100))%, > 100 ms: \(String(format: "%.2f", phase.lag.fractionOver(0.1) * 100))%, p99 lag ≤ \(phase.lag.quantileBound(0.99)); GET /domains/{name} p50 \(String(format: "%.2f", phase.reads.p50)) ms p99 \(String(format: "%.2f", phase.reads.p99)) ms")
        }
        let baseline = phases[0]
        let worst = phases.dropFirst().max { $0.reads.p99 < $1.reads.p99 }!
        let lagWorst = phases.dropFirst().map { $0.lag.fractionOver(0.1) }.max() ?? 0
        let readsKept = worst.reads.p99 <= max(5, baseline.reads.p99 * 2)
        print("  key generation delays checks: \(String(format: "%.2f", lagWorst * 100))% started > 100 ms late while creating (\(String(format: "%.2f", baseline.lag.fractionOver(0.1) * 100))% without)   goal none   \(lagWorst <= baseline.lag.fractionOver(0.1) + 0.001 ? "met" : "MISSED")")
        print("  key generation delays reads:  GET p99 \(String(format: "%.2f", worst.reads.p99)) ms while creating (\(String(format: "%.2f", baseline.reads.p99)) ms without)   goal within 2× of it, or ≤ 5 ms   \(readsKept ? "met" : "MISSED")")
    }

    struct Phase {
        var bits: Int
        var created: Double
        var reads: ScaleBench.Latencies
        var lag: DaemonProcess.Histogram
        var checksPerSecond: Double
        /// Percent of one core: the daemon's, and the whole machine's (bench clients and Knot included).
        var daemonCPU: Double
        var machineCPU: Double
    }

    /// CPU seconds all cores have spent busy (not idle or waiting for I/O), from /proc/stat.
    static func machineBusySeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return 0 }
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 5 else { return 0 }
        let busy = fields.enumerated().filter { $0.offset != 3 && $0.offset != 4 }.map(\.element).reduce(0, +)
        return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// `clients` threads create domains back to back for `seconds`; `wait` returns how many were created.
    static func create(daemon: DaemonProcess, bits: Int, clients: Int, seconds: Int) -> Creation {
        let creation = Creation()
        let end = Date().addingTimeInterval(TimeInterval(seconds))
        let socket = daemon.socket
        for client in 0..<clients {
            creation.group.enter()
            Thread {
                let http = UnixSocketHTTPClient(socketPath: socket, timeout: 60)
                var number = 0
                while Date() < end {
                    let body = #"{"name": "c\#(client)-\#(number).k\#(bits).create.test", "dkim_key_size": \#(bits)}"#
                    number += 1
                    do {
                        let response = try http.send(HTTPRequest(method: "POST", target: "/domains", body: Data(body.utf8)))
                        creation.record(response.status == 201 ? nil : "\(response.status) \(String(decoding: response.body, as: UTF8.self))")
                    } catch {
                        creation.record("\(error)")
                    }
                }
                creation.group.leave()
            }.start()
        }
        return creation
    }

    final class Creation: @unchecked Sendable {
        let group = DispatchGroup()
        private let lock = NSLock()
        private var created = 0
        private var failure: String?

        func record(_ failure: String?) {
            lock.withLock {
                if let failure { self.failure = self.failure ?? failure } else { created += 1 }
            }
        }

        func wait() throws -> Int {
            group.wait()
            if let failure { throw ValidationError("creating a domain failed: \(failure)") }
            return created
        }
    }
}

extension DaemonProcess {
    /// A cumulative Prometheus histogram read from /metrics.
    struct Histogram {
        var buckets: [(bound: Double, count: Int)]

        /// Observations since `earlier` (both cumulative).
        func since(_ earlier: Histogram) -> Histogram {
            Histogram(buckets: zip(buckets, earlier.buckets).map { ($0.bound, $0.count - $1.count) })
        }

        var total: Int { buckets.last?.count ?? 0 }

        func fractionOver(_ bound: Double) -> Double {
            guard total > 0, let at = buckets.first(where: { $0.bound >= bound }) else { return 0 }
            return Double(total - at.count) / Double(total)
        }

        /// The smallest bucket bound under which `quantile` of the observations fall.
        func quantileBound(_ quantile: Double) -> String {
            guard total > 0 else { return "n/a" }
            let needed = Int((Double(total) * quantile).rounded(.up))
            guard let bucket = buckets.first(where: { $0.count >= needed }) else { return "n/a" }
            return bucket.bound.isInfinite ? "> 60 s" : (bucket.bound < 1 ? "\(Int(bucket.bound * 1000)) ms" : "\(Int(bucket.bound)) s")
        }
    }

    /// The check start delay histogram (`domain_verifier_check_start_delay_seconds`).
    func startDelays() throws -> Histogram {
        let response = try UnixSocketHTTPClient(socketPath: socket, timeout: 30).send(HTTPRequest(method: "GET", target: "/metrics"))
        let prefix = "domain_verifier_check_start_delay_seconds_bucket{le=\""
        let buckets = String(decoding: response.body, as: UTF8.self).split(separator: "\n").compactMap { line -> (Double, Int)? in
            guard line.hasPrefix(prefix), let close = line.firstIndex(of: "}") else { return nil }
            let bound = line[line.index(line.startIndex, offsetBy: prefix.count)..<line.index(close, offsetBy: -1)]
            guard let count = line.split(separator: " ").last.flatMap({ Int($0) }) else { return nil }
            return (bound == "+Inf" ? .infinity : Double(bound) ?? .nan, count)
        }
        return Histogram(buckets: buckets)
    }
}
