// Composition: start in order (store, resolver, scheduler, socket), stop in reverse, reload on request.
import Dispatch
import Foundation
import Logging
import VerifierAPI
import VerifierAPIModels
import VerifierCore
import VerifierDNS
import VerifierNames
import VerifierStore
import VerifierSystemd

/// Why the daemon could not start; printed as is and the process exits non-zero.
public struct StartupError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The running daemon.
public final class Daemon: @unchecked Sendable {
    private let configPath: String?
    private let configRequired: Bool
    private let flags: [String: [String]]
    private let logger: Logger
    private let configuration: ConfigurationBox
    private let clock: any WallClock
    private let metrics = Metrics()
    private let reloadLock = NSLock()

    private var store: Store?
    private var resolver: UnboundResolver?
    private var scheduler: Scheduler?
    private var server: AdminServer?
    private var signalSources: [DispatchSourceSignal] = []
    private var pruneTimer: DispatchSourceTimer?

    /// READY, STATUS, WATCHDOG, RELOADING and STOPPING; silent when systemd does not run the daemon.
    private let systemd = SystemdNotifier()
    private var counts: StatusCounts?

    public init(configuration: DaemonConfiguration, configPath: String?, configRequired: Bool, flags: [String: [String]],
                logger: Logger, clock: any WallClock = SystemClock()) {
        self.configuration = ConfigurationBox(configuration)
        self.configPath = configPath
        self.configRequired = configRequired
        self.flags = flags
        self.logger = logger
        self.clock = clock
    }

    /// Starts everything, in order. When it returns, the socket accepts requests and checks run.
    public func start(inheritedSocket: Int32? = nil) throws {
        let config = configuration.current
        // Everything the daemon creates is private unless it says otherwise (the socket becomes 0660).
        umask(0o077)
        try makeStateDirectory(config.stateDirectory)
        let store: Store
        do {
            store = try Store(path: config.databasePath)
        } catch {
            throw StartupError("cannot open the database: \(error.message)")
        }
        self.store = store
        let counts: StatusCounts
        do {
            counts = StatusCounts(try store.countsByStatus()) { [systemd] line in systemd.status(line) }
        } catch {
            throw StartupError("cannot count the domains: \(error.message)")
        }
        self.counts = counts
        let resolver: UnboundResolver
        do {
            resolver = try UnboundResolver(configuration: config.effectiveResolver)
        } catch {
            throw StartupError("cannot set up DNS resolution: \(error.message)")
        }
        self.resolver = resolver
        let scheduler = Scheduler(store: store, checker: DomainChecker(resolver: resolver), settings: SchedulerSettings(config),
                                  clock: clock, logger: logger, metrics: metrics, onTransition: counts.transition)
        self.scheduler = scheduler
        let scheduled: Int
        do {
            scheduled = try scheduler.start()
        } catch {
            throw StartupError("cannot load the schedule: \(error.message)")
        }
        let names = SystemNameServices()
        let service = DomainService(store: store, scheduler: scheduler, configuration: configuration, names: names,
                                    counts: counts, logger: logger, clock: clock)
        let router = AdminRoutes.router(service: service, metrics: metrics) { [weak self] request in
            self?.reloadFromRequest(request) ?? .error(APIError(.serviceUnavailable, "the daemon is stopping"))
        }
        let server = AdminServer(
            router: { router },
            access: { [configuration] peer in AccessPolicy(writeGroup: configuration.current.writeGroup).mayWrite(peer) },
            logger: logger,
            onResponse: { [metrics] status in metrics.request(status: status) })
        let socketPath = config.socketPath ?? DaemonConfiguration.defaultSocketPath
        do {
            if let inheritedSocket {
                try server.start(.inherited(inheritedSocket))
            } else {
                try server.start(.path(socketPath, group: config.socketGroup))
            }
        } catch {
            throw StartupError("cannot serve the admin socket: \(error)")
        }
        self.server = server
        startPruning(store)
        checkIntegrityInBackground(store)
        // Ready means ready: the database is migrated, the scheduler runs and the socket listens.
        systemd.notify("READY=1")
        systemd.status(counts.line)
        let ping = systemd.startWatchdog(on: scheduler.queue)
        logger.info("domain-verifierd \(Version.string) ready: \(scheduled) domains scheduled, DNS \(config.resolver.summary), socket \(inheritedSocket.map { "fd \($0) from systemd" } ?? socketPath), database \(config.databasePath)\(ping.map { ", watchdog pinged every \(DurationText.format($0))" } ?? "").")
    }

