// The configuration file (spec §11): --check-config, errors that name the key and line, and POST /reload.
import Foundation
import Testing
import TestSupport

@Suite("Configuration and reload (spec §11)")
struct ConfigurationTests {
    /// Runs `domain-verifierd --config FILE --check-config` with `text` as the file.
    static func checkConfig(_ text: String) async throws -> (status: Int32, output: String, path: String) {
        let directory = try TemporaryDirectory()
        let path = try directory.file("domain-verifierd.toml", contents: Data(text.utf8))
        let binary = try DaemonHarness.binary("domain-verifierd")
        let result = try await Subprocess.run(binary, ["--config", path, "--check-config", "--state-dir", directory.path + "/state"], timeout: 20)
        return (result.status, result.stderr + String(decoding: result.stdout, as: UTF8.self), path)
    }

    @Test func checkConfig_onAGoodFile_exitsZero() async throws {
        let result = try await Self.checkConfig("""
            # A complete, valid configuration.
            state_dir = "/var/lib/domain-verifier"

            [resolver]
            mode = "forward"
            servers = ["127.0.0.1@5300", "::1@53"]
            timeout = "2s"

            [timers]
            pending_timeout = "72h"
            temporary_failure_timeout = "72h"
            confirm_delay = "5m"
            dns_error_grace = "24h"

            [schedule]
            pending_intervals = ["30s", "1m", "2m", "5m", "10m", "15m", "30m", "1h"]
            recheck_interval = "6h"
            verify_min_interval = "500ms"

            [dkim]
            selector = "mail"
            key_size = 1024

            [sending]
            regions = ["us-east-1", "eu-west-1"]
            """)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("valid"), "\(result.output)")
    }

    struct BadFile: Sendable, CustomTestStringConvertible {
        let text: String
        let key: String?
        let line: Int
        var testDescription: String { "\(key ?? "syntax") at line \(line)" }
    }

    @Test(arguments: [
        BadFile(text: "[timers]\nconfirm_delay = \"5m\"\npending_timeout = \"soon\"\n", key: "timers.pending_timeout", line: 3),
        BadFile(text: "# comment\n[schedule]\nverify_min_interval = 10\n", key: "schedule.verify_min_interval", line: 3),
        BadFile(text: "[resolver]\nmode = \"forward\"\nservers = [\"127.0.0.1@53\"]\nretries = 3\n", key: "resolver.retries", line: 4),
        BadFile(text: "[dkim]\nkey_size = 4096\n", key: "dkim.key_size", line: 2),
        BadFile(text: "[resolver]\nmode = \"sideways\"\n", key: "resolver.mode", line: 2),
        BadFile(text: "[schedule]\nrecheck_interval = \"6h\"\n[timers\n", key: nil, line: 3),
    ])
    func checkConfig_onABadFile_exitsNonZero_namingTheKeyAndLine(_ bad: BadFile) async throws {
        let result = try await Self.checkConfig(bad.text)
        #expect(result.status != 0, "accepted:\n\(bad.text)")
        if let key = bad.key { #expect(result.output.contains(key), "\(result.output)") }
        #expect(result.output.contains("line \(bad.line)"), "\(result.output)")
        #expect(result.output.contains(result.path), "the message names the file: \(result.output)")
    }

    @Test func reload_appliesAChangedVerifyMinInterval_andABrokenFileKeepsTheOldConfiguration() async throws {
        func file(_ interval: String) -> String { "# reload test\n[schedule]\nverify_min_interval = \(interval)\n" }
        // No --verify-min-interval flag: a flag would win over the file.
        let daemon = try await DaemonHarness.start(["verify-min-interval": nil], config: file("\"30s\""))
        defer { daemon.kill9() }
        let name = "reloaded.e2e.test"
        _ = try await daemon.create(name)
        func verify() async throws -> Int { try await daemon.curl("POST", "/domains/\(name)/verify").status }

        #expect(try await verify() == 200)
        #expect(try await verify() == 429, "30s from the file is in force")

        try file("\"0s\"").write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        let reloaded = try await daemon.curl("POST", "/reload")
        #expect(reloaded.status == 200, "\(reloaded)")
        #expect((reloaded.object?["changed"] as? [String]) == ["schedule.verify_min_interval"], "\(reloaded)")
        #expect(try await verify() == 200, "the new interval (0s) applies at once")
        #expect(try await verify() == 200)

        try file("\"thirty seconds\"").write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        let refused = try await daemon.curl("POST", "/reload")
        expectError(refused, 422, "validation_error", "reload of a broken file")
        let message = refused.object?["message"] as? String ?? ""
        #expect(message.contains("schedule.verify_min_interval") && message.contains("line 3"), "\(message)")
        #expect(try await verify() == 200, "the old configuration (0s) stays after a broken file")
        #expect(try await verify() == 200)
        #expect(daemon.log.contains("refused"), "the log says the reload was refused")

        try file("\"30s\"").write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        #expect(try await daemon.curl("POST", "/reload").status == 200)
        #expect(try await verify() == 429, "30s is in force again")
        #expect(try await daemon.curl("GET", "/status").status == 200)
    }
}
