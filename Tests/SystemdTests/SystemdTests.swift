// domain-verifierd under a real systemd (252, booted as PID 1 of fresh namespaces by scripts/systemd-harness),
// installed as a package installs it: the units, the sysusers.d group, the journal catalog. Every test boots
// its own container and stops it; the DNS the daemon checks is a Knot server on the host's loopback.
import Foundation
import Testing
import TestSupport

@Suite(.serialized, .timeLimit(.minutes(3)))
struct SystemdTests {
    typealias C = SystemdContainer
    static let transitionMessageID = "6a1b3c5d7e9f4a2b8c0d1e3f5a7b9c2d"

    /// Polls `systemctl show -p StatusText` until it is `expected` (STATUS= is sent at most once a second).
    func waitForStatusText(_ container: C, _ expected: String, within seconds: TimeInterval = 10) async throws {
        try await waitUntil("StatusText \"\(expected)\"", within: seconds) {
            let text = try await container.property("StatusText")
            return (text == expected, text)
        }
    }

    func waitForDomain(_ container: C, _ name: String, status: String, within seconds: TimeInterval = 20) async throws {
        try await waitUntil("\(name) \(status)", within: seconds) {
            let domain = try await container.domain(name)
            return (domain.status == status, domain.status)
        }
    }

    /// A domain added through the API, its records published in Knot, verified.
    func verifiedDomain(_ container: C, _ name: String, knot: KnotServer) async throws -> DomainJSON {
        let created = try await container.createDomain(name)
        try await SystemdDNS.publish(created, in: knot)
        #expect(try await container.verify(name) == 200)
        try await waitForDomain(container, name, status: "verified")
        return created
    }

    /// The group the sysusers.d file created inside: name and gid.
    func socketGroupID(_ container: C) async throws -> String {
        let entry = try await container.must("getent", "group", "domain-verifier")
        let fields = entry.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count >= 3 else { throw SystemdTestError("getent group domain-verifier: \(entry)") }
        return String(fields[2])
    }

    // MARK: Socket activation

