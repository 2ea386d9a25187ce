// sd_notify through a real AF_UNIX datagram socket standing in for systemd's $NOTIFY_SOCKET.
import Foundation
import Logging
import Testing
import TestSupport
@testable import VerifierSystemd

/// A datagram socket that receives what sd_notify sends.
final class NotifyReceiver {
    let path: String
    private let fd: Int32
    private let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        path = directory.path + "/notify.sock"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    }

    deinit { close(fd) }

    /// The next datagram, waiting at most `timeout` seconds.
    func receive(timeout: Double = 5) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : nil
    }
}

@Suite(.serialized) struct SystemdNotifierTests {
    @Test func notifications_reachTheServiceManager() throws {
        let receiver = try NotifyReceiver()
        setenv("NOTIFY_SOCKET", receiver.path, 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        let notifier = SystemdNotifier()
        #expect(notifier.isActive)
        notifier.notify("READY=1")
        #expect(receiver.receive() == "READY=1")
        notifier.notify("RELOADING=1\nMONOTONIC_USEC=42")
        #expect(receiver.receive() == "RELOADING=1\nMONOTONIC_USEC=42")
    }

    @Test func statusLines_goOutAtMostOnceASecond_theLatestWinning() throws {
        let receiver = try NotifyReceiver()
        setenv("NOTIFY_SOCKET", receiver.path, 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        let notifier = SystemdNotifier()
        let first = Date()
        notifier.status("1 domains: 1 pending")
        notifier.status("1 domains: 1 verified")
        notifier.status("2 domains: 2 verified")
        #expect(receiver.receive() == "STATUS=1 domains: 1 pending")
        #expect(receiver.receive() == "STATUS=2 domains: 2 verified")
        #expect(Date().timeIntervalSince(first) >= 0.9, "the second line waited for its second")
        #expect(receiver.receive(timeout: 1.5) == nil, "the superseded line was never sent")
    }

    @Test func watchdog_pingsFromTheGivenQueue_atHalfTheInterval() throws {
        let receiver = try NotifyReceiver()
        setenv("NOTIFY_SOCKET", receiver.path, 1)
        setenv("WATCHDOG_USEC", "400000", 1)
        setenv("WATCHDOG_PID", String(getpid()), 1)
        defer { unsetenv("NOTIFY_SOCKET"); unsetenv("WATCHDOG_USEC"); unsetenv("WATCHDOG_PID") }
        let notifier = SystemdNotifier()
        let queue = DispatchQueue(label: "test.scheduler")
        #expect(notifier.startWatchdog(on: queue) == 0.2)
        #expect(receiver.receive() == "WATCHDOG=1")
        #expect(receiver.receive() == "WATCHDOG=1")
        // A stuck queue stops the pings: that is how systemd learns the scheduler hangs.
        let release = DispatchSemaphore(value: 0)
        queue.async { release.wait() }
        _ = receiver.receive(timeout: 0.3)
        #expect(receiver.receive(timeout: 0.8) == nil)
        release.signal()
        #expect(receiver.receive() == "WATCHDOG=1")
        notifier.stopWatchdog()
    }

    @Test func withoutSystemd_thereIsNoWatchdog() {
        unsetenv("WATCHDOG_USEC")
        #expect(SystemdNotifier().watchdogInterval == nil)
        #expect(SocketActivation.listeningSocket() == nil)
    }
}

@Suite struct JournalFieldTests {
    @Test(arguments: [
        ("domain", "DOMAIN"), ("domain_id", "DOMAIN_ID"), ("previous_status", "PREVIOUS_STATUS"),
        ("message_id", "MESSAGE_ID"), ("check-id", "CHECK_ID"), ("_private", "PRIVATE"), ("9lives", "LIVES"),
        ("ümlaut", "MLAUT"),
    ])
    func metadataKeys_becomeValidJournalFields(key: String, field: String) {
        #expect(JournalLogHandler.fieldName(key) == field)
    }

    @Test func fieldNames_areBounded_andNeverEmpty() {
        #expect(JournalLogHandler.fieldName(String(repeating: "a", count: 100))?.count == 64)
        #expect(JournalLogHandler.fieldName("___") == nil)
        #expect(JournalLogHandler.fieldName("123") == nil)
    }

    @Test(arguments: [(Logger.Level.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2)])
    func levels_mapToSyslogPriorities(level: Logger.Level, priority: Int) {
        #expect(JournalLogHandler.priority(level) == priority)
    }

    @Test func stderrIsNotTheJournal_whenJournalStreamNamesAnotherFile() {
        setenv("JOURNAL_STREAM", "1:2", 1)
        defer { unsetenv("JOURNAL_STREAM") }
        #expect(!JournalLogHandler.stderrIsJournal())
    }
}
