// The scheduler with a real store, libunbound and Knot: checks beyond the look-ahead horizon still run.
import Foundation
import Logging
import Testing
import TestSupport
import VerifierCore
import VerifierDNS
import VerifierKeys
import VerifierStore
@testable import VerifierDaemon

@Suite struct SchedulerTests {
    /// Knot serving complete records for every name under sched.test (wildcards), and a store of
    /// verified domains whose next checks are due at the times given.
    private func fixture(_ dues: [TimeInterval]) throws -> (KnotServer, Store, [UUID], TemporaryDirectory) {
        let key = try DKIMKeyPair.generate(bits: 1024)
        let knot = try KnotServer(zones: [
            "sched.test": """
                *.sched.test. TXT \(KnotServer.txt("p=\(key.publicKeyBase64)"))
                *.sched.test. TXT "v=spf1 include:amazonses.com ~all"
                *.sched.test. MX 10 feedback-smtp.us-east-1.amazonses.com.
                """,
        ])
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.path + "/db.sqlite")
        let now = Date()
        var ids: [UUID] = []
        for (index, due) in dues.enumerated() {
            let state = VerificationState(status: .verified, lastCheckedAt: now, lastMatchedAt: now, verifiedAt: now)
            ids.append(try store.addDomain("d\(index).sched.test", key: key, state: state,
                                           next: DueCheck(at: now + due, reason: .scheduled), at: now))
        }
        return (knot, store, ids, directory)
    }

    private func lastChecked(_ store: Store, _ id: UUID) throws -> Date? {
        try store.domain(id: id)?.state.lastCheckedAt
    }

    @Test func checksDueBeyondTheLookAhead_areLoadedWhenTheHorizonReachesThem() async throws {
        let (knot, store, ids, directory) = try fixture([0, 2.5])
        defer { knot.stop() }
        _ = directory
        let before = try #require(try lastChecked(store, ids[1]))
        let resolver = try UnboundResolver(configuration: ResolverConfiguration(mode: .forward, servers: [knot.address], timeout: 2,
                                                                                cacheMaxTTL: 0, cacheMaxNegativeTTL: 0))
        let settings = SchedulerSettings(verification: VerificationPolicy(), poll: PollPolicy(recheckInterval: 3600, startupSpread: 0),
                                         maxInflightChecks: 8, verifyMinInterval: 0, lookAhead: 1)
        let metrics = Metrics()
        let scheduler = Scheduler(store: store, checker: DomainChecker(resolver: resolver), settings: settings,
                                  logger: Logger(label: "test"), metrics: metrics)
        // Only the domain due now is within the first horizon of 1 s.
        #expect(try scheduler.start() == 1)
        let deadline = Date().addingTimeInterval(15)
        var checked: Date?
        while Date() < deadline {
            if let last = try lastChecked(store, ids[1]), last > before {
                checked = last
                break
            }
            try await Task.sleep(for: .milliseconds(100))  // polling the store: the check is its own event
        }
        #expect(checked != nil, "the domain due in 2.5 s, beyond the 1 s horizon, was never checked")
        #expect(try lastChecked(store, ids[0]).map { $0 > before } == true, "the domain due at once was checked")
        #expect(scheduler.snapshot().scheduled <= 1, "checks due in an hour are not held in memory")
        await withCheckedContinuation { continuation in scheduler.stop(timeout: 5) { _ in continuation.resume() } }
        // Both checks were committed, in one batch or two, and each commit was timed.
        #expect((1...2).contains(counter(metrics, "domain_verifier_store_commit_seconds_count")))
        resolver.close()
        try store.close()
    }

    @Test func moreChecksDueThanTheLookAheadLimit_areHeldAFewAtATime_andAllRun() async throws {
        // Twelve checks due over the next 3 s, two of them at the same moment; at most 4 held at once.
        let dues: [TimeInterval] = [0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 1.4, 1.6, 1.8, 2.2, 2.6, 3.0]
        let (knot, store, ids, directory) = try fixture(dues)
        defer { knot.stop() }
        _ = directory
        let before = try ids.map { try #require(try lastChecked(store, $0)) }
        let resolver = try UnboundResolver(configuration: ResolverConfiguration(mode: .forward, servers: [knot.address], timeout: 2,
                                                                                cacheMaxTTL: 0, cacheMaxNegativeTTL: 0))
        let settings = SchedulerSettings(verification: VerificationPolicy(), poll: PollPolicy(recheckInterval: 3600, startupSpread: 0),
                                         maxInflightChecks: 8, verifyMinInterval: 0, lookAhead: 600, lookAheadLimit: 4)
        let scheduler = Scheduler(store: store, checker: DomainChecker(resolver: resolver), settings: settings,
                                  logger: Logger(label: "test"), metrics: Metrics())
        #expect(try scheduler.start() <= 5, "the first stretch holds at most the limit (or one due time's worth)")
        var mostHeld = 0
        let deadline = Date().addingTimeInterval(20)
        var unchecked = ids.indices.map { $0 }
        while Date() < deadline, !unchecked.isEmpty {
            mostHeld = max(mostHeld, scheduler.snapshot().scheduled)
            unchecked = try unchecked.filter { index in try lastChecked(store, ids[index]).map { $0 <= before[index] } ?? true }
            try await Task.sleep(for: .milliseconds(50))  // polling the store: each check is its own event
        }
        #expect(unchecked.isEmpty, "never checked: \(unchecked.map { dues[$0] })")
        #expect(mostHeld <= 5, "held \(mostHeld) checks at once with a limit of 4")
        await withCheckedContinuation { continuation in scheduler.stop(timeout: 5) { _ in continuation.resume() } }
        resolver.close()
        try store.close()
    }

    /// Checks started so far, from the scheduler's start-delay histogram.
    private func started(_ metrics: Metrics) -> Int { counter(metrics, "domain_verifier_check_start_delay_seconds_count") }

    /// Checks whose results could not be stored.
    private func storeFailures(_ metrics: Metrics) -> Int { counter(metrics, "domain_verifier_store_failures_total") }

    private func counter(_ metrics: Metrics, _ name: String) -> Int {
        let text = metrics.render(domains: [:], inFlight: 0, scheduled: 0, uptime: 0)
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? -1
    }

    @Test func resultsWaitingForTheStore_countAgainstMaxInflight() async throws {
        // Forty checks due at once, four at a time, while another process holds SQLite's write
        // lock for 3 s: finished results cannot be committed, and once 16 (four times four) wait,
        // no more checks start (they had piled up behind the writer: 100 MB at a million domains).
        let (knot, store, _, directory) = try fixture(Array(repeating: 0, count: 40))
        defer { knot.stop() }
        let marker = directory.path + "/locked"
        let release = directory.path + "/release"
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = ["-c", """
            import os, sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
            c.execute("BEGIN IMMEDIATE")
            open(sys.argv[2], "w").close()
            deadline = time.time() + 30
            while not os.path.exists(sys.argv[3]) and time.time() < deadline:
                time.sleep(0.02)
            c.execute("COMMIT")
            """, directory.path + "/db.sqlite", marker, release]
        try holder.run()
        defer { holder.waitUntilExit() }
        while !FileManager.default.fileExists(atPath: marker) { try await Task.sleep(for: .milliseconds(20)) }

        let resolver = try UnboundResolver(configuration: ResolverConfiguration(mode: .forward, servers: [knot.address], timeout: 2,
                                                                                cacheMaxTTL: 0, cacheMaxNegativeTTL: 0))
        let settings = SchedulerSettings(verification: VerificationPolicy(), poll: PollPolicy(recheckInterval: 3600, startupSpread: 0),
                                         maxInflightChecks: 4, verifyMinInterval: 0)
        let metrics = Metrics()
        let scheduler = Scheduler(store: store, checker: DomainChecker(resolver: resolver), settings: settings,
                                  logger: Logger(label: "test"), metrics: metrics)
        _ = try scheduler.start()
        // While the lock is held (a check against Knot takes milliseconds): 16 waiting, 4 running.
        var most = 0
        let lockEnds = Date().addingTimeInterval(1.5)
        while Date() < lockEnds {
            most = max(most, started(metrics))
            try await Task.sleep(for: .milliseconds(50))  // sampling: what must not happen has no event
        }
        // A commit that waited past the store's busy timeout (5 s, on a loaded machine) fails and
        // frees its place for a rerun: each such check may start once more.
        let failed = storeFailures(metrics)
        _ = FileManager.default.createFile(atPath: release, contents: nil)
        #expect(most <= 20 + failed, "\(most) checks started while the results of the first ones could not be stored (\(failed) failed)")
        // Once the lock is gone, every domain is checked.
        let deadline = Date().addingTimeInterval(20)
        while started(metrics) < 40, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(started(metrics) >= 40)
        await withCheckedContinuation { continuation in scheduler.stop(timeout: 5) { _ in continuation.resume() } }
        resolver.close()
        try store.close()
    }
}