    @Test func socketActivation_theFirstConnectionStartsTheService_andTheSocketStaysTheGroups() async throws {
        let knot = try await SystemdDNS.knot()
        try await withContainer(configuration: SystemdDNS.configuration(knot)) { c in
            try await c.must("systemctl", "start", C.socketUnit)
            #expect(try await c.activeState(C.socketUnit) == "active")
            let gid = try await socketGroupID(c)
            let socketStat = ["stat", "-c", "%a %U %G %F", C.socketPath]
            #expect(try await c.must(socketStat).trimmingCharacters(in: .whitespacesAndNewlines) == "660 root domain-verifier socket")

            // Nothing runs before somebody connects.
            let idle = try await c.show(C.unit, ["ActiveState", "MainPID", "ExecMainStartTimestampMonotonic"])
            #expect(idle["ActiveState"] == "inactive")
            #expect(idle["MainPID"] == "0")
            #expect(idle["ExecMainStartTimestampMonotonic"] == "0")

            // The first connection starts it; the answer comes from the daemon.
            let first = try await c.domainctl("--json", "status")
            try #require(first.status == 0, "domainctl status: \(first)")
            #expect(first.stdout.contains("\"version\""))
            try await waitUntil("the service active", within: 10) {
                let state = try await c.activeState()
                return (state == "active", state)
            }
            #expect(try await c.property("MainPID") != "0")
            #expect(try await c.property("TriggeredBy").contains(C.socketUnit))
            // It serves the socket systemd passed (fd 3), not one it made itself.
            let ready = try await c.journal(["-u", C.unit, "SYSLOG_IDENTIFIER=domain-verifierd"])
                .compactMap { $0["MESSAGE"] }.filter { $0.contains(" ready: ") }
            #expect(ready.count == 1 && ready[0].contains("socket fd 3 from systemd"), "\(ready)")

            // Running, the daemon has not taken the socket or its directory over: still root:domain-verifier
            // 0660 in a plain 0755 directory, so that the group's members reach it.
            #expect(try await c.must(socketStat).trimmingCharacters(in: .whitespacesAndNewlines) == "660 root domain-verifier socket")
            #expect(try await c.must("stat", "-c", "%a %U %F", "/run/domain-verifier").trimmingCharacters(in: .whitespacesAndNewlines)
                    == "755 root directory")
            let member = try await c.ct(["setpriv", "--reuid=4242", "--regid=\(gid)", "--clear-groups", C.binDir + "/domainctl", "status"])
            #expect(member.status == 0, "a member of domain-verifier (primary group): \(member)")
            let supplementary = try await c.ct(["setpriv", "--reuid=4242", "--regid=4242", "--groups=\(gid)", C.binDir + "/domainctl", "status"])
            #expect(supplementary.status == 0, "a member of domain-verifier (supplementary group): \(supplementary)")
            // Members may also change things (admin.write_group), though PrivateUsers= shows them to the daemon
            // as nobody: the group, the unit's own, stays mapped.
            for (flags, name) in [(["--regid=\(gid)", "--clear-groups"], "member.sd.test"), (["--regid=4242", "--groups=\(gid)"], "supplementary.sd.test")] {
                let add = try await c.ct(["setpriv", "--reuid=4242"] + flags + [C.binDir + "/domainctl", "add", name])
                #expect(add.status == 0, "domainctl add as uid 4242 \(flags): \(add)")
            }
            let stranger = try await c.ct(["setpriv", "--reuid=4242", "--regid=4242", "--clear-groups", C.binDir + "/domainctl", "status"])
            #expect(stranger.status == 69, "not a member: \(stranger)")
            #expect(stranger.stderr.contains("Permission denied"))
        }
    }

    // MARK: Type=notify

    @Test func typeNotify_theUnitIsActivatingUntilTheDaemonSaysReady() async throws {
        let knot = try await SystemdDNS.knot()
        try await withContainer(configuration: SystemdDNS.configuration(knot)) { c in
            // The same daemon, held before it starts by a gate the test opens (exec keeps the main PID).
            try await c.dropIn("gate", """
                [Service]
                ExecStart=
                ExecStart=/bin/sh -c 'while [ ! -e /run/dv-gate ]; do sleep 0.05; done; exec \(C.binDir)/domain-verifierd'

                """)
            try await c.must("systemctl", "start", C.socketUnit)
            // A client waits in the socket's backlog meanwhile.
            async let client = c.domainctl("status", timeout: 40)
            try await waitUntil("the service started by the connection", within: 10) {
                let state = try await c.show(C.unit, ["SubState", "MainPID"])
                return (state["SubState"] == "start" && state["MainPID"] != "0", "\(state)")
            }
            // Without READY=1 the unit stays activating, however long it takes.
            for _ in 0..<6 {
                #expect(try await c.activeState() == "activating")
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try await c.property("StatusText") == "")

            try await c.must("touch", "/run/dv-gate")
            try await waitUntil("active once the daemon is ready", within: 15) {
                let state = try await c.activeState()
                return (state == "active", state)
            }
            let answer = try await client
            #expect(answer.status == 0, "the client waiting through start-up: \(answer)")
            try await waitForStatusText(c, "0 domains")
        }
    }

    // MARK: STATUS=

    @Test func statusText_countsTheDomains_asTheyChange() async throws {
        let knot = try await SystemdDNS.knot()
        try await withContainer(configuration: SystemdDNS.configuration(knot)) { c in
            try await c.must("systemctl", "start", C.socketUnit)
            let name = "status.sd.test"
            let created = try await c.createDomain(name)
            try await waitForStatusText(c, "1 domain: 1 not_started")
            #expect(try await c.verify(name) == 200)
            try await waitForStatusText(c, "1 domain: 1 pending")
            try await SystemdDNS.publish(created, in: knot)
            try await waitForStatusText(c, "1 domain: 1 verified", within: 20)
            _ = try await c.createDomain("second-status.sd.test")
            try await waitForStatusText(c, "2 domains: 1 verified, 1 not_started")
        }
    }

    // MARK: journald

    @Test func statusTransition_isAJournalEntry_withItsFields_andTheCatalogExplainsIt() async throws {
        let knot = try await SystemdDNS.knot()
        try await withContainer(configuration: SystemdDNS.configuration(knot)) { c in
            try await c.must("systemctl", "start", C.socketUnit)
            let name = "journal.sd.test"
            let created = try await verifiedDomain(c, name, knot: knot)
            let history = try await c.history(name)
            let toVerified = try #require(history.first(where: { $0.object == "transition" && $0.to == "verified" }), "\(history)")

            var entries: [[String: String]] = []
            try await waitUntil("the transition to verified in the journal", within: 10) {
                entries = try await c.journal(["-u", C.unit, "DOMAIN=\(name)", "MESSAGE_ID=\(Self.transitionMessageID)"])
                return (entries.contains { $0["STATUS"] == "verified" }, "\(entries.count) entries")
            }
            let verified = try #require(entries.first(where: { $0["STATUS"] == "verified" }))
            #expect(verified["PREVIOUS_STATUS"] == "pending")
            #expect(verified["DOMAIN_ID"] == created.id)
            #expect(verified["CHECK_ID"] == toVerified.checkId.map(String.init), "the check named in the history")
            #expect(verified["PRIORITY"] == "5")
            #expect(verified["CODE_FILE"]?.hasSuffix("Scheduler.swift") == true, "\(verified["CODE_FILE"] ?? "no CODE_FILE")")
            #expect(verified["CODE_LINE"].flatMap { Int($0) } != nil)
            #expect(verified["SYSLOG_IDENTIFIER"] == "domain-verifierd")
            #expect(verified["_TRANSPORT"] == "journal", "native protocol, not the stderr stream")
            #expect(verified["MESSAGE"]?.contains(name) == true)
            let pending = try #require(entries.first(where: { $0["STATUS"] == "pending" }))
            #expect(pending["PREVIOUS_STATUS"] == "not_started")
            #expect(pending["DOMAIN_ID"] == created.id)

            let explained = try await c.must("journalctl", "--no-pager", "-x", "-u", C.unit, "DOMAIN=\(name)", "STATUS=verified")
            #expect(explained.contains("Subject: Domain \(name) changed status: pending -> verified"), "\(explained)")
            #expect(explained.contains("customer domain \(name) (id \(created.id))"), "\(explained)")

            // The private key leaves the database only to a writer, and never reaches the journal:
            // not as PEM, not as any line of its base64 body (SECURITY.md).
            let exported = try await c.api("GET", "/domains/\(name)/dkim-private-key")
            #expect(exported.status == 200)
            let pem = String(decoding: exported.body, as: UTF8.self)
            let keyLines = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") && $0.count >= 40 }
            #expect(keyLines.count >= 10, "\(pem.prefix(100))")
            let journal = try await c.must("journalctl", "--no-pager", "-o", "export", "-b")
            #expect(!journal.contains("PRIVATE KEY"), "the journal holds a PEM header")
            for line in keyLines {
                #expect(!journal.contains(line.prefix(40)), "the journal holds a line of the private key")
            }
        }
    }

    // MARK: Reload

    @Test func reload_returnsOnceTheNewSettingIsInForce_andABrokenFileKeepsTheOldOne() async throws {
        let knot = try await SystemdDNS.knot()
        let slow = SystemdDNS.configuration(knot, verifyMinInterval: "1h")
        let fast = SystemdDNS.configuration(knot, verifyMinInterval: "0s")
        try await withContainer(configuration: slow) { c in
            try await c.must("systemctl", "start", C.socketUnit)
            let name = "reload.sd.test"
            _ = try await c.createDomain(name)
            #expect(try await c.verify(name) == 200)
            #expect(try await c.verify(name) == 429)
            let pid = try await c.property("MainPID")

            // `systemctl reload` returns after the daemon applied the file: the very next requests see it.
            try c.writeConfiguration(fast)
            let reload = try await c.ct("systemctl", "reload", C.unit)
            try #require(reload.status == 0, "systemctl reload: \(reload)")
            #expect(try await c.verify(name) == 200)
            #expect(try await c.verify(name) == 200)
            try c.writeConfiguration(slow)
            let back = try await c.ct("systemctl", "reload", C.unit)
            try #require(back.status == 0, "systemctl reload: \(back)")
            #expect(try await c.verify(name) == 429)

            // A broken file: the reload fails, the daemon runs on with the configuration in force.
            try c.writeConfiguration(fast.replacingOccurrences(of: "verify_min_interval = \"0s\"", with: "verify_min_interval = "))
            let broken = try await c.ct("systemctl", "reload", C.unit)
            #expect(broken.status != 0, "systemctl reload of a broken file: \(broken)")
            #expect(try await c.activeState() == "active")
            #expect(try await c.property("MainPID") == pid)
            #expect(try await c.verify(name) == 429)
            let refused = try await c.journal(["-u", C.unit, "SYSLOG_IDENTIFIER=domain-verifierd", "PRIORITY=3"])
            #expect(refused.contains { $0["MESSAGE"]?.contains("refused, the configuration in force stays") == true })

            // SIGHUP reloads too (RELOADING=1 … READY=1 without ExecReload=).
            try c.writeConfiguration(fast)
            try await c.must("systemctl", "kill", "-s", "SIGHUP", "--kill-whom=main", C.unit)
            try await waitUntil("the reload on SIGHUP", within: 10) {
                let messages = try await c.journal(["-u", C.unit, "SYSLOG_IDENTIFIER=domain-verifierd"]).compactMap { $0["MESSAGE"] }
                return (messages.contains { $0.hasPrefix("Configuration reloaded (SIGHUP)") }, "\(messages.suffix(3))")
            }
            #expect(try await c.verify(name) == 200)
            #expect(try await c.activeState() == "active")
            #expect(try await c.property("MainPID") == pid)
        }
    }

    // MARK: Watchdog

    @Test func watchdog_killsAStoppedDaemon_andTheRestartedOneKeepsTheState() async throws {
        let knot = try await SystemdDNS.knot()
        try await withContainer(configuration: SystemdDNS.configuration(knot)) { c in
            try await c.dropIn("watchdog", "[Service]\nWatchdogSec=3s\n")
            try await c.must("systemctl", "start", C.socketUnit)
            let name = "watchdog.sd.test"
            let created = try await verifiedDomain(c, name, knot: knot)
            let before = try await c.history(name)
            let first = try await c.show(C.unit, ["MainPID", "NRestarts", "WatchdogUSec"])
            #expect(first["WatchdogUSec"] == "3s")
            #expect(first["NRestarts"] == "0")
            let oldPID = try #require(first["MainPID"])

            // The daemon pings: systemd's watchdog timestamp moves, twice (every 1.5 s).
            for _ in 0..<2 {
                let stamp = try await c.property("WatchdogTimestampMonotonic")
                try await waitUntil("a WATCHDOG=1 ping", within: 5) {
                    let now = try await c.property("WatchdogTimestampMonotonic")
                    return (now != stamp, now)
                }
            }

            // A stopped daemon stops pinging: systemd kills it (SIGABRT) and starts it again.
            let stoppedAt = Date()
            try await c.must("systemctl", "kill", "-s", "SIGSTOP", "--kill-whom=main", C.unit)
            var state: [String: String] = [:]
            try await waitUntil("a restart by the watchdog", within: 30) {
                state = try await c.show(C.unit, ["NRestarts", "ActiveState", "MainPID"])
                return (state["NRestarts"] == "1" && state["ActiveState"] == "active" && state["MainPID"] != oldPID
                        && state["MainPID"] != "0", "\(state)")
            }
            let took = Date().timeIntervalSince(stoppedAt)
            // 3 s without a ping, then RestartSec=2s; not the 20 s TimeoutAbortSec= of a process that hangs on SIGABRT.
            #expect(took < 12, "restarted \(took) s after SIGSTOP")
            let messages = try await c.journal(["-u", C.unit]).compactMap { $0["MESSAGE"] }
            #expect(messages.contains { $0.contains("Watchdog timeout") }, "\(messages.suffix(20))")
            #expect(messages.contains { $0.contains("Failed with result 'watchdog'") }, "\(messages.suffix(20))")

            // The state survived the kill: the domain, its status, its history.
            let after = try await c.domain(name)
            #expect(after.id == created.id)
            #expect(after.status == "verified")
            let history = try await c.history(name)
            #expect(Array(history.prefix(before.count)) == before, "history before: \(before)\nafter: \(history)")
        }
    }

    // MARK: Stop

    @Test func stop_endsInSuccess_andTheDatabaseSurvives() async throws {
        let knot = try await SystemdDNS.knot()
        try await withContainer(configuration: SystemdDNS.configuration(knot)) { c in
            try await c.must("systemctl", "start", C.socketUnit)
            let name = "stop.sd.test"
            let created = try await verifiedDomain(c, name, knot: knot)
            let transitions = try await c.history(name).filter { $0.object == "transition" }

            let stop = try await c.ct("systemctl", "stop", C.unit)
            #expect(stop.status == 0, "systemctl stop: \(stop)")
            let stopped = try await c.show(C.unit, ["ActiveState", "Result", "ExecMainCode", "ExecMainStatus"])
            #expect(stopped["ActiveState"] == "inactive")
            #expect(stopped["Result"] == "success")
            #expect(stopped["ExecMainCode"] == "1", "CLD_EXITED, not killed")
            #expect(stopped["ExecMainStatus"] == "0")
            let messages = try await c.journal(["-u", C.unit, "SYSLOG_IDENTIFIER=domain-verifierd"]).compactMap { $0["MESSAGE"] }
            #expect(messages.contains("Stopping on SIGTERM."))
            #expect(messages.contains("Stopped; the database is closed."))

            // The database, read while the daemon is down.
            let script = """
                import sqlite3, sys
                c = sqlite3.connect(sys.argv[1])
                print(c.execute("PRAGMA integrity_check").fetchone()[0])
                print(c.execute("SELECT status FROM domains WHERE name = ?", (sys.argv[2],)).fetchone()[0])
                print(c.execute("SELECT count(*) FROM transitions").fetchone()[0])
                """
            let rows = try await c.must("/usr/bin/python3", "-c", script, C.databasePath, name).split(separator: "\n").map(String.init)
            #expect(rows == ["ok", "verified", String(transitions.count)])

            // The next connection starts it again, with everything there.
            let again = try await c.domain(name)
            #expect(again.id == created.id)
            #expect(again.status == "verified")
            #expect(try await c.history(name).filter { $0.object == "transition" } == transitions)
            try await waitUntil("active again", within: 10) {
                let state = try await c.activeState()
                return (state == "active", state)
            }
        }
    }

    // MARK: Sandbox

    @Test func sandbox_aDynamicUserThatWritesOnlyItsStateDirectory_andExposureAtMost1_1() async throws {
        let knot = try await SystemdDNS.knot()
        try await withContainer(configuration: SystemdDNS.configuration(knot)) { c in
            try await c.must("systemctl", "start", C.socketUnit)
            _ = try await c.createDomain("sandbox.sd.test")
            let gid = try await socketGroupID(c)
            let unit = try await c.show(C.unit, ["User", "Group", "DynamicUser", "MainPID"])
            #expect(unit["User"] == "domain-verifierd")
            #expect(unit["Group"] == "domain-verifier")
            #expect(unit["DynamicUser"] == "yes")
            let pid = try #require(unit["MainPID"])

            var status: [String: [String]] = [:]
            for line in try await c.must("cat", "/proc/\(pid)/status").split(separator: "\n") {
                let parts = line.split(whereSeparator: { $0 == ":" || $0 == "\t" || $0 == " " }).map(String.init)
                if let key = parts.first { status[key] = Array(parts.dropFirst()) }
            }
            let uids = status["Uid"] ?? []
            let uid = try #require(uids.first.flatMap { Int($0) }, "Uid: \(uids)")
            #expect(Set(uids).count == 1, "real, effective, saved and fs uid alike: \(uids)")
            #expect((61184...65519).contains(uid), "a uid from systemd's dynamic range, not root: \(uid)")
            #expect(status["Gid"]?.first == gid)
            #expect(status["CapEff"]?.first == "0000000000000000")
            #expect(status["NoNewPrivs"]?.first == "1")
            #expect(status["Seccomp"]?.first == "2")
            let modes = try await c.must("stat", "-c", "%a %u", C.stateDir, C.databasePath).split(separator: "\n").map(String.init)
            #expect(modes == ["700 \(uid)", "600 \(uid)"], "the state directory and the database: mode and owner")

            // Writes in the daemon's own mount namespace, as its user: only the state directory (and its private /tmp).
            let probes: [(String, Bool)] = [
                ("/var/lib/domain-verifier/probe", true), ("/tmp/probe", true),
                ("/etc/probe", false), ("/etc/domain-verifier/probe", false), ("/usr/probe", false), ("/var/probe", false),
                ("/opt/domain-verifier/probe", false), ("/run/domain-verifier/probe", false), ("/root/probe", false),
                ("/var/lib/probe", false),
            ]
            for (path, allowed) in probes {
                let write = try await c.ct(["nsenter", "-t", pid, "-m", "setpriv", "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups",
                                            "/bin/sh", "-c", "echo x > \"$0\" && rm -f \"$0\"", path])
                #expect((write.status == 0) == allowed, "\(path): \(allowed ? "writable" : "read-only") expected: \(write)")
            }

            let security = try await c.must("systemd-analyze", "security", "--no-pager", C.unit + ".service")
            // "→ Overall exposure level for domain-verifierd.service: 1.1 OK :-)"
            let marker = "Overall exposure level for \(C.unit).service: "
            let overall = try #require(security.split(separator: "\n").last(where: { $0.contains(marker) }).map(String.init), "\(security)")
            let level = overall.range(of: marker).flatMap { overall[$0.upperBound...].split(separator: " ").first }.flatMap { Double($0) }
            let exposure = try #require(level, "\(overall)")
            #expect(exposure <= 1.1, "\(overall)")
        }
    }
}
