// sd_notify: READY, STATUS, WATCHDOG, RELOADING and STOPPING for a Type=notify service.
import CSystemd
import Dispatch
import Foundation

/// Talks to the service manager through $NOTIFY_SOCKET; does nothing when not run by systemd.
public final class SystemdNotifier: @unchecked Sendable {
    private let lock = NSLock()
    private var lastStatus = ""
    private var lastStatusAt: DispatchTime?
    private var pendingStatus: String?
    private var watchdog: DispatchSourceTimer?

    public init() {}

    /// Whether a service manager listens ($NOTIFY_SOCKET is set).
    public var isActive: Bool { ProcessInfo.processInfo.environment["NOTIFY_SOCKET"] != nil }

    /// Sends a raw notification such as `READY=1` or `RELOADING=1\nMONOTONIC_USEC=…`.
    public func notify(_ state: String) {
        _ = state.withCString { sd_notify(0, $0) }
    }

    /// Sends `STATUS=` at most once a second; a newer line replaces one waiting for its turn.
    public func status(_ line: String, on queue: DispatchQueue = .global()) {
        lock.lock()
        defer { lock.unlock() }
        guard line != lastStatus else { return }
        let now = DispatchTime.now()
        let next = lastStatusAt.map { $0 + .seconds(1) } ?? now
        if now >= next {
            lastStatus = line
            lastStatusAt = now
            notify("STATUS=\(line)")
            return
        }
        let wasPending = pendingStatus != nil
        pendingStatus = line
        guard !wasPending else { return }
        queue.asyncAfter(deadline: next) { [self] in
            lock.lock()
            let line = pendingStatus
            pendingStatus = nil
            if let line {
                lastStatus = line
                lastStatusAt = .now()
            }
            lock.unlock()
            if let line { notify("STATUS=\(line)") }
        }
    }

    /// The watchdog interval systemd asks for (WatchdogSec=), or nil when there is none.
    public var watchdogInterval: TimeInterval? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return TimeInterval(microseconds) / 1_000_000
    }

    /// Pings the watchdog at half its interval from `queue`: if that queue stops turning, the pings
    /// stop and systemd restarts the service. Returns the ping interval, or nil without a watchdog.
    @discardableResult
    public func startWatchdog(on queue: DispatchQueue) -> TimeInterval? {
        guard let interval = watchdogInterval else { return nil }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now(), repeating: interval / 2, leeway: .milliseconds(Int(interval * 50)))
        timer.setEventHandler { [weak self] in self?.notify("WATCHDOG=1") }
        timer.resume()
        // Kept: a timer held only by a local variable would be freed and the pings would stop.
        lock.withLock { watchdog = timer }
        return interval / 2
    }

    public func stopWatchdog() {
        lock.withLock {
            watchdog?.cancel()
            watchdog = nil
        }
    }
}

/// Sockets passed by systemd socket activation.
public enum SocketActivation {
    /// The first listening socket systemd passed (fd 3), or nil when none was passed.
    /// Unsets $LISTEN_FDS so that child processes do not inherit it.
    public static func listeningSocket() -> Int32? {
        let count = sd_listen_fds(1)
        guard count >= 1 else { return nil }
        let fd = SD_LISTEN_FDS_START
        guard sd_is_socket_unix(fd, Int32(SOCK_STREAM.rawValue), 1, nil, 0) > 0 else { return nil }
        return fd
    }
}
