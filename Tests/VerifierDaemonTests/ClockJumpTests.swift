// The wall clock set forward or back while the daemon runs: no domain fails early, no deadline is
// lost. A real store, libunbound and Knot; only the wall clock is injected (it jumps, uptime does not).
import Foundation
import Logging
import Testing
import TestSupport
import VerifierCore
import VerifierDNS
import VerifierKeys
import VerifierStore
@testable import VerifierDaemon

/// The system's clock plus an offset that the test changes at once: a clock being set.
final class JumpingClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var offset: TimeInterval = 0
    func now() -> Date { Date() + lock.withLock { offset } }
    func uptime() -> TimeInterval { SystemClock().uptime() }
    func set(by seconds: TimeInterval) { lock.withLock { offset += seconds } }
}

/// A clock the test moves by hand, wall and uptime apart.
final class HandClock: WallClock, @unchecked Sendable {
    var wall = Date(timeIntervalSince1970: 1_800_000_000)
    var boot: TimeInterval = 1000
    func now() -> Date { wall }
    func uptime() -> TimeInterval { boot }
    func elapse(_ seconds: TimeInterval) {
        wall += seconds
        boot += seconds
    }
}

@Suite struct ClockJumpDetectorTests {
    @Test func timePassing_isNoJump_aSetClockIs_andSlewingNeverIs() throws {
        let clock = HandClock()
        var detector = ClockJumpDetector(clock)
        clock.elapse(3600)
        #expect(detector.jump(clock) == nil)
        // NTP slewing at its fastest, 0.5 ms a second, for a day: followed, never a jump.
        for _ in 0..<86_400 {
            clock.elapse(1)
            clock.wall += 0.0005
            #expect(detector.jump(clock) == nil)
        }
        clock.wall += 3 * 86_400
        #expect(abs((detector.jump(clock) ?? 0) - 3 * 86_400) < 0.01)
        #expect(detector.jump(clock) == nil, "reported once")
        clock.wall -= 7200
        #expect(abs((detector.jump(clock) ?? 0) + 7200) < 0.01)
        clock.wall -= 30
        let reported = detector.jump(clock)
        let jump = try #require(reported)
        #expect(abs(jump + 30) < 0.01)
        detector.revert(jump)
        #expect(detector.jump(clock) == jump, "a jump that could not be handled is reported again")
    }

    @Test func shiftedState_movesWhatDecidesTheFuture_andKeepsWhatHappened() {
        let t = Date(timeIntervalSince1970: 1_800_000_000)
        let pending = VerificationState(status: .pending, windowStartedAt: t, deadlineAt: t + 100, lastCheckedAt: t + 5, checksInWindow: 2)
        let moved = pending.shifted(by: 50)
        #expect(moved.windowStartedAt == t + 50 && moved.deadlineAt == t + 150)
        #expect(moved.lastCheckedAt == t + 5 && moved.checksInWindow == 2)
        let verified = VerificationState(status: .verified, firstMissAt: t, dnsErrorSince: t + 1, verifiedAt: t - 10)
        let movedBack = verified.shifted(by: -20)
        #expect(movedBack.firstMissAt == t - 20 && movedBack.dnsErrorSince == t - 19 && movedBack.verifiedAt == t - 10)
        let failed = VerificationState(status: .failed, windowStartedAt: t, deadlineAt: t + 100)
        #expect(failed.shifted(by: 50) == failed, "a failed domain's deadline is history")
    }
}

