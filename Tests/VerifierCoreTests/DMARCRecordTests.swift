// Tests DMARCRecord: recognising and parsing DMARC policy records (RFC 7489 §6.3).
import Testing
@testable import VerifierCore

struct DMARCRecordTests {
    @Test(arguments: [
        ("v=DMARC1; p=none;", DMARCRecord.Policy.none),
        ("v=DMARC1; p=quarantine", .quarantine),
        ("v=DMARC1; p=reject", .reject),
        ("v=DMARC1;p=REJECT", .reject),
        (" v = DMARC1 ; p = none ", .none),
    ])
    func parse_readsThePolicy(text: String, policy: DMARCRecord.Policy) throws {
        let record = try DMARCRecord.parse(text)
        #expect(record.policy == policy)
        #expect(record.subdomainPolicy == nil)
        #expect(record.percent == 100)
        #expect(record.reportURIs.isEmpty)
    }

    @Test func parse_readsOptionalTags() throws {
        let record = try DMARCRecord.parse("v=DMARC1; p=reject; sp=none; pct=50; adkim=s; aspf=r; rua=mailto:a@example.com, mailto:b@example.net")
        #expect(record.policy == .reject)
        #expect(record.subdomainPolicy == DMARCRecord.Policy.none)
        #expect(record.percent == 50)
        #expect(record.reportURIs == ["mailto:a@example.com", "mailto:b@example.net"])
        #expect(record.summary == "p=reject; sp=none; pct=50")
    }

    @Test(arguments: [
        ("v=DMARC1; p=none", "p=none"),
        ("v=DMARC1; p=quarantine; pct=100", "p=quarantine"),
        ("v=DMARC1; p=reject; sp=quarantine", "p=reject; sp=quarantine"),
        ("v=DMARC1; p=none; pct=0", "p=none; pct=0"),
    ])
    func summary_showsThePolicyInOneLine(text: String, summary: String) throws {
        #expect(try DMARCRecord.parse(text).summary == summary)
    }

    @Test(arguments: [
        ("v=DMARC1", "no p= policy"),
        ("v=DMARC1; rua=mailto:a@example.com", "no p= policy"),
        ("v=DMARC1; p=block", "p=block is not none, quarantine or reject"),
        ("v=DMARC1; p=", "p= is not none, quarantine or reject"),
        ("p=none; v=DMARC1", "the first tag must be v=DMARC1"),
        ("v=dmarc1; p=none", "the first tag must be v=DMARC1"),
        ("v=DMARC2; p=none", "the first tag must be v=DMARC1"),
        ("v=DMARC1; p=none; sp=all", "sp=all is not none, quarantine or reject"),
        ("v=DMARC1; p=none; pct=101", "pct=101 is not a number from 0 to 100"),
        ("v=DMARC1; p=none; pct=half", "pct=half is not a number from 0 to 100"),
        ("v=DMARC1; p=none; adkim=x", "adkim=x is not r or s"),
        ("v=DMARC1; p=none; aspf=strict", "aspf=strict is not r or s"),
        ("v=DMARC1;; p=none", "does not parse"),
        ("v=DMARC1; p=none; p=reject", "does not parse"),
    ])
    func parse_refusesInvalidRecords_sayingWhy(text: String, reasonPart: String) {
        #expect {
            try DMARCRecord.parse(text)
        } throws: { error in
            (error as? DMARCRecord.ParseError)?.reason.contains(reasonPart) == true
        }
    }

    @Test(arguments: [
        ("v=DMARC1; p=none", true),
        ("v = DMARC1; p=none", true),
        ("v=dmarc1; p=none", true),
        ("v=DMARC1", true),
        ("p=none; v=DMARC1", false),
        ("v=spf1 -all", false),
        ("\"v=DMARC1; p=none\"", false),
        ("", false),
    ])
    func looksLikeDMARC_recognisesRecordsMeantAsDMARC(text: String, expected: Bool) {
        #expect(DMARCRecord.looksLikeDMARC(text) == expected)
    }
}
