// The scheduler (spec §5): one serial queue owns the schedule, one timer is re-armed to the earliest
// due time, checks run up to max_inflight_checks at once, and every status change goes through the
// core's transition function and is committed before it is announced.
import Dispatch
import Foundation
import Logging
import VerifierCore
import VerifierDNS
import VerifierStore

/// What a verify request came to.
public enum VerifyOutcome: Sendable {
    case accepted(Domain)
    case notFound
    /// Too soon after the last one; retry after this many seconds.
    case rateLimited(retryAfter: Int)
    case failed(StoreError)
}

/// A check that finished, with the step it leads to, waiting to be committed.
struct FinishedCheck {
    var domain: Domain
    var result: CheckResult
    var step: VerificationStep
    var next: DueCheck?
    var at: Date
}

/// The schedule's timing settings, replaceable at reload.
public struct SchedulerSettings: Sendable, Equatable {
    public var verification: VerificationPolicy
    public var poll: PollPolicy
    public var maxInflightChecks: Int
    public var verifyMinInterval: TimeInterval
    /// How far ahead the schedule is held in memory; later checks wait in the store's index until
    /// the horizon reaches them, so memory and start-up do not grow with the number of domains.
    public var lookAhead: TimeInterval
    /// At most this many checks are loaded ahead at once: when more fall within `lookAhead` (a
    /// million domains rechecked every 17 minutes), the horizon stops short of it. 600,000 entries
    /// held 160 MB in the soak of `make bench`; 50,000 hold about 15.
    public var lookAheadLimit: Int

    public init(verification: VerificationPolicy, poll: PollPolicy, maxInflightChecks: Int, verifyMinInterval: TimeInterval,
                lookAhead: TimeInterval = 600, lookAheadLimit: Int = 50_000) {
        self.verification = verification
        self.poll = poll
        self.maxInflightChecks = maxInflightChecks
        self.verifyMinInterval = verifyMinInterval
        self.lookAhead = lookAhead
        self.lookAheadLimit = lookAheadLimit
    }

    init(_ configuration: DaemonConfiguration) {
        self.init(verification: configuration.verification, poll: configuration.poll,
                  maxInflightChecks: configuration.maxInflightChecks, verifyMinInterval: configuration.verifyMinInterval)
    }
}

/// Owns the schedule. Every method may be called from any thread; the state lives on `queue`.
public final class Scheduler: @unchecked Sendable {
    /// The serial queue that owns the schedule; the watchdog is fed from it.
    public let queue = DispatchQueue(label: "domain-verifier.scheduler")
    private let store: Store
    private let checker: DomainChecker
    private let clock: any WallClock
    private let logger: Logger
    private let metrics: Metrics
    /// Commits finished checks, one batch after another, so that the schedule's queue never waits
    /// for an fsync: a slow disk, or domain creations holding SQLite's writer, no longer delay the
    /// start of due checks (`make bench`, create part).
    private let storeWriter = DispatchQueue(label: "domain-verifier.scheduler.store")
    /// Batches committed (or failed) on `storeWriter`, waiting to be applied on `queue`.
    private let committed = NSLock()
    private var committedBatches: [(batch: [FinishedCheck], outcome: Result<[Int64?], StoreError>)] = []

    // Owned by `queue`.
    private var settings: SchedulerSettings
    private var random: SeededOrSystemRandom
    private var dueQueue = DueQueue()
    /// Domains with a check running, as they were when it started (kept current by verify).
    private var inFlight: [UUID: Domain] = [:]
    /// Finished checks whose results are not committed yet: written together, in one transaction.
    private var unwritten: [FinishedCheck] = []
    private var flushScheduled = false
    /// Domains whose finished check is being committed: not checked again, nor loaded from the
    /// store's (stale) next-check time, until the commit is applied.
    private var writing = Set<UUID>()
    private var batchesWriting = 0
    /// Since when, and how many, finished checks could not be stored (disk full, read-only): for
    /// the one line that says storing works again.
    private var storeFailingSince: Date?
    private var unstoredChecks = 0
    private var storeFailureLoggedAt = Date.distantPast
    /// Sees the wall clock being set; checked before every decision (`followClock`).
    private var clockWatch: ClockJumpDetector
    /// Domains whose verify arrived while a check ran: one more check follows it.
    private var verifyAfterCheck = Set<UUID>()
    private var lastVerify: [UUID: Date] = [:]
    private var timer: DispatchSourceTimer?
    private var armedAt: Date?
    /// Checks due up to this time are in `dueQueue`; later ones are only in the store.
    private var horizon = Date.distantPast
    /// When the next stretch of the schedule is loaded: halfway to the horizon.
    private var refillAt = Date.distantPast
    /// Whether the last load stopped short of `lookAhead` at `lookAheadLimit` entries.
    private var horizonCapped = false
    private var stopping = false
    private var drained: (() -> Void)?
    /// Told of every committed status change, after it is logged (for STATUS= counts).
    private let onTransition: @Sendable (StatusChange) -> Void

