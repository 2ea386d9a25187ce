// Faults between the resolver and the authoritative server: every one is a dns_error, never a missing record.
import Foundation
import Testing
import TestSupport
import VerifierCore
import VerifierDNS

@Suite struct FaultTests {
    let bed = DNSTestBed.shared

    /// Checks good.example.test (complete in Knot) through a fault server applying `action` to every query.
    private func check(through action: FaultAction, timeout: TimeInterval = 1.5) async throws -> CheckResult {
        let faults = try FaultDNSServer(rules: FaultRules([], default: action), upstream: bed.knot.address)
        defer { faults.stop() }
        let resolver = try UnboundResolver(configuration: ResolverConfiguration(mode: .forward, servers: [faults.address], timeout: timeout))
        return try await bed.check("good.example.test", resolver: resolver)
    }

    @Test(arguments: [FaultAction.servfail, .refused, .formerr, .garbage, .wrongID, .drop, .truncateTCPFail])
    func faultyUpstream_givesDNSError_neverAMissingRecord(action: FaultAction) async throws {
        let result = try await check(through: action)
        #expect(result.outcomes.allSatisfy { $0 == .dnsError }, "\(action.text): \(result.outcomes)")
        #expect(result.summary.verdict == .inconclusive)
        #expect(result.records.allSatisfy { $0.detail?.isEmpty == false }, "every dns_error keeps its detail")
        #expect(result.duration < 3, "\(action.text) held the check for \(result.duration) s")
    }

    @Test func slowAnswersWithinTheDeadline_areAnswers() async throws {
        let result = try await check(through: .slow(milliseconds: 300), timeout: 3)
        #expect(result.outcomes == [.match, .match, .match, .match])
    }

    @Test func slowAnswersPastTheDeadline_areTimeouts() async throws {
        let result = try await check(through: .slow(milliseconds: 2500), timeout: 1)
        #expect(result.outcomes.allSatisfy { $0 == .dnsError })
        #expect(result[.dkim]?.detail?.contains("timeout") == true)
    }

    @Test func proxiedAnswers_matchAsDirectOnes() async throws {
        let result = try await check(through: .proxy)
        #expect(result.outcomes == [.match, .match, .match, .match])
    }

    @Test func oneFailingRecord_isInconclusive_whileTheOthersAreJudged() async throws {
        let faults = try FaultDNSServer(rules: FaultRules([
            FaultRules.Rule(suffix: "resend._domainkey.good.example.test", action: .servfail),
        ], default: .proxy), upstream: bed.knot.address)
        defer { faults.stop() }
        let resolver = try UnboundResolver(configuration: ResolverConfiguration(mode: .forward, servers: [faults.address], timeout: 2))
        let result = try await bed.check("good.example.test", resolver: resolver)
        #expect(result.outcomes == [.dnsError, .match, .match, .match])
        #expect(result.summary.verdict == .inconclusive)
    }

    @Test func strangeAnswers_areJudgedNotCrashedOn() async throws {
        // Records a hostile or broken server might send: empty TXT strings, a null MX, odd bytes.
        let faults = try FaultDNSServer(rules: FaultRules([
            FaultRules.Rule(suffix: "resend._domainkey.good.example.test", action: .answer(["@ TXT \"\" \"\\000\\255p=\" \"\""])),
            FaultRules.Rule(suffix: "send.good.example.test", qtype: "MX", action: .answer(["@ MX 0 ."])),
            FaultRules.Rule(suffix: "send.good.example.test", qtype: "TXT", action: .answer(["@ TXT \"v=spf1 include:\\\"amazonses.com ~all\""])),
        ], default: .proxy), upstream: bed.knot.address)
        defer { faults.stop() }
        let resolver = try UnboundResolver(configuration: ResolverConfiguration(mode: .forward, servers: [faults.address], timeout: 2))
        let result = try await bed.check("good.example.test", resolver: resolver)
        #expect(result[.dkim]?.outcome == .wrongValue)
        #expect(result[.dkim]?.observed.first?.hasPrefix("\\000") == true, "bytes outside printable ASCII are shown escaped")
        #expect(result[.spfMX]?.outcome == .wrongValue)
        #expect(result[.spfMX]?.detail?.contains("null MX") == true)
        #expect(result[.spfTXT]?.outcome == .wrongValue)
        #expect(result[.spfMX]?.observed == ["0 ."])
        #expect(result.hasDiagnostic(.quotedValue, on: .spfTXT))
    }
}
