// Domain checks over real DNS: Knot serves the scenarios, libunbound resolves, the core judges.
import Foundation
import Testing
import TestSupport
import VerifierCore
@testable import VerifierDNS

@Suite struct DomainCheckerTests {
    let bed = DNSTestBed.shared

    @Test func completeDomain_matchesEveryRecord_withAKeySplitOverTwoStrings() async throws {
        let result = try await bed.check("good.example.test")
        #expect(result.outcomes == [.match, .match, .match, .match])
        #expect(result.summary.verdict == .allMatch)
        #expect(result.allDiagnostics.isEmpty)
        #expect(result[.dmarc]?.detail == "policy p=none")
    }

    @Test func dkimRecord_arrivesAsTwoStrings() async throws {
        let answer = await (try bed.resolver()).resolve("resend._domainkey.good.example.test", .txt)
        #expect(answer.rcode == .noError)
        #expect(answer.txt.count == 1)
        #expect(answer.txt[0].strings.map(\.count) == [255, "p=\(bed.key.publicKeyBase64)".utf8.count - 255])
    }

    @Test func nothingPublished_isNoHost() async throws {
        let result = try await bed.check("missing.example.test")
        #expect(result.outcomes == [.noHost, .noHost, .noHost, .noHost])
        #expect(result.summary.verdict == .definitiveMiss)
    }

    @Test func nameWithoutThatType_isNoRecord() async throws {
        let result = try await bed.check("nodata.example.test")
        #expect(result[.dkim]?.outcome == .noRecord)
        #expect(result[.spfMX]?.outcome == .noRecord)
        #expect(result[.spfTXT]?.outcome == .noRecord)
        #expect(result[.spfTXT]?.detail?.contains("has no TXT record") == true)
    }

    @Test func wrongValues_areKeptAsObserved() async throws {
        let result = try await bed.check("wrong.example.test")
        #expect(result.outcomes == [.wrongValue, .wrongValue, .wrongValue, .wrongValue])
        #expect(result.hasDiagnostic(.dkimKeyMismatch, on: .dkim))
        #expect(result[.spfMX]?.observed == ["10 mx.elsewhere.test"])
        #expect(result[.spfTXT]?.observed == ["v=spf1 include:_spf.google.com ~all"])
        #expect(result.hasDiagnostic(.dmarcSyntax, on: .dmarc))
    }

    @Test func twoCandidates_areAmbiguous() async throws {
        let result = try await bed.check("ambiguous.example.test")
        #expect(result[.dkim]?.outcome == .ambiguous)
        #expect(result[.spfTXT]?.outcome == .ambiguous)
        #expect(result.hasDiagnostic(.multipleSPF, on: .spfTXT))
        #expect(result[.spfMX]?.outcome == .match)
    }

    @Test func literalQuotes_areDiagnosed() async throws {
        let result = try await bed.check("quoted.example.test")
        #expect(result[.dkim]?.outcome == .wrongValue)
        #expect(result[.spfTXT]?.outcome == .wrongValue)
        #expect(result.hasDiagnostic(.quotedValue, on: .dkim))
        #expect(result.hasDiagnostic(.quotedValue, on: .spfTXT))
    }

    @Test func recordsUnderTheDomainTwice_areDiagnosedAsDoubledSuffix() async throws {
        let result = try await bed.check("doubled.example.test")
        #expect(result.outcomes == [.noHost, .noHost, .noHost, .noHost])
        for kind in [RecordKind.dkim, .spfMX, .spfTXT] {
            #expect(result.hasDiagnostic(.doubledSuffix, on: kind))
        }
        #expect(!result.hasDiagnostic(.doubledSuffix, on: .dmarc))
    }

    @Test func preferredOtherMX_isAWarningNotAFailure() async throws {
        let result = try await bed.check("competing.example.test")
        #expect(result[.spfMX]?.outcome == .match)
        #expect(result.hasDiagnostic(.competingMX, on: .spfMX))
        #expect(result.hasDiagnostic(.mxPriority, on: .spfMX))
    }

    @Test func elevenIncludesAtTheApex_exceedTheLookupLimit() async throws {
        let result = try await bed.check("limit.example.test")
        #expect(result.summary.verdict == .allMatch)
        let diagnostic = try #require(result.diagnostics.first { $0.code == .spfLookupLimit })
        #expect(diagnostic.message.contains("limit.example.test"))
    }

    @Test func tenLookups_areWithinTheLimit() async throws {
        let result = try await bed.check("tenlookups.example.test")
        #expect(!result.hasDiagnostic(.spfLookupLimit))
    }

    @Test func cnames_areFollowed_andTheChainIsKept() async throws {
        let result = try await bed.check("cname.example.test")
        #expect(result[.dkim]?.outcome == .match)
        #expect(result[.dkim]?.cnameChain == ["dkim1.provider.test", "dkim2.provider.test"])
        #expect(result[.spfMX]?.outcome == .match)
        #expect(result[.spfTXT]?.outcome == .match)
        #expect(result[.dmarc]?.outcome == .noHost)
        #expect(result[.dmarc]?.detail?.contains("missing.provider.test") == true)
    }