    public init(store: Store, checker: DomainChecker, settings: SchedulerSettings, clock: any WallClock = SystemClock(),
                random: SeededOrSystemRandom = SeededOrSystemRandom(), logger: Logger, metrics: Metrics,
                onTransition: @escaping @Sendable (StatusChange) -> Void = { _ in }) {
        self.onTransition = onTransition
        self.store = store
        self.checker = checker
        self.settings = settings
        self.clock = clock
        self.clockWatch = ClockJumpDetector(clock)
        self.random = random
        self.logger = logger
        self.metrics = metrics
    }

    private var machine: VerificationMachine { VerificationMachine(policy: settings.verification) }
    private var plan: PollPlan { PollPlan(poll: settings.poll, verification: settings.verification) }

    /// Loads the checks due within `lookAhead` from the store: overdue deadlines first and at once,
    /// other overdue checks spread over `startup_spread`. Returns how many were loaded.
    public func start() throws(StoreError) -> Int {
        let startedAt = clock.now()
        // Every overdue check, however many: deadlines among them run at once.
        let overdueEntries = try store.scheduledDomains(through: startedAt)
        return queue.sync {
            let now = clock.now()
            horizon = startedAt
            var overdue = 0
            for entry in overdueEntries {
                overdue += 1
                dueQueue.schedule(entry.id, plan.startupDue(entry.due, deadline: entry.deadlineAt, now: now, random: &random))
            }
            loadAhead(now)
            let scheduled = dueQueue.count
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.setEventHandler { [weak self] in self?.timerFired() }
            timer.resume()
            self.timer = timer
            logger.info("Scheduler started: \(scheduled) checks due within \(DurationText.format(horizon.timeIntervalSince(now))) (\(overdue) overdue).")
            pump()
            return scheduled
        }
    }

    /// Stops starting checks; `completion` runs once in-flight checks have finished or `timeout` passed.
    public func stop(timeout: TimeInterval, completion: @escaping @Sendable (_ abandoned: Int) -> Void) {
        queue.async { [self] in
            stopping = true
            timer?.cancel()
            timer = nil
            settleWrites()
            if inFlight.isEmpty {
                completion(0)
                return
            }
            logger.info("Waiting up to \(DurationText.format(timeout)) for \(inFlight.count) checks in flight.")
            drained = { [self] in
                drained = nil
                completion(0)
            }
            queue.asyncAfter(deadline: .now() + timeout) { [self] in
                guard drained != nil else { return }
                drained = nil
                logger.warning("Abandoned \(inFlight.count) checks still in flight at shutdown; they will run again at start-up.")
                completion(inFlight.count)
            }
        }
    }

    /// Applies new timing settings; due times already planned stay as they are.
    public func update(_ settings: SchedulerSettings) {
        queue.async { [self] in
            self.settings = settings
            pump()
        }
    }

    /// Checks in flight and the next due time.
    public func snapshot() -> (inFlight: Int, scheduled: Int, nextDue: Date?) {
        queue.sync { (inFlight.count, dueQueue.count, dueQueue.earliest()) }
    }