    /// Waits for SIGTERM or SIGINT (stop) and SIGHUP (reload); returns once stopped cleanly.
    public func runUntilStopped() {
        let stopped = DispatchSemaphore(value: 0)
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in
                if signalNumber == SIGHUP {
                    _ = reload(reason: "SIGHUP")
                } else {
                    logger.info("Stopping on \(signalNumber == SIGTERM ? "SIGTERM" : "SIGINT").")
                    stop()
                    stopped.signal()
                }
            }
            source.resume()
            signalSources.append(source)
        }
        stopped.wait()
    }

    /// Reads the whole database once after start-up; a damaged one stops the daemon with the reason
    /// rather than letting it write more into it. Never repaired or recreated silently.
    private func checkIntegrityInBackground(_ store: Store) {
        DispatchQueue.global(qos: .utility).async { [self] in
            do throws(StoreError) {
                try store.checkIntegrity()
            } catch {
                // Nothing more is copied into the damaged file: what was written since start-up
                // stays in its WAL, and the database is left as it was found.
                store.abandon()
                logger.critical("Stopping: \(error.message). Restore it from a backup, or move it away to start afresh.")
                systemd.notify("STATUS=stopped: the database is damaged")
                stop(closingStore: false)
                exit(1)
            }
        }
    }

    /// Deletes checks older than `history.retention` every hour (the first time a minute after
    /// start-up), in batches so that checks keep being written; transitions and the audit log stay.
    private func startPruning(_ store: Store) {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "domain-verifier.prune", qos: .utility))
        timer.schedule(deadline: .now() + 60, repeating: 3600, leeway: .seconds(60))
        timer.setEventHandler { [configuration, clock, logger] in
            let cutoff = clock.now().addingTimeInterval(-configuration.current.historyRetention)
            do {
                let deleted = try store.prune(olderThan: cutoff)
                if deleted > 0 { logger.info("Pruned \(deleted) checks older than \(DurationText.format(configuration.current.historyRetention)).") }
            } catch {
                logger.error("Pruning old checks failed: \(error); it runs again in an hour.")
            }
        }
        timer.resume()
        pruneTimer = timer
    }

    /// Stops in reverse order: no new requests, no new checks, in-flight checks finished or
    /// abandoned within 10 s, the resolver, then the database closed.
    /// `closingStore` false leaves the database open for the process's exit: no last checkpoint.
    public func stop(closingStore: Bool = true) {
        systemd.notify("STOPPING=1")
        pruneTimer?.cancel()
        server?.stop()
        if let scheduler {
            let drained = DispatchSemaphore(value: 0)
            scheduler.stop(timeout: 10) { _ in drained.signal() }
            drained.wait()
        }
        resolver?.close()
        guard closingStore else { return }
        do {
            try store?.close()
            logger.info("Stopped; the database is closed.")
        } catch {
            logger.error("The database did not close cleanly: \(error.message)")
        }
    }

    /// Reloads the configuration file; a bad file keeps the old configuration. Returns the changed keys.
    public func reload(reason: String) -> Result<[String], ConfigurationError> {
        reloadLock.lock()
        defer { reloadLock.unlock() }
        systemd.notify("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds())")
        defer { systemd.notify("READY=1") }
        let old = configuration.current
        let new: DaemonConfiguration
        do {
            new = try ConfigurationLoader.load(path: configPath, required: configRequired, flags: flags)
        } catch {
            logger.error("Reload (\(reason)) refused, the configuration in force stays: \(error.message)")
            return .failure(error)
        }
        let changed = new.changedKeys(from: old)
        let later = changed.filter { DaemonConfiguration.restartOnlyKeys.contains($0) }
        var applied = new
        // Settings bound to open resources keep their running values until the next start.
        applied.stateDirectory = old.stateDirectory
        applied.socketPath = old.socketPath
        applied.resolver = old.resolver
        applied.socketGroup = old.socketGroup
        applied.logTarget = old.logTarget
        configuration.replace(applied)
        scheduler?.update(SchedulerSettings(applied))
        logger.notice("Configuration reloaded (\(reason)): \(changed.isEmpty ? "nothing changed" : "changed \(changed.joined(separator: ", "))")\(later.isEmpty ? "" : "; \(later.joined(separator: ", ")) take effect at the next start").")
        return .success(changed)
    }

    private func reloadFromRequest(_ request: RouteRequest) -> AdminResponse {
        let audit = AuditEntry(at: clock.now(), peerUID: request.peer.uid, peerPID: request.peer.pid, action: "config.reload")
        switch reload(reason: "POST /reload from uid \(request.peer.uid)") {
        case let .success(changed):
            var entry = audit
            entry.detail = changed.isEmpty ? "nothing changed" : "changed " + changed.joined(separator: ", ")
            try? store?.appendAudit(entry)
            return .json(200, ReloadResponse(reloaded: true, changed: changed))
        case let .failure(error):
            var entry = audit
            entry.detail = "refused: \(error.message)"
            try? store?.appendAudit(entry)
            return .error(APIError(.validationError, "the configuration was not reloaded, the one in force stays: \(error.message)"))
        }
    }

    private func makeStateDirectory(_ path: String) throws {
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else { throw StartupError("the state directory \(path) is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StartupError("cannot create the state directory \(path): \(error.localizedDescription)")
        }
    }

    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}
