// Issue 7, store faults: the disk holding the database fills up while checks run, the database is
// damaged or read-only at start-up. The daemon keeps answering reads, says what is wrong, retries,
// loses nothing it committed, recovers when space returns, and never recreates a database.
// The state directory is a small tmpfs of its own (mounting needs root, as CI has).
import Foundation
import Testing
import TestSupport

@Suite(.serialized)
struct StoreFaultTests {
    @Test func diskFull_whileChecksRun_readsKeepWorking_nothingCommittedIsLost_andItRecovers() async throws {
        let daemon = try await DaemonHarness.prepare(["confirm-delay": "1s", "log-level": "info"])
        let disk = try await SmallDisk.mount(at: daemon.stateDir, megabytes: 16)
        defer {
            daemon.kill9()
            disk.unmount()
        }
        try await daemon.launch()

        // Ten domains verified before the disk fills; five pending whose records appear only while it is full.
        var verified: [DomainJSON] = []
        for index in 0..<10 {
            let domain = try await daemon.create("ok\(index).full.e2e.test", extra: #","dkim_key_size":1024"#)
            try await daemon.publish(domain)
            try await daemon.verify(domain.name)
            verified.append(domain)
        }
        var late: [DomainJSON] = []
        for index in 0..<5 {
            let domain = try await daemon.create("late\(index).full.e2e.test", extra: #","dkim_key_size":1024"#)
            try await daemon.verify(domain.name)
            late.append(domain)
        }
        for domain in verified { try await daemon.waitFor(domain.name, "verified") }
        let before = try await StoreSnapshot.read(daemon)
        let transitionsBefore = try await daemon.sql("SELECT id, domain_id, from_status, to_status, at FROM transitions ORDER BY id")

        // The disk fills up: the daemon says so, in words an operator can act on.
        let filler = try disk.fill()
        let filledAt = Date()
        let logBefore = daemon.log.count
        try await Self.waitUntil("the daemon reports the full disk", within: 30) {
            daemon.log.dropFirst(logBefore).contains("the disk holding the database is full")
        }

        // While it is full: one domain loses its DKIM record, the late ones' records appear.
        let demoted = verified[0]
        try await daemon.unpublish(demoted, "DKIM TXT")
        for domain in late { try await daemon.publish(domain) }
        let failuresSoFar = try await Self.storeFailures(daemon)
        try await Self.waitUntil("more checks fail to be stored", within: 30) {
            (try? await Self.storeFailures(daemon)).map { $0 >= failuresSoFar + 20 } ?? false
        }

        // Reads keep working, and show the last committed state: nothing changed without being stored.
        let list = try await daemon.curl("GET", "/domains?limit=100")
        #expect(list.status == 200, "\(list)")
        #expect((list.object?["data"] as? [Any])?.count == 15, "\(list)")
        #expect(try await daemon.domain(demoted.name).status == "verified")
        for domain in late { #expect(try await daemon.domain(domain.name).status == "pending") }
        let status = try await daemon.curl("GET", "/status")
        #expect(status.status == 200, "\(status)")
        // A change is refused with the reason, and nothing half-made stays behind.
        let refused = try await daemon.curl("POST", "/domains", body: #"{"name":"new.full.e2e.test","dkim_key_size":1024}"#)
        #expect(refused.status == 503, "\(refused)")
        #expect(refused.text.contains("disk") && refused.text.contains("full"), "\(refused)")

        // Space returns: the checks run again and every change they saw is stored.
        try FileManager.default.removeItem(atPath: filler)
        let freedAt = Date()
        let unstored = try await Self.storeFailures(daemon)
        for domain in late { try await daemon.waitFor(domain.name, "verified", within: 60) }
        try await daemon.waitFor(demoted.name, "temporary_failure", within: 60)
        print("store faults: disk full for \(String(format: "%.1f", freedAt.timeIntervalSince(filledAt))) s, \(unstored) checks not stored, "
              + "every change they missed stored \(String(format: "%.1f", Date().timeIntervalSince(freedAt))) s after space returned")
        #expect(daemon.log.dropFirst(logBefore).contains("Storing checks works again"), "\(daemon.log.suffix(2000))")
        #expect(try await daemon.curl("POST", "/domains", body: #"{"name":"new.full.e2e.test","dkim_key_size":1024}"#).status == 201)

        // Nothing committed before was lost or changed; the database is consistent.
        let after = try await StoreSnapshot.read(daemon)
        #expect(after.integrity == "ok")
        #expect(after.statusNotLastTransition.isEmpty, "\(after.statusNotLastTransition)")
        #expect(after.brokenChain == 0 && after.danglingCheckReferences == 0)
        #expect(after.auditDigest.hasPrefix(before.auditDigest))
        let transitionsAfter = try await daemon.sql("SELECT id, domain_id, from_status, to_status, at FROM transitions ORDER BY id")
        #expect(Self.rows(transitionsAfter.prefix(transitionsBefore.count)) == Self.rows(transitionsBefore[...]))
        #expect(transitionsAfter.count >= transitionsBefore.count + 6, "the late domains' and the demotion's transitions")
        #expect(try await daemon.stop() == .exited(0))
    }

    @Test func damagedDatabaseAtStartUp_stopsTheDaemonWithTheReason_andIsNeverReplaced() async throws {
        let daemon = try await DaemonHarness.prepare()
        defer { daemon.kill9() }
        try FileManager.default.createDirectory(atPath: daemon.stateDir, withIntermediateDirectories: true)
        let garbage = Data((0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        try garbage.write(to: URL(fileURLWithPath: daemon.databasePath))

        let end = try await daemon.launchExpectingExit()
        #expect(end != .exited(0), "\(daemon.log)")
        #expect(daemon.log.contains("damaged or not a database"), "\(daemon.log)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: daemon.databasePath)) == garbage)
        let answering = FileManager.default.fileExists(atPath: daemon.socketPath) ? await Self.answers(daemon) : false
        #expect(!answering)
    }

    @Test func damageFoundAfterStartUp_stopsTheDaemon_andLeavesTheFileAsItWas() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        for index in 0..<300 { _ = try await daemon.create("d\(index).damaged.e2e.test", extra: #","dkim_key_size":1024"#) }
        #expect(try await daemon.stop() == .exited(0))
        // Pages in the middle of the file, away from the header and the schema the opening reads.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: daemon.databasePath))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 16384))
        try handle.close()
        let damaged = try Data(contentsOf: URL(fileURLWithPath: daemon.databasePath))

        // It may start (the whole-file check runs after READY), then stops itself with the reason.
        _ = try? await daemon.launch()
        let end = try await daemon.waitForExit(within: 60)
        #expect(end != .exited(0), "\(daemon.log.suffix(2000))")
        #expect(daemon.log.contains("Restore it from a backup"), "\(daemon.log.suffix(2000))")
        #expect(try Data(contentsOf: URL(fileURLWithPath: daemon.databasePath)) == damaged)
    }

    @Test func readOnlyDatabaseAtStartUp_stopsTheDaemonWithTheReason() async throws {
        let daemon = try await DaemonHarness.prepare()
        let disk = try await SmallDisk.mount(at: daemon.stateDir, megabytes: 16)
        defer {
            daemon.kill9()
            disk.unmount()
        }
        try await daemon.launch()
        _ = try await daemon.create("ro.e2e.test", extra: #","dkim_key_size":1024"#)
        #expect(try await daemon.stop() == .exited(0))
        let stored = try Data(contentsOf: URL(fileURLWithPath: daemon.databasePath))
        try await disk.remountReadOnly()

        let end = try await daemon.launchExpectingExit()
        #expect(end != .exited(0), "\(daemon.log.suffix(2000))")
        #expect(daemon.log.lowercased().contains("read-only file system"), "\(daemon.log.suffix(2000))")
        #expect(try Data(contentsOf: URL(fileURLWithPath: daemon.databasePath)) == stored)
    }

    // MARK: Helpers

    static func storeFailures(_ daemon: DaemonHarness) async throws -> Int {
        let metrics = try await daemon.curl("GET", "/metrics").text
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("domain_verifier_store_failures_total ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? -1
    }

    static func answers(_ daemon: DaemonHarness) async -> Bool {
        (try? await daemon.curl("GET", "/status", timeout: 2))?.status == 200
    }

    static func rows(_ rows: ArraySlice<[Any]>) -> [String] { rows.map { $0.map { "\($0)" }.joined(separator: "|") } }

    static func waitUntil(_ what: String, within seconds: TimeInterval, _ done: () async -> Bool) async throws {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while !(await done()) {
            guard Date() < deadline else { throw HarnessError("not within \(Int(seconds)) s: \(what)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// A tmpfs of its own size mounted on a directory (root only), for a disk that fills up.
final class SmallDisk: Sendable {
    let path: String

    static func mount(at path: String, megabytes: Int) async throws -> SmallDisk {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let mounted = try await run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0700", "tmpfs", path])
        guard mounted.status == 0 else { throw HarnessError("mount tmpfs on \(path) (needs root): \(mounted.output)") }
        return SmallDisk(path: path)
    }

    private init(path: String) { self.path = path }

    /// Writes a file until the file system has no space left; returns its path.
    func fill() throws -> String {
        let file = path + "/filler"
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw HarnessError("open \(file): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x5A, count: 4096)
        while true {
            let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written < 0 && errno == ENOSPC { return file }
            guard written > 0 else { throw HarnessError("write \(file): \(String(cString: strerror(errno)))") }
        }
    }

    func remountReadOnly() async throws {
        let result = try await run("/usr/bin/mount", ["-o", "remount,ro", path])
        guard result.status == 0 else { throw HarnessError("remount \(path) read-only: \(result.output)") }
    }

    /// Lazily, so that a process still holding a file there does not keep it mounted.
    func unmount() {
        _ = try? run("/usr/bin/umount", ["-l", path])
    }
}
