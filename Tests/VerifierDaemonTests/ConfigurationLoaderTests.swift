// Configuration from defaults, a TOML file and flags: every key, flags winning, errors naming key and line.
import Foundation
import Testing
import TestSupport
import VerifierDNS
@testable import VerifierDaemon

@Suite struct ConfigurationLoaderTests {
    private func load(_ file: String?, flags: [String: [String]] = [:], environment: [String: String] = [:]) throws -> DaemonConfiguration {
        guard let file else {
            return try ConfigurationLoader.load(path: nil, required: false, flags: flags, environment: environment)
        }
        let directory = try TemporaryDirectory()
        let path = try directory.file("domain-verifierd.toml", contents: Data(file.utf8))
        return try ConfigurationLoader.load(path: path, required: true, flags: flags, environment: environment)
    }

    private func error(_ file: String?, flags: [String: [String]] = [:]) -> String {
        do {
            _ = try load(file, flags: flags)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func defaults_areTheSpecs() throws {
        let configuration = try load(nil)
        #expect(configuration.stateDirectory == "/var/lib/domain-verifier")
        #expect(configuration.socketPath == nil)
        #expect(configuration.resolver.mode == .recursive)
        #expect(configuration.resolver.timeout == 5)
        #expect(configuration.verification.pendingTimeout == 72 * 3600)
        #expect(configuration.verification.temporaryFailureTimeout == 72 * 3600)
        #expect(configuration.verification.confirmDelay == 300)
        #expect(configuration.verification.dnsErrorGrace == 86400)
        #expect(configuration.poll.pendingIntervals == [30, 60, 120, 300, 600, 900, 1800, 3600])
        #expect(configuration.poll.recheckInterval == 6 * 3600)
        #expect(configuration.poll.temporaryFailureInterval == 900)
        #expect(configuration.poll.startupSpread == 600)
        #expect(configuration.maxInflightChecks == 256)
        #expect(configuration.verifyMinInterval == 10)
        #expect(configuration.historyRetention == 30 * 86400)
        #expect(configuration.writeGroup == "domain-verifier")
        #expect(configuration.dkimSelector == "resend")
        #expect(configuration.dkimKeySize == 2048)
        #expect(configuration.regions == ["us-east-1", "eu-west-1", "sa-east-1", "ap-northeast-1"])
        #expect(configuration.mxHost == "feedback-smtp.{region}.amazonses.com")
        #expect(configuration.spfInclude == "amazonses.com")
        #expect(configuration.logTarget == .auto)
    }

    @Test func stateDirectory_comesFromSystemd() throws {
        #expect(try load(nil, environment: ["STATE_DIRECTORY": "/var/lib/dv:/other"]).stateDirectory == "/var/lib/dv")
    }

    @Test func everyKey_isReadFromTheFile() throws {
        let configuration = try load("""
            state_dir = "/srv/dv"
            socket = "/run/dv/admin.sock"
            [resolver]
            mode = "forward"
            servers = ["127.0.0.1@5300", "::1"]
            timeout = "1500ms"
            [timers]
            pending_timeout = "2d"
            temporary_failure_timeout = "36h"
            confirm_delay = "90s"
            dns_error_grace = "12h"
            [schedule]
            pending_intervals = ["10s", "1m"]
            recheck_interval = "1h"
            temporary_failure_interval = "5m"
            startup_spread = "0"
            max_inflight_checks = 64
            verify_min_interval = "2s"
            [history]
            retention = "7d"
            [admin]
            write_group = "mailops"
            socket_group = "mailread"
            [dkim]
            selector = "s2026"
            key_size = 1024
            [sending]
            regions = ["eu-west-1"]
            mx_host = "bounce.{region}.example.net"
            spf_include = "spf.example.net"
            [domains]
            deny_list = ["Mail.Example"]
            [log]
            target = "console"
            """)
        #expect(configuration.stateDirectory == "/srv/dv")
        #expect(configuration.socketPath == "/run/dv/admin.sock")
        #expect(configuration.resolver.mode == .forward)
        #expect(configuration.resolver.servers == ["127.0.0.1@5300", "::1"])
        #expect(configuration.resolver.timeout == 1.5)
        #expect(configuration.verification.pendingTimeout == 2 * 86400)
        #expect(configuration.verification.temporaryFailureTimeout == 36 * 3600)
        #expect(configuration.verification.confirmDelay == 90)
        #expect(configuration.verification.dnsErrorGrace == 12 * 3600)
        #expect(configuration.poll.pendingIntervals == [10, 60])
        #expect(configuration.poll.recheckInterval == 3600)
        #expect(configuration.poll.temporaryFailureInterval == 300)
        #expect(configuration.poll.startupSpread == 0)
        #expect(configuration.maxInflightChecks == 64)
        #expect(configuration.verifyMinInterval == 2)
        #expect(configuration.historyRetention == 7 * 86400)
        #expect(configuration.writeGroup == "mailops")
        #expect(configuration.socketGroup == "mailread")
        #expect(configuration.dkimSelector == "s2026")
        #expect(configuration.dkimKeySize == 1024)
        #expect(configuration.regions == ["eu-west-1"])
        #expect(configuration.mxHost == "bounce.{region}.example.net")
        #expect(configuration.spfInclude == "spf.example.net")
        #expect(configuration.denyList == ["mail.example"])
        #expect(configuration.logTarget == .console)
    }

    @Test func flags_winOverTheFile() throws {
        let configuration = try load("""
            [timers]
            confirm_delay = "10m"
            [schedule]
            pending_intervals = "30s,1m"
            """, flags: ["confirm-delay": ["2s"], "pending-intervals": ["1s,2s,4s"], "dns-server": ["127.0.0.1@5300", "127.0.0.2@53"]])
        #expect(configuration.verification.confirmDelay == 2)
        #expect(configuration.poll.pendingIntervals == [1, 2, 4])
        // --dns-server implies forward mode.
        #expect(configuration.resolver.mode == .forward)
        #expect(configuration.resolver.servers == ["127.0.0.1@5300", "127.0.0.2@53"])
    }

    @Test(arguments: [
        ("[timers]\nconfirm_delay = 5", "line 2: timers.confirm_delay must be a duration"),
        ("[timers]\n\nconfirm_delay = \"5 minutes\"", "line 3: timers.confirm_delay"),
        ("[resolver]\nmod = \"forward\"", "line 2: unknown key resolver.mod"),
        ("[resolver]\nmode = \"sideways\"", "line 2: resolver.mode \"sideways\" is not recursive, forward or system"),
        ("[resolver]\nservers = [\"not-an-ip\"]\nmode = \"forward\"", "line 2: \"not-an-ip\" is not a DNS server"),
        ("[resolver]\nmode = \"forward\"\nservers = [\"127.0.0.1@99999\"]", "invalid port"),
        ("[resolver]\nmode = \"forward\"", "resolver.servers is empty"),
        ("[schedule]\nmax_inflight_checks = 0", "line 2: schedule.max_inflight_checks is 0"),
        ("[schedule]\nmax_inflight_checks = \"many\"", "must be an integer"),
        ("[dkim]\nkey_size = 4096", "line 2: dkim.key_size must be 1024 or 2048"),
        ("[dkim]\nselector = \"bad selector\"", "dkim.selector \"bad selector\" is not a valid DNS name"),
        ("state_dir = \"relative/path\"", "line 1: state_dir must be an absolute path"),
        ("[admin]\nwrite_group = \"a b\"", "admin.write_group \"a b\" is not a group name"),
        ("[sending]\nregions = []", "sending.regions needs at least one region"),
        ("[log]\ntarget = \"syslog\"", "log.target \"syslog\" is not auto, journal or console"),
        ("[history]\nretention = \"1s\"", "history.retention is 1s; it must be at least 1m"),
        ("[schedule\npending_intervals = []", "line 1"),
    ])
    func badFiles_areRefused_namingTheKeyAndLine(file: String, message: String) {
        let text = error(file)
        #expect(text.contains(message), "\(text)")
        #expect(text.contains("domain-verifierd.toml"), "the file is named: \(text)")
    }

    @Test(arguments: [
        (["dns-timeout": ["fast"]], "flag --dns-timeout: resolver.timeout"),
        (["max-inflight-checks": ["-3"]], "flag --max-inflight-checks"),
        (["resolver": ["forward"]], "resolver.servers is empty"),
        (["dkim-key-size": ["512"]], "must be 1024 or 2048"),
    ])
    func badFlags_areRefused_namingTheFlag(flags: [String: [String]], message: String) {
        let text = error(nil, flags: flags)
        #expect(text.contains(message), "\(text)")
    }

    @Test func requiredFileThatIsMissing_isAnError() {
        #expect(throws: ConfigurationError.self) {
            _ = try ConfigurationLoader.load(path: "/nonexistent/domain-verifierd.toml", required: true, flags: [:])
        }
        #expect((try? ConfigurationLoader.load(path: "/nonexistent/domain-verifierd.toml", required: false, flags: [:])) != nil)
    }

    @Test func changedKeys_listWhatAReloadChanges() throws {
        let old = try load(nil)
        var new = old
        new.verification.confirmDelay = 1
        new.writeGroup = "ops"
        #expect(new.changedKeys(from: old) == ["admin.write_group", "timers.confirm_delay"])
        #expect(old.changedKeys(from: old).isEmpty)
    }

    @Test func resolverCaches_areShorterThanHalfTheShortestGap() throws {
        let production = try load(nil)
        #expect(production.effectiveResolver.cacheMaxTTL == 10)
        #expect(production.effectiveResolver.cacheMaxNegativeTTL == 5)
        let fast = try load(nil, flags: ["pending-intervals": ["2s,4s"]])
        #expect(fast.effectiveResolver.cacheMaxTTL == 1)
        #expect(fast.effectiveResolver.cacheMaxNegativeTTL == 1)
    }
}
