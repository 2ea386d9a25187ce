// Our judgements against independent implementations on the same zones: dkimpy, checkdmarc, pyspf, opendkim-testkey.
import Foundation
import Testing
import TestSupport
import VerifierCore
import VerifierDNS

@Suite struct AgreementTests {
    let bed = DNSTestBed.shared

    /// Runs a Python snippet with `PORT` set to the test bed's Knot port; returns its trimmed output.
    private func python(_ script: String, _ arguments: [String] = []) async throws -> String {
        let prelude = """
            import sys, dns.resolver, dns.nameserver, dns.rdatatype
            PORT = \(bed.knot.port)
            def local_resolver():
                resolver = dns.resolver.Resolver(configure=False)
                resolver.nameservers = ["127.0.0.1"]
                resolver.port = PORT
                resolver.lifetime = 5
                return resolver
            NAMESERVERS = [dns.nameserver.Do53Nameserver("127.0.0.1", PORT)]

            """
        let result = try await run("/usr/bin/env", ["python3", "-c", prelude + script] + arguments)
        #expect(result.status == 0, "python3 failed: \(result.output)")
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(arguments: [("good.example.test", true), ("wrong.example.test", false), ("cname.example.test", true)])
    func dkimpy_verifiesOurSignature_exactlyWhenWeSayTheKeyMatches(domain: String, expected: Bool) async throws {
        let ours = try await bed.check(domain)[.dkim]?.outcome == .match
        let directory = try TemporaryDirectory()
        let keyFile = try directory.file("key.pem", contents: Data(bed.key.privateKeyPEM.utf8))
        let verdict = try await python("""
            import dkim
            resolver = local_resolver()
            def dnsfunc(name, timeout=5):
                # Knot is authoritative, not recursive: chase CNAMEs here, as a resolver would.
                name = name.decode().rstrip(".")
                for _ in range(8):
                    try:
                        answer = resolver.resolve(name, "TXT", raise_on_no_answer=False)
                    except Exception:
                        return None
                    txt = [rr for rrset in answer.response.answer if rrset.rdtype == dns.rdatatype.TXT for rr in rrset]
                    if txt:
                        return b"".join(b"".join(rr.strings) for rr in txt)
                    cnames = [rr for rrset in answer.response.answer if rrset.rdtype == dns.rdatatype.CNAME for rr in rrset]
                    if not cnames:
                        return None
                    name = cnames[-1].target.to_text().rstrip(".")
                return None
            domain = sys.argv[1].encode()
            message = b"From: a@" + domain + b"\\r\\nTo: b@example.org\\r\\nSubject: agreement\\r\\n\\r\\nHello.\\r\\n"
            signature = dkim.sign(message, b"resend", domain, open(sys.argv[2], "rb").read(), include_headers=[b"from", b"to", b"subject"])
            print("pass" if dkim.verify(signature + message, dnsfunc=dnsfunc) else "fail")
            """, [domain, keyFile])
        #expect(ours == expected)
        #expect((verdict == "pass") == expected, "dkimpy said \(verdict)")
    }

    @Test(arguments: ["good.example.test", "send.good.example.test", "limit.example.test", "tenlookups.example.test"])
    func checkdmarc_countsTheSameSPFLookups(name: String) async throws {
        let domain = name.hasPrefix("send.") ? String(name.dropFirst(5)) : name
        let ours = try #require(try await bed.check(domain).spfLookups.first { $0.name == name })
        let theirs = try await python("""
            import checkdmarc.spf as spf
            try:
                print(spf.get_spf_record(sys.argv[1], nameservers=NAMESERVERS, timeout=5)["parsed"] and
                      spf.get_spf_record(sys.argv[1], nameservers=NAMESERVERS, timeout=5)["dns_lookups"])
            except spf.SPFTooManyDNSLookups as error:
                print(error.data["dns_lookups"])
            """, [name])
        #expect(String(ours.lookups) == theirs, "ours \(ours.lookups), checkdmarc \(theirs)")
        #expect(!ours.incomplete)
    }

    @Test(arguments: [("good.example.test", true), ("wrong.example.test", false), ("missing.example.test", false)])
    func checkdmarc_acceptsTheDMARCRecord_exactlyWhenWeDo(domain: String, expected: Bool) async throws {
        let ours = try await bed.check(domain)[.dmarc]?.outcome == .match
        let theirs = try await python("""
            import checkdmarc.dmarc as dmarc
            try:
                result = dmarc.check_dmarc(sys.argv[1], nameservers=NAMESERVERS, timeout=5)
                print("valid" if result.get("valid", True) and "error" not in result else "invalid")
            except Exception as error:
                print("invalid")
            """, [domain])
        #expect(ours == expected)
        #expect((theirs == "valid") == expected, "checkdmarc said \(theirs)")
    }

    @Test(arguments: [
        ("good.example.test", "pass"),
        ("qualifier.example.test", "fail"),
        ("wrong.example.test", "permerror"),
        ("ambiguous.example.test", "permerror"),
        ("missing.example.test", "none"),
    ])
    func pyspf_passesTheReturnPath_exactlyWhenWeSayTheSPFRecordMatches(domain: String, expected: String) async throws {
        let ours = try await bed.check(domain)[.spfTXT]?.outcome
        let address = "192.0.2.10"  // inside amazonses.com's network in the test bed
        let theirs = try await python("""
            import spf
            dns.resolver.default_resolver = local_resolver()
            result, explanation = spf.check2(i=sys.argv[2], s="bounce@send." + sys.argv[1], h="mta.example.org")
            print(result)
            """, [domain, address])
        #expect(theirs == expected, "pyspf said \(theirs)")
        #expect((ours == .match) == (theirs == "pass"), "ours \(String(describing: ours)), pyspf \(theirs)")
    }

    @Test func pyspf_returnsPermerror_whereWeDiagnoseTheLookupLimit() async throws {
        let result = try await bed.check("limit.example.test")
        #expect(result.hasDiagnostic(.spfLookupLimit))
        let theirs = try await python("""
            import spf
            dns.resolver.default_resolver = local_resolver()
            print(spf.check2(i="203.0.113.1", s="x@limit.example.test", h="mta.example.org")[0])
            """)
        #expect(theirs == "permerror")
    }

    @Test func opendkimTestkey_acceptsOurKey() async throws {
        let directory = try TemporaryDirectory()
        let keyFile = directory.path + "/key.pem"
        try bed.key.writePrivateKey(to: keyFile)
        let unboundConf = try directory.file("unbound.conf", contents: Data("""
            server:
                do-not-query-localhost: no
                local-zone: "test." nodefault
            forward-zone:
                name: "."
                forward-addr: \(bed.knot.address)

            """.utf8))
        let conf = try directory.file("opendkim.conf", contents: Data("ResolverConfiguration \(unboundConf)\n".utf8))
        let good = try await run("/usr/sbin/opendkim-testkey", ["-d", "good.example.test", "-s", "resend", "-k", keyFile, "-x", conf, "-vvv"])
        #expect(good.status == 0, "opendkim-testkey: \(good.output)")
        #expect(good.output.contains("key OK"))
        let wrong = try await run("/usr/sbin/opendkim-testkey", ["-d", "wrong.example.test", "-s", "resend", "-k", keyFile, "-x", conf])
        #expect(wrong.status != 0, "opendkim-testkey accepted another domain's key: \(wrong.output)")
    }
}
