// The human output, from constructed model values at a fixed "now": exact text, so any change shows.
import Foundation
import Testing
import VerifierAPIModels
@testable import DomainCtlKit

@Suite("HumanFormatter")
struct HumanFormatterTests {
    let formatter = HumanFormatter(now: Fixtures.now)

    @Test func testShow_printsSummaryTimesRecordsTableObservedValuesAndEveryDiagnosticWithItsFix() {
        let expected = """
            example.com
              ID:              7d9c1a52-4f0e-4c59-9a51-1f7e3c2b8a10
              Status:          pending
              Region:          us-east-1
              Return path:     send
              Open tracking:   on
              Click tracking:  off
              DKIM:            selector resend, RSA 2048 bits
              Created:         2026-11-28T09:00:00.000Z (3h ago)

            Verification
              Started:         2026-11-28T11:00:00.000Z (1h ago)
              Deadline:        2026-12-01T11:00:00.000Z (in 71h)
              Last check:      2026-11-28T11:58:00.000Z (2m ago)
              Next check:      2026-11-28T12:04:30.000Z (in 4m)
              Verified:        -

            Records
              RECORD  TYPE  NAME               STATUS    LAST OUTCOME  VALUE
              DKIM    TXT   resend._domainkey  pending   no_host       p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu…
              SPF     MX    send               verified  match         10 feedback-smtp.us-east-1.amazonses.com
              SPF     TXT   send               pending   wrong_value   v=spf1 include:amazonses.com ~all
              DMARC   TXT   _dmarc             pending   dns_error     v=DMARC1; p=none;
              Recommended, not required for verification: DMARC TXT.

            Last check saw
              SPF TXT send.example.com: wrong_value; found ""v=spf1 include:amazonses.com ~all""
              DMARC TXT _dmarc.example.com: dns_error; SERVFAIL from 127.0.0.1@5300

            Diagnostics
              quoted_value (SPF): The TXT record at send.example.com contains literal quotes.
                Fix: Remove the quotation marks around the value in your DNS host's form.
            """
        #expect(formatter.show(Fixtures.domain()) == expected)
    }

    @Test func testShow_ofADomainNeverChecked_saysNoneAndDashes() {
        var domain = Fixtures.domain(status: "not_started")
        domain.records = []
        domain.diagnostics = []
        domain.verification = VerificationResponse(startedAt: nil, deadlineAt: nil, lastCheckedAt: nil, nextCheckAt: nil, verifiedAt: nil)

        let text = formatter.show(domain)

        #expect(text.contains("\n  Last check:      -\n"))
        #expect(text.contains("Records\n  none\n"))
        #expect(text.hasSuffix("Diagnostics\n  none"))
        #expect(!text.contains("Last check saw"))
    }

    @Test func testList_alignsColumns_andCountsTheDomains() {
        var verified = Fixtures.domain(name: "mail.example.org", id: "0b6f7c1e-2d3a-4b5c-8d9e-0f1a2b3c4d5e", status: "verified", withDetails: false)
        verified.verification.nextCheckAt = "2026-11-28T17:30:00.000Z"
        verified.region = "eu-west-1"
        var fresh = Fixtures.domain(name: "new.example", id: "1", status: "not_started", withDetails: false)
        fresh.verification = VerificationResponse(startedAt: nil, deadlineAt: nil, lastCheckedAt: nil, nextCheckAt: nil, verifiedAt: nil)

        let expected = """
            NAME              STATUS       REGION     CREATED                   LAST CHECK  NEXT CHECK
            example.com       pending      us-east-1  2026-11-28T09:00:00.000Z  2m ago      in 4m
            mail.example.org  verified     eu-west-1  2026-11-28T09:00:00.000Z  2m ago      in 5h
            new.example       not_started  us-east-1  2026-11-28T09:00:00.000Z  -           -

            3 domains.
            """
        #expect(formatter.list([Fixtures.domain(withDetails: false), verified, fresh]) == expected)
        #expect(formatter.list([]) == "No domains.")
    }

