// domainctl against the real daemon: the commands an operator runs, their output and exit codes (spec §10).
import Foundation
import Testing
import TestSupport

@Suite("domainctl on the real daemon (spec §10)")
struct DomainctlTests {
    static func domainctl(_ daemon: DaemonHarness, _ arguments: [String], socket: String? = nil) async throws -> Subprocess.Result {
        let binary = try DaemonHarness.binary("domainctl")
        return try await Subprocess.run(binary, ["--socket", socket ?? daemon.socketPath] + arguments, timeout: 60)
    }

    @Test func addThenVerifyWait_exitsZeroOnceVerified_refusalsExit1_andAnUnreachableDaemonExits69() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        let name = "operator.e2e.test"

        let added = try await Self.domainctl(daemon, ["--json", "add", name, "--region", "eu-west-1"])
        #expect(added.status == 0, "\(added.stderr)")
        let domain = try Wire.decoder.decode(DomainJSON.self, from: added.stdout)
        #expect(domain.name == name && domain.region == "eu-west-1" && domain.status == "not_started")
        #expect(domain.record("SPF MX")?.value == "feedback-smtp.eu-west-1.amazonses.com")

        let duplicate = try await Self.domainctl(daemon, ["add", name.uppercased()])
        #expect(duplicate.status == 1)
        #expect(duplicate.stderr.contains("already exists"), "\(duplicate.stderr)")

        try await daemon.publish(domain)
        let verified = try await Self.domainctl(daemon, ["verify", name, "--wait", "--timeout", "30s"])
        #expect(verified.status == 0, "\(String(decoding: verified.stdout, as: UTF8.self)) \(verified.stderr)")
        #expect(try await daemon.domain(name).status == "verified")

        let shown = try await Self.domainctl(daemon, ["--json", "show", name])
        #expect(shown.status == 0)
        #expect(try Wire.decoder.decode(DomainJSON.self, from: shown.stdout).status == "verified")
        #expect(try await Self.domainctl(daemon, ["reload"]).status == 0)

        let unreachable = try await Self.domainctl(daemon, ["status"], socket: daemon.directory.path + "/absent.sock")
        #expect(unreachable.status == 69)
        #expect(unreachable.stderr.contains("absent.sock"), "the message names the socket: \(unreachable.stderr)")
    }
}