    @Test func wildcardRecords_match() async throws {
        let result = try await bed.check("wild.example.test")
        #expect(result[.spfMX]?.outcome == .match)
        #expect(result[.spfTXT]?.outcome == .match)
        #expect(result[.dkim]?.outcome == .match)
    }

    @Test func nonAuthorisingQualifier_isWrongValue() async throws {
        let result = try await bed.check("qualifier.example.test")
        #expect(result[.spfTXT]?.outcome == .wrongValue)
        #expect(result.hasDiagnostic(.spfQualifier, on: .spfTXT))
    }

    @Test func revokedKey_isWrongValue() async throws {
        let result = try await bed.check("revoked.example.test")
        #expect(result[.dkim]?.outcome == .wrongValue)
        #expect(result.hasDiagnostic(.dkimRevoked, on: .dkim))
    }

    @Test func internationalisedZone_isCheckedByItsALabel() async throws {
        let result = try await bed.check("xn--bcher-kva.test")
        #expect(result.outcomes == [.match, .match, .match, .match])
    }

    @Test func answersTooLargeForUDP_areRetriedOverTCP() async throws {
        let answer = await (try bed.resolver()).resolve("send.tc.test", .txt)
        #expect(answer.txt.count == 7, "the whole record set, not a truncated part")
        let result = try await bed.check("tc.test")
        #expect(result.outcomes == [.match, .match, .match, .match], "\(result.records.map { $0.detail ?? "" })")
        #expect(result.spfLookups.map(\.name).sorted() == ["send.tc.test", "tc.test"])
    }

    @Test func servfail_isADNSError_neverAMissingRecord() async throws {
        let result = try await bed.check("x.broken.test")
        #expect(result.outcomes.allSatisfy { $0 == .dnsError })
        #expect(result[.dkim]?.detail?.contains("SERVFAIL") == true)
        #expect(result.summary.verdict == .inconclusive)
    }

    @Test func deadUpstream_givesDNSErrorWithinTheDeadline() async throws {
        let resolver = try UnboundResolver(configuration: ResolverConfiguration(mode: .forward, servers: ["127.0.0.1@9"], timeout: 1))
        let result = try await bed.check("good.example.test", resolver: resolver)
        #expect(result.outcomes.allSatisfy { $0 == .dnsError })
        #expect(result[.dkim]?.detail?.contains("timeout") == true)
        // The check's own monotonic duration: one deadline, not one per query in turn.
        #expect(result.duration < 2, "a dead upstream must not hold a check past the deadline (took \(result.duration) s)")
        #expect(resolver.stats.timedOut >= 5)
    }

    @Test func recordPublishedWhileRunning_isSeenOnceTheShortNegativeCacheExpires() async throws {
        // libunbound counts TTLs in whole seconds: a negative answer capped at 1 s is gone within 2 s.
        let resolver = try bed.resolver(negativeTTL: 1)
        let name = "late\(UInt32.random(in: 0...UInt32.max)).example.test"
        let before = try await bed.check(name, resolver: resolver)
        #expect(before[.spfTXT]?.outcome == .noHost)
        try bed.knot.set("example.test", "send.\(name).", "TXT", KnotServer.txt("v=spf1 include:amazonses.com ~all"))
        defer { try? bed.knot.unset("example.test", "send.\(name).") }
        let published = Date()
        var outcome: Outcome?
        while Date().timeIntervalSince(published) < 15 {
            outcome = try await bed.check(name, resolver: resolver)[.spfTXT]?.outcome
            if outcome == .match { break }
            try await Task.sleep(for: .milliseconds(100))  // polling a cache expiry: there is no event to await
        }
        #expect(outcome == .match, "the same resolver still answers from a negative cache entry")
    }

    @Test func manyConcurrentQueries_beyondTheInFlightBound_allComplete() async throws {
        let resolver = try UnboundResolver(configuration: ResolverConfiguration(mode: .forward, servers: [bed.knot.address], timeout: 5, maxInFlight: 8))
        let answers = await withTaskGroup(of: DNSObservation.self) { group in
            for index in 0..<200 {
                group.addTask { await resolver.resolve("n\(index).example.test", .txt) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.count == 200)
        #expect(answers.allSatisfy { $0.rcode == .nxDomain })
        #expect(resolver.stats.started == 200)
    }

    @Test func closedResolver_failsWaitingQueries_insteadOfHanging() async throws {
        let resolver = try UnboundResolver(configuration: ResolverConfiguration(mode: .forward, servers: ["127.0.0.1@9"], timeout: 30))
        let observation = await withCheckedContinuation { continuation in
            resolver.resolve("good.example.test", .txt) { continuation.resume(returning: $0) }
            resolver.close()
        }
        #expect(observation.failure == "the resolver was shut down")
    }

    @Test func badServerAddress_isRefusedWithTheReason() {
        #expect {
            _ = try UnboundResolver(configuration: ResolverConfiguration(mode: .forward, servers: ["not an address"]))
        } throws: { error in
            "\(error)".contains("not an address")
        }
    }
}