    /// Starts or re-runs verification of a domain (spec §4, §5): rate-limited, coalesced with a check
    /// in flight, and audited.
    public func verify(_ id: UUID, audit: AuditEntry, completion: @escaping @Sendable (VerifyOutcome) -> Void) {
        queue.async { [self] in
            followClock()
            let now = clock.now()
            if let retry = VerifyRateLimit(minInterval: settings.verifyMinInterval).retryAfter(lastAcceptedAt: lastVerify[id], now: now) {
                completion(.rateLimited(retryAfter: retry))
                return
            }
            // A result waiting to be written would make the stored state stale.
            settleWrites()
            do {
                guard let domain = try store.domain(id: id) else {
                    completion(.notFound)
                    return
                }
                lastVerify[id] = now
                let step = machine.step(domain.state, .verifyRequested, now: now)
                inFlight[id]?.state = step.state
                if let change = step.transition {
                    let next = DueCheck(at: now, reason: .verify)
                    try store.applyUpdate(domainID: id, update: StateUpdate(state: step.state, transition: change, nextCheck: next, at: now), audit: audit)
                    announce(domain, change, checkID: nil)
                } else {
                    try store.appendAudit(audit)
                }
                if inFlight[id] != nil {
                    verifyAfterCheck.insert(id)
                } else {
                    dueQueue.schedule(id, DueCheck(at: now, reason: .verify))
                    pump()
                }
                completion(.accepted(try store.domain(id: id) ?? domain))
            } catch let error as StoreError {
                logger.error("Verify of \(id) could not be stored: \(error.message)")
                completion(.failed(error))
            } catch {
                completion(.failed(StoreError(.other, "\(error)")))
            }
        }
    }

    /// Forgets a deleted domain; a check of it still in flight is dropped when it finishes.
    public func removed(_ id: UUID) {
        queue.async { [self] in
            dueQueue.schedule(id, nil)
            verifyAfterCheck.remove(id)
            lastVerify[id] = nil
        }
    }

    // MARK: On the queue

    /// Whether another check may start: at most `max_inflight_checks` running, and at most four
    /// times as many finished results waiting to be committed. While the store is held (a RESTART
    /// checkpoint copying the WAL into a large file, a slow disk), results had piled up in memory
    /// behind the writer: a million-domain soak at 1,000 checks/s settled at 166–174 MB, and at
    /// 71–80 MB with the backlog bounded. Four times leaves room for the commit pipeline of a busy
    /// daemon (2,050 checks/s with 256 in flight, as without the bound).
    private var hasRoom: Bool {
        inFlight.count < settings.maxInflightChecks && unwritten.count + writing.count < 4 * settings.maxInflightChecks
    }

    /// The longest the timer sleeps, whatever is due.
    static let longestSleep: TimeInterval = 60