    @Test func testHistory_showsTransitionsAndChecksNewestFirst_andSaysWhenMoreExist() {
        let entries = [
            HistoryEntryResponse(object: "transition", id: 7, cursor: "t7", at: "2026-11-28T11:58:00.000Z",
                                 from: "pending", to: "verified", reason: "every required record matches", checkId: 42),
            HistoryEntryResponse(object: "check", id: 42, cursor: "c42", at: "2026-11-28T11:58:00.000Z", durationMs: 120, verdict: "match",
                                 records: [
                                     CheckRecordResponse(record: "DKIM", type: "TXT", name: "resend._domainkey", outcome: "match",
                                                         observed: [], detail: nil, rcode: "NOERROR", cnameChain: []),
                                     CheckRecordResponse(record: "SPF", type: "MX", name: "send", outcome: "match",
                                                         observed: [], detail: nil, rcode: "NOERROR", cnameChain: []),
                                 ],
                                 diagnostics: Fixtures.diagnostics),
            HistoryEntryResponse(object: "transition", id: 6, cursor: "t6", at: "2026-11-25T11:00:00.000Z",
                                 from: "not_started", to: "pending", reason: "verify requested"),
        ]
        let expected = """
            TIME                                EVENT       DETAILS
            2026-11-28T11:58:00.000Z (2m ago)   transition  pending -> verified: every required record matches (check 42)
            2026-11-28T11:58:00.000Z (2m ago)   check       match, 120 ms: DKIM TXT match, SPF MX match; diagnostics: quoted_value
            2026-11-25T11:00:00.000Z (73h ago)  transition  not_started -> pending: verify requested
            """

        #expect(formatter.history(entries, domain: "example.com", moreAvailable: false) == expected)
        #expect(formatter.history(entries, domain: "example.com", moreAvailable: true)
            == expected + "\n\nOlder entries exist: raise --limit to see them.")
        #expect(formatter.history([], domain: "example.com", moreAvailable: false) == "example.com has no history yet.")
    }

    @Test func testStatus_countsDomainsInLifecycleOrder_andDescribesTheResolver() {
        let status = StatusResponse(
            version: "0.1.0", uptimeSeconds: 11_520,
            domains: ["verified": 100, "pending": 15, "failed": 2, "temporary_failure": 3, "not_started": 0],
            checksInFlight: 4, nextCheckAt: "2026-11-28T12:00:12.000Z",
            resolver: ResolverStatus(mode: "forward", servers: ["127.0.0.1@5300", "[::1]@5300"], timeoutMs: 5000))
        let expected = """
            domain-verifierd 0.1.0, up 3h 12m
              Domains:           120 (15 pending, 100 verified, 3 temporary_failure, 2 failed)
              Checks in flight:  4
              Next check:        2026-11-28T12:00:12.000Z (in 12s)
              Resolver:          forward to 127.0.0.1@5300, [::1]@5300, timeout 5s
            """
        #expect(formatter.status(status) == expected)
    }

    @Test func testStatus_ofAnIdleDaemon_saysNothingIsScheduled() {
        let status = StatusResponse(version: "0.1.0", uptimeSeconds: 5, domains: [:], checksInFlight: 0, nextCheckAt: nil,
                                    resolver: ResolverStatus(mode: "recursive", servers: [], timeoutMs: 1500))
        let expected = """
            domain-verifierd 0.1.0, up 5s
              Domains:           0
              Checks in flight:  0
              Next check:        none scheduled
              Resolver:          recursive, timeout 1500ms
            """
        #expect(formatter.status(status) == expected)
    }

    @Test func testRecords_printsEveryValueInFull_withThePriorityOfMX() {
        let text = formatter.records(Fixtures.domain())

        #expect(text.contains("  Value:  \(Fixtures.dkimValue)\n"))
        #expect(text.contains("""
            SPF MX (required)
              Type:      MX
              Name:      send
              FQDN:      send.example.com
              TTL:       Auto
              Priority:  10
              Value:     feedback-smtp.us-east-1.amazonses.com
            """))
        #expect(text.hasSuffix("DMARC TXT (recommended)\n  Type:   TXT\n  Name:   _dmarc\n  FQDN:   _dmarc.example.com\n  TTL:    Auto\n  Value:  v=DMARC1; p=none;"))
    }

    @Test func testUptime_usesTheTwoLargestUnits() {
        #expect(HumanFormatter.uptime(0) == "0s")
        #expect(HumanFormatter.uptime(59) == "59s")
        #expect(HumanFormatter.uptime(303) == "5m 3s")
        #expect(HumanFormatter.uptime(3 * 86400 + 4 * 3600 + 59) == "3d 4h")
    }
}

@Suite("TimeText, TextTable and DurationText")
struct TextPiecesTests {
    @Test func testRelative_truncatesToOneUnit_hoursUpToFourDays() {
        let now = Fixtures.now
        #expect(TimeText.relative(now, now: now) == "now")
        #expect(TimeText.relative(now + 240, now: now) == "in 4m")
        #expect(TimeText.relative(now - 3 * 3600 - 1799, now: now) == "3h ago")
        #expect(TimeText.relative(now + 71 * 3600 + 3599, now: now) == "in 71h")
        #expect(TimeText.relative(now - 30 * 86400, now: now) == "30d ago")
        #expect(TimeText.relative(now + 59.9, now: now) == "in 59s")
    }

    @Test func testAnnotated_keepsTheTextAsGiven_andPassesNonTimestampsThrough() {
        #expect(TimeText.annotated("2026-11-28T11:57:00Z", now: Fixtures.now) == "2026-11-28T11:57:00Z (3m ago)")
        #expect(TimeText.annotated("soon", now: Fixtures.now) == "soon")
        #expect(TimeText.annotated(nil, now: Fixtures.now, absent: "never") == "never")
    }

    @Test func testTable_padsEveryColumnButTheLast_andLeavesNoTrailingBlanks() {
        let table = TextTable(header: ["A", "LONG HEADER", "C"], rows: [["wide cell", "", ""], ["x", "y", "z"]])
        #expect(table.lines() == ["A          LONG HEADER  C", "wide cell", "x          y            z"])
    }
}
