// The DNS test bed shared by the resolver tests: one Knot server with scenario domains, and a DKIM key.
import Foundation
import TestSupport
import VerifierCore
import VerifierDNS
import VerifierKeys

/// One Knot server for the whole target, started on first use, with a domain per scenario under
/// `example.test` and a few zones of their own.
final class DNSTestBed: Sendable {
    static let shared: DNSTestBed = {
        do {
            return try DNSTestBed()
        } catch {
            fatalError("the DNS test bed did not start: \(error)")
        }
    }()

    let knot: KnotServer
    let key: DKIMKeyPair
    let otherKey: DKIMKeyPair
    /// amazonses.com's SPF in the test bed authorises this network, for pyspf.
    static let sesNetwork = "192.0.2.0/24"

    init() throws {
        key = try DKIMKeyPair.generate(bits: 2048)
        otherKey = try DKIMKeyPair.generate(bits: 1024)
        let p = KnotServer.txt("p=\(key.publicKeyBase64)")
        let spf = KnotServer.txt("v=spf1 include:amazonses.com ~all")
        let dmarc = KnotServer.txt("v=DMARC1; p=none;")
        let mx = "10 feedback-smtp.us-east-1.amazonses.com."
        func complete(_ domain: String) -> String {
            """
            resend._domainkey.\(domain) TXT \(p)
            send.\(domain) MX \(mx)
            send.\(domain) TXT \(spf)
            _dmarc.\(domain) TXT \(dmarc)
            """
        }
        let includes = (1...11).map { "spf\($0).example.test. TXT \"v=spf1 ip4:198.51.100.\($0) -all\"" }.joined(separator: "\n")
        let elevenIncludes = (1...11).map { "include:spf\($0).example.test" }.joined(separator: " ")
        let tenIncludes = (1...10).map { "include:spf\($0).example.test" }.joined(separator: " ")
        let example = """
            \(complete("good.example.test."))
            good.example.test. TXT "v=spf1 mx include:amazonses.com -all"
            send.nodata.example.test. A 192.0.2.1
            resend._domainkey.nodata.example.test. A 192.0.2.1
            resend._domainkey.wrong.example.test. TXT "v=DKIM1; k=rsa; p=\(otherKey.publicKeyBase64)"
            send.wrong.example.test. MX 10 mx.elsewhere.test.
            send.wrong.example.test. TXT "v=spf1 include:_spf.google.com ~all"
            _dmarc.wrong.example.test. TXT "v=DMARC1; p=sometimes"
            resend._domainkey.ambiguous.example.test. TXT \(p)
            resend._domainkey.ambiguous.example.test. TXT "p=\(otherKey.publicKeyBase64)"
            send.ambiguous.example.test. MX \(mx)
            send.ambiguous.example.test. TXT \(spf)
            send.ambiguous.example.test. TXT "v=spf1 include:mailgun.org ~all"
            resend._domainkey.quoted.example.test. TXT \(KnotServer.txt("\"p=\(key.publicKeyBase64)\""))
            send.quoted.example.test. MX \(mx)
            send.quoted.example.test. TXT "\\"v=spf1 include:amazonses.com ~all\\""
            resend._domainkey.doubled.example.test.doubled.example.test. TXT \(p)
            send.doubled.example.test.doubled.example.test. MX \(mx)
            send.doubled.example.test.doubled.example.test. TXT \(spf)
            resend._domainkey.competing.example.test. TXT \(p)
            send.competing.example.test. MX 5 mx.other.test.
            send.competing.example.test. MX 20 feedback-smtp.us-east-1.amazonses.com.
            send.competing.example.test. TXT \(spf)
            \(includes)
            limit.example.test. TXT "v=spf1 \(elevenIncludes) -all"
            \(complete("limit.example.test."))
            tenlookups.example.test. TXT "v=spf1 \(tenIncludes) -all"
            \(complete("tenlookups.example.test."))
            resend._domainkey.cname.example.test. CNAME dkim1.provider.test.
            send.cname.example.test. CNAME bounce.provider.test.
            _dmarc.cname.example.test. CNAME missing.provider.test.
            *.wild.example.test. TXT \(spf)
            *.wild.example.test. MX \(mx)
            resend._domainkey.wild.example.test. TXT \(p)
            resend._domainkey.qualifier.example.test. TXT \(p)
            send.qualifier.example.test. MX \(mx)
            send.qualifier.example.test. TXT "v=spf1 -include:amazonses.com ~all"
            resend._domainkey.revoked.example.test. TXT "v=DKIM1; p="
            send.revoked.example.test. MX \(mx)
            send.revoked.example.test. TXT \(spf)
            """
        knot = try KnotServer(
            zones: [
                "example.test": example,
                "amazonses.com": """
                    @ TXT "v=spf1 ip4:\(Self.sesNetwork) -all"
                    feedback-smtp.us-east-1.amazonses.com. A 192.0.2.25
                    """,
                "provider.test": """
                    dkim1 CNAME dkim2
                    dkim2 TXT \(p)
                    bounce MX \(mx)
                    bounce TXT \(spf)
                    """,
                "xn--bcher-kva.test": complete("xn--bcher-kva.test."),
                // TXT record sets larger than a 1232-byte UDP answer: truncated, then asked over TCP.
                "tc.test": complete("tc.test.") + "\n" + (0..<6).map { index in
                    "send.tc.test. TXT \(KnotServer.txt("verification-token-\(index)=" + String(repeating: "x", count: 300)))\n"
                        + "tc.test. TXT \(KnotServer.txt("site-verification-\(index)=" + String(repeating: "y", count: 300)))"
                }.joined(separator: "\n") + "\ntc.test. TXT \"v=spf1 include:amazonses.com -all\"",
            ],
            brokenZones: ["broken.test"])
    }

    /// The records a domain of the test bed must publish, with the test bed's key.
    func records(_ domain: String) -> [RecordSpec] {
        RecordPolicy().records(for: DomainRecordInputs(name: domain, region: "us-east-1", returnPath: "send",
                                                       dkimPublicKey: key.publicKeyBase64, dkimSelector: "resend"))
    }

    func resolver(timeout: TimeInterval = 2, negativeTTL: Int = 0) throws -> UnboundResolver {
        try UnboundResolver(configuration: ResolverConfiguration(mode: .forward, servers: [knot.address], timeout: timeout,
                                                                 cacheMaxNegativeTTL: negativeTTL))
    }

    /// Checks `domain` through a fresh resolver (no cache shared between tests).
    func check(_ domain: String, resolver: UnboundResolver? = nil) async throws -> CheckResult {
        let checker = DomainChecker(resolver: try resolver ?? self.resolver())
        return await checker.check(CheckTarget(domain: domain, records: records(domain)), reason: .scheduled, startedAt: Date())
    }
}

extension CheckResult {
    subscript(kind: RecordKind) -> RecordJudgement? { records.first { $0.kind == kind } }

    /// The outcome of each record, in record order.
    var outcomes: [Outcome] { records.map(\.outcome) }

    func hasDiagnostic(_ code: DiagnosticCode, on kind: RecordKind? = nil) -> Bool {
        allDiagnostics.contains { $0.code == code && (kind == nil || $0.record == kind) }
    }
}