    /// Before every decision: when the wall clock was set (by hand, or a first NTP step), every
    /// window still open and every planned check moves with it, in the store and in memory, so
    /// that windows keep their length in real time. A clock set forward by three days would
    /// otherwise fail every pending domain at once, one set back would hold every deadline back
    /// as long. Downtime is no jump: a restart applies what passed meanwhile (spec §4).
    private func followClock() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let jump = clockWatch.jump(clock) else { return }
        settleWrites()
        let windows: Int
        do {
            windows = try store.shiftOpenTimes(by: jump)
        } catch {
            // Nothing moved: the jump is seen again at the next decision and moved then.
            clockWatch.revert(jump)
            logger.error("The wall clock was set \(Self.describe(jump)), but the open windows could not be moved: \(error.message); trying again at the next check.")
            return
        }
        dueQueue.shift(by: jump)
        horizon = horizon + jump
        refillAt = refillAt + jump
        armedAt = nil
        for (id, domain) in inFlight {
            var moved = domain
            moved.state = domain.state.shifted(by: jump)
            inFlight[id] = moved
        }
        for (id, at) in lastVerify { lastVerify[id] = at + jump }
        metrics.clockJumped()
        logger.warning("The wall clock was set \(Self.describe(jump)); \(windows) open windows and every planned check moved with it, so that no domain fails early and no deadline is lost.", metadata: [
            "message_id": "\(Self.clockJumpMessageID)", "clock_jump_seconds": "\(Int(jump.rounded()))",
        ])
    }

    /// journald's MESSAGE_ID of the clock-jump entry (`journalctl MESSAGE_ID=…`).
    static let clockJumpMessageID = "3c2f7e0b9d8a4f1e8b6a5d4c3b2a1f09"

    private static func describe(_ jump: TimeInterval) -> String {
        "\(jump > 0 ? "forward" : "back") by \(DurationText.format(abs(jump).rounded()))"
    }

    private func timerFired() {
        armedAt = nil
        pump()
    }

    /// Starts every due check there is room for, then re-arms the timer to the earliest due time.
    private func pump() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !stopping else { return }
        followClock()
        let now = clock.now()
        if now >= refillAt, !horizonCapped || dueQueue.count < settings.lookAheadLimit / 2 { loadAhead(now) }
        while hasRoom, let (id, due) = dueQueue.popDue(now: now) {
            startCheck(id, due: due, now: now)
        }
        arm()
    }

    /// Loads the checks due between the horizon and `lookAhead` from now, at most `lookAheadLimit`
    /// of them, and moves the horizon to what was loaded.
    private func loadAhead(_ now: Date) {
        let target = now + settings.lookAhead
        let limit = settings.lookAheadLimit
        do {
            var entries = try store.scheduledDomains(through: target, after: horizon, limit: limit + 1)
            var newHorizon = target
            horizonCapped = entries.count > limit
            if horizonCapped, let first = entries.first {
                // Hold what is due before the first entry left out; those due at its time wait for
                // the next stretch, so the store's range picks up exactly where memory ends.
                let cut = entries[limit].due.at
                if cut > first.due.at {
                    newHorizon = cut - 0.001
                    entries.removeAll { $0.due.at >= cut }
                } else {
                    // All at one time: hold every check due then, however many.
                    newHorizon = cut
                    entries = try store.scheduledDomains(through: cut, after: horizon)
                }
            }
            // A domain already planned in memory (a verify, a retry) keeps that plan.
            for entry in entries where inFlight[entry.id] == nil && !writing.contains(entry.id) && dueQueue.due(entry.id) == nil {
                dueQueue.schedule(entry.id, entry.due)
            }
            horizon = max(horizon, newHorizon)
            refillAt = horizonCapped ? now + max(0, horizon.timeIntervalSince(now)) / 2 : horizon - settings.lookAhead / 2
        } catch {
            logger.error("Cannot load the next checks from the store: \(error.message); trying again at the next wake-up.")
        }
    }

    /// Plans a domain's next check: in memory when it falls before the horizon, else the store's
    /// copy (already written) is loaded when the horizon reaches it.
    private func planNext(_ id: UUID, _ due: DueCheck?) {
        if let due, due.at <= horizon {
            dueQueue.schedule(id, due)
        } else {
            dueQueue.schedule(id, nil)
        }
    }

    private func arm() {
        guard let timer else { return }
        // Wake for the next due check, or to load the next stretch of the schedule, whichever is first.
        // A capped horizon with a full queue reloads when checks have drained it (pump runs then).
        let refill = horizonCapped && dueQueue.count >= settings.lookAheadLimit / 2 ? nil : refillAt
        let due = hasRoom ? dueQueue.earliest() : nil
        guard let next = [due, refill].compactMap({ $0 }).min() else { return }
        // A wake at least once a minute: a jump of the wall clock is followed within a minute even
        // when nothing is due, and a suspended machine catches up within a minute of resuming.
        let now = clock.now()
        let wake = min(next, now + Self.longestSleep)
        if armedAt == wake { return }
        armedAt = wake
        // Due times are wall-clock times, but the timer counts on the monotonic clock: a wall
        // clock set back must not hold it (a deadline lost for as long), nor one set forward fire
        // it early; `followClock` moves the due times instead.
        let delay = max(0, wake.timeIntervalSince(now))
        timer.schedule(deadline: .now() + .nanoseconds(Int(delay * 1e9)), leeway: .milliseconds(5))
    }

    private func startCheck(_ id: UUID, due: DueCheck, now: Date) {
        let domain: Domain
        do {
            guard let found = try store.domain(id: id) else { return }
            domain = found
        } catch {
            logger.error("Cannot read domain \(id) for its check: \(error.message); retrying in 30s.")
            dueQueue.schedule(id, DueCheck(at: now + 30, reason: due.reason))
            return
        }
        var reason = due.reason
        if domain.state.isPastDeadline(now) {
            let step = machine.step(domain.state, .deadlineReached, now: now)
            if case let .runCheck(checkReason)? = step.actions.first { reason = checkReason }
        }
        guard domain.status != .notStarted && domain.status != .failed else { return }
        inFlight[id] = domain
        metrics.checkStarted(lateBy: now.timeIntervalSince(due.at))
        let target = CheckTarget(domain: domain.name, records: domain.records.map(\.spec))
        checker.check(target, reason: reason, startedAt: now) { [self] result in
            queue.async { self.checkFinished(id, result) }
        }
    }

    private func checkFinished(_ id: UUID, _ result: CheckResult) {
        metrics.checkFinished(result)
        followClock()
        guard let domain = inFlight.removeValue(forKey: id) else { return }
        let now = clock.now()
        let step = machine.step(domain.state, .checkCompleted(result.summary), now: now)
        var next = plan.nextCheck(step.state, now: now, random: &random)
        if case let .runCheck(reason)? = step.actions.first(where: { if case .runCheck = $0 { true } else { false } }) {
            next = DueCheck(at: now, reason: reason)
        }
        if verifyAfterCheck.remove(id) != nil, next != nil { next = DueCheck(at: now, reason: .verify) }
        unwritten.append(FinishedCheck(domain: domain, result: result, step: step, next: next, at: now))
        // Results that arrive together are written together: the flush runs after what is queued now.
        if !flushScheduled {
            flushScheduled = true
            queue.async { [self] in
                // When stopping, every result is committed before the daemon may exit.
                if stopping { settleWrites() } else { flush() }
                if stopping, inFlight.isEmpty { drained?() }
                pump()
            }
        }
    }

    /// Hands the finished checks to `storeWriter`, to be committed in one transaction (one fsync for
    /// all of them); `applyCommitted` then announces their status changes and plans their next checks.
    private func flush() {
        flushScheduled = false
        guard !unwritten.isEmpty else { return }
        let batch = unwritten
        unwritten = []
        for item in batch { writing.insert(item.domain.id) }
        batchesWriting += 1
        storeWriter.async { [self] in
            let began = DispatchTime.now()
            let outcome = Result { () throws(StoreError) -> [Int64?] in
                try store.recordChecks(batch.map { item in
                    (item.domain.id, item.result, StateUpdate(state: item.step.state, transition: item.step.transition, nextCheck: item.next, at: item.at))
                })
            }
            metrics.storeCommitted(seconds: Double(DispatchTime.now().uptimeNanoseconds - began.uptimeNanoseconds) / 1e9)
            committed.withLock { committedBatches.append((batch, outcome)) }
            queue.async { [self] in
                applyCommitted()
                if stopping, inFlight.isEmpty, batchesWriting == 0 { drained?() }
                pump()
            }
        }
    }

    /// Flushes, waits until every batch handed over is committed or failed, and applies them: for
    /// a verify, which must read the state every check so far led to, and at shutdown.
    private func settleWrites() {
        flush()
        storeWriter.sync {}
        applyCommitted()
    }

    /// Applies committed batches in the order they were committed.
    private func applyCommitted() {
        dispatchPrecondition(condition: .onQueue(queue))
        let batches = committed.withLock { () -> [(batch: [FinishedCheck], outcome: Result<[Int64?], StoreError>)] in
            defer { committedBatches = [] }
            return committedBatches
        }
        for (batch, outcome) in batches {
            batchesWriting -= 1
            for item in batch { writing.remove(item.domain.id) }
            switch outcome {
            case let .success(checkIDs):
                if let since = storeFailingSince {
                    logger.notice("Storing checks works again after \(Int(clock.now().timeIntervalSince(since).rounded())) s; \(unstoredChecks) checks that could not be stored were run again.")
                    storeFailingSince = nil
                    unstoredChecks = 0
                }
                for (item, checkID) in zip(batch, checkIDs) {
                    // A domain deleted while its check ran: nothing was written for it.
                    guard let checkID else { continue }
                    logCheck(item.domain, item.result, checkID: checkID)
                    if let change = item.step.transition { announce(item.domain, change, checkID: checkID, result: item.result) }
                    planNext(item.domain.id, item.next)
                }
            case let .failure(error):
                // Nothing was committed: the checks run again, and no transition is lost or invented.
                // Each when it was due next anyway, but 1 to 30 s away: soon enough to notice space
                // coming back, never a loop of checks that cannot be stored.
                // The first failure, then one line a minute while it lasts: a full disk under a
                // million domains fails several batches a second.
                let now = clock.now()
                if storeFailingSince == nil || now.timeIntervalSince(storeFailureLoggedAt) >= 60 {
                    let so = storeFailingSince.map { "; \(unstoredChecks) checks not stored since \(Int(now.timeIntervalSince($0).rounded())) s ago" } ?? ""
                    // The message names the operation ("storing 3 checks failed: the disk … is full").
                    logger.error("\(error.message.prefix(1).uppercased() + error.message.dropFirst()); they run again within 30 s\(so).")
                    storeFailureLoggedAt = now
                }
                metrics.storeFailed(checks: batch.count)
                if storeFailingSince == nil { storeFailingSince = batch.first?.at ?? now }
                unstoredChecks += batch.count
                for item in batch {
                    let planned = item.next?.at ?? item.at + 30
                    let retry = max(item.at + 1, min(planned, item.at + 30))
                    dueQueue.schedule(item.domain.id, DueCheck(at: retry, reason: item.result.reason))
                }
            }
        }
    }

    private func logCheck(_ domain: Domain, _ result: CheckResult, checkID: Int64) {
        let summary = result.records.map { "\($0.kind.rawValue) \($0.outcome.rawValue)" }.joined(separator: ", ")
        logger.debug("Checked \(domain.name) in \(Int((result.duration * 1000).rounded())) ms: \(summary).", metadata: [
            "domain": "\(domain.name)", "domain_id": "\(domain.id.uuidString.lowercased())", "check_id": "\(checkID)",
            "status": "\(domain.status.rawValue)",
        ])
        for judgement in result.records where judgement.outcome != .match {
            logRecord(domain, judgement, checkID: checkID, level: .debug)
        }
    }

    /// One entry for one record's outcome, with the RECORD and OUTCOME fields journald indexes.
    private func logRecord(_ domain: Domain, _ judgement: RecordJudgement, checkID: Int64, level: Logger.Level) {
        let spec = domain.records.first { $0.spec.kind == judgement.kind }?.spec
        let name = spec.map { "\($0.kind.family) \($0.type.rawValue) \($0.fqdn)" } ?? judgement.kind.rawValue
        logger.log(level: level, "Record \(name) of \(domain.name): \(judgement.outcome.rawValue)\(judgement.detail.map { " (\($0))" } ?? "").", metadata: [
            "domain": "\(domain.name)", "domain_id": "\(domain.id.uuidString.lowercased())", "check_id": "\(checkID)",
            "record": "\(judgement.kind.rawValue)", "outcome": "\(judgement.outcome.rawValue)",
        ])
    }

    /// Logs a committed status change, with the fields journald indexes.
    private func announce(_ domain: Domain, _ change: StatusChange, checkID: Int64?, result: CheckResult? = nil) {
        metrics.transition(to: change.to)
        var metadata: Logger.Metadata = [
            "domain": "\(domain.name)", "domain_id": "\(domain.id.uuidString.lowercased())",
            "status": "\(change.to.rawValue)", "previous_status": "\(change.from.rawValue)",
            "message_id": "\(Self.transitionMessageID)",
        ]
        if let checkID { metadata["check_id"] = "\(checkID)" }
        let level: Logger.Level = change.to == .failed || change.to == .temporaryFailure ? .warning : .notice
        logger.log(level: level, "Domain \(domain.name) is now \(change.to.rawValue) (was \(change.from.rawValue)): \(change.reason).", metadata: metadata)
        // The records behind a demotion, one entry each, so `journalctl RECORD=… OUTCOME=…` finds them.
        if let result, let checkID, change.to == .temporaryFailure || change.to == .failed {
            for judgement in result.records where judgement.kind.isRequired && judgement.outcome != .match {
                logRecord(domain, judgement, checkID: checkID, level: level)
            }
        }
        onTransition(change)
    }

    /// The journal MESSAGE_ID of status transitions (see systemd/domain-verifier.catalog).
    public static let transitionMessageID = "6a1b3c5d7e9f4a2b8c0d1e3f5a7b9c2d"
}