@Suite struct ClockJumpTests {
    /// Knot publishing DKIM for a key the domain does not have: every check of it misses, so it
    /// stays pending until its deadline.
    private func pendingDomain(deadlineIn seconds: TimeInterval, clock: any WallClock) throws -> (KnotServer, Store, UUID, TemporaryDirectory) {
        let published = try DKIMKeyPair.generate(bits: 1024)
        let own = try DKIMKeyPair.generate(bits: 1024)
        let knot = try KnotServer(zones: [
            "jump.test": """
                *.jump.test. TXT \(KnotServer.txt("p=\(published.publicKeyBase64)"))
                *.jump.test. TXT "v=spf1 include:amazonses.com ~all"
                *.jump.test. MX 10 feedback-smtp.us-east-1.amazonses.com.
                """,
        ])
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.path + "/db.sqlite")
        let now = clock.now()
        let state = VerificationState(status: .pending, windowStartedAt: now, deadlineAt: now + seconds)
        let id = try store.addDomain("p.jump.test", key: own, state: state, next: DueCheck(at: now, reason: .verify), at: now)
        return (knot, store, id, directory)
    }

    private func scheduler(_ store: Store, _ knot: KnotServer, clock: any WallClock, timeout: TimeInterval,
                           metrics: Metrics) throws -> (Scheduler, UnboundResolver) {
        let resolver = try UnboundResolver(configuration: ResolverConfiguration(mode: .forward, servers: [knot.address], timeout: 2,
                                                                                cacheMaxTTL: 0, cacheMaxNegativeTTL: 0))
        let settings = SchedulerSettings(verification: VerificationPolicy(pendingTimeout: timeout),
                                         poll: PollPolicy(pendingIntervals: [0.5], startupSpread: 0, jitter: 0),
                                         maxInflightChecks: 8, verifyMinInterval: 0)
        let scheduler = Scheduler(store: store, checker: DomainChecker(resolver: resolver), settings: settings, clock: clock,
                                  logger: Logger(label: "test"), metrics: metrics)
        return (scheduler, resolver)
    }

    /// Polls the store (each check is its own commit) until `done` holds or `seconds` pass.
    private func waitFor(_ store: Store, _ id: UUID, within seconds: TimeInterval, _ done: (Domain) -> Bool) async throws -> Domain {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while true {
            let domain = try #require(try store.domain(id: id))
            if done(domain) || Date() > deadline { return domain }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func clockSetForwardThreeDays_failsNoDomainEarly() async throws {
        let clock = JumpingClock()
        let (knot, store, id, directory) = try pendingDomain(deadlineIn: 60, clock: clock)
        defer { knot.stop() }
        _ = directory
        let metrics = Metrics()
        let (scheduler, resolver) = try scheduler(store, knot, clock: clock, timeout: 60, metrics: metrics)
        _ = try scheduler.start()
        let before = try await waitFor(store, id, within: 10) { $0.state.checksInWindow >= 1 }
        #expect(before.status == .pending && before.state.checksInWindow >= 1, "checked once, missing")

        clock.set(by: 3 * 86_400)
        let after = try await waitFor(store, id, within: 10) { $0.state.checksInWindow >= before.state.checksInWindow + 3 || $0.status != .pending }
        #expect(after.status == .pending, "failed 60 s into a 60 s window because the clock was set 3 days forward")
        #expect(after.state.checksInWindow >= before.state.checksInWindow + 3)
        let moved = try #require(after.state.deadlineAt?.timeIntervalSince(before.state.deadlineAt ?? .distantPast))
        #expect(abs(moved - 3 * 86_400) < 1, "the deadline moved \(moved) s")
        #expect(metrics.render(domains: [:], inFlight: 0, scheduled: 0, uptime: 0).contains("domain_verifier_clock_jumps_total 1"))
        await withCheckedContinuation { continuation in scheduler.stop(timeout: 5) { _ in continuation.resume() } }
        resolver.close()
        try store.close()
    }

    @Test func clockSetBackADay_losesNoDeadline() async throws {
        let clock = JumpingClock()
        let window: TimeInterval = 5
        let (knot, store, id, directory) = try pendingDomain(deadlineIn: window, clock: clock)
        defer { knot.stop() }
        _ = directory
        let before = try #require(try store.domain(id: id))
        let (scheduler, resolver) = try scheduler(store, knot, clock: clock, timeout: window, metrics: Metrics())
        let started = Date()
        _ = try scheduler.start()
        // Set back at once, long before the window ends (a slow machine must not see it end first).
        clock.set(by: -86_400)

        // The window keeps its 5 s in real time: failed about 5 s after the start, not a day later.
        let after = try await waitFor(store, id, within: 30) { $0.status == .failed }
        let took = Date().timeIntervalSince(started)
        #expect(after.status == .failed, "still \(after.status) 30 s into a 5 s window after the clock was set a day back")
        #expect(took >= window - 0.5, "failed \(took) s into a \(window) s window")
        let moved = try #require(after.state.deadlineAt?.timeIntervalSince(before.state.deadlineAt ?? .distantFuture))
        #expect(abs(moved + 86_400) < 1, "the deadline moved \(moved) s")
        await withCheckedContinuation { continuation in scheduler.stop(timeout: 5) { _ in continuation.resume() } }
        resolver.close()
        try store.close()
    }
}
