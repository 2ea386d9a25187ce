// Tests SPFLookupCount: counting the DNS lookups an SPF record needs across includes and redirects (RFC 7208 §4.6.4).
import Testing
@testable import VerifierCore

struct SPFLookupCountTests {
    private func spf(_ text: String) -> SPFRecord {
        try! SPFRecord.parse(text)
    }

    private func count(_ root: String, _ fetched: [String: String] = [:], extra: [String: SPFFetch] = [:]) -> SPFLookupReport {
        var all = fetched.mapValues { SPFFetch.record(spf($0)) }
        all.merge(extra) { _, new in new }
        return SPFLookupCount.count(root: spf(root), fetched: all)
    }

    @Test(arguments: [
        ("v=spf1 -all", 0),
        ("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all", 0),
        ("v=spf1 a -all", 1),
        ("v=spf1 mx -all", 1),
        ("v=spf1 ptr -all", 1),
        ("v=spf1 exists:%{i}.example.com -all", 1),
        ("v=spf1 a mx ptr exists:x.example.com ip4:192.0.2.1 -all", 4),
        ("v=spf1 a:a.example.com/24 mx:m.example.com//64 ?all", 2),
    ])
    func count_countsLookupMechanisms(text: String, lookups: Int) {
        let report = count(text)
        #expect(report.lookups == lookups)
        #expect(report.unresolved.isEmpty)
        #expect(!report.exceedsLimit)
    }

    @Test func count_followsIncludesRecursively() {
        let report = count("v=spf1 include:a.example.com mx -all", [
            "a.example.com": "v=spf1 include:b.example.com a -all",
            "b.example.com": "v=spf1 mx ptr ip4:192.0.2.1 -all",
        ])
        // include:a (1) + mx (1) + include:b (1) + a (1) + mx (1) + ptr (1)
        #expect(report.lookups == 6)
        #expect(report.unresolved.isEmpty)
        #expect(report.problems.isEmpty)
        #expect(!report.incomplete)
    }

    @Test func count_followsRedirect_andCountsIt() {
        let report = count("v=spf1 a redirect=_spf.example.com", ["_spf.example.com": "v=spf1 mx include:c.example.com -all",
                                                                  "c.example.com": "v=spf1 -all"])
        // a (1) + redirect (1) + mx (1) + include:c (1)
        #expect(report.lookups == 4)
    }

    @Test func count_ignoresRedirect_whenTheRecordHasAll() {
        let report = count("v=spf1 a -all redirect=_spf.example.com")
        #expect(report.lookups == 1)
        #expect(report.unresolved.isEmpty)
    }

    @Test func count_doesNotCountMechanismsAfterAll() {
        let report = count("v=spf1 a ~all include:x.example.com mx")
        #expect(report.lookups == 1)
        #expect(report.unresolved.isEmpty)
    }

    @Test func count_stopsAtAllInsideAnInclude_butGoesOnInTheParent() {
        let report = count("v=spf1 include:a.example.com mx -all", ["a.example.com": "v=spf1 -all a a a"])
        #expect(report.lookups == 2)
    }

    @Test(arguments: [(10, false), (11, true)])
    func count_allowsTenLookups_andExceedsAtEleven(n: Int, exceeds: Bool) {
        let root = "v=spf1 " + (1...n).map { "a:h\($0).example.com" }.joined(separator: " ") + " -all"
        let report = count(root)
        #expect(report.lookups == n)
        #expect(report.exceedsLimit == exceeds)
    }

    @Test func count_addsIncludedLookupsToTheLimit() {
        let report = count("v=spf1 include:big.example.com a mx -all", [
            "big.example.com": "v=spf1 " + (1...8).map { "exists:e\($0).example.com" }.joined(separator: " ") + " -all",
        ])
        // 1 + 8 + a + mx = 11
        #expect(report.exceedsLimit)
        #expect(report.lookups == 11)
    }

    @Test func count_listsUnresolvedTargetsOnce_lowerCasedWithoutTrailingDot() {
        let report = count("v=spf1 include:A.example.com. include:a.example.com include:b.example.com redirect=c.example.com")
        #expect(report.lookups == 4)
        #expect(report.unresolved == ["a.example.com", "b.example.com", "c.example.com"])
        #expect(!report.incomplete)
    }

    @Test func count_listsUnresolvedTargetsOfIncludedRecords() {
        let report = count("v=spf1 include:a.example.com -all", ["a.example.com": "v=spf1 include:deep.example.com -all"])
        #expect(report.unresolved == ["deep.example.com"])
    }

    @Test func count_detectsAnIncludeLoop_asExceedingTheLimit() {
        let report = count("v=spf1 include:a.example.com -all", [
            "a.example.com": "v=spf1 include:b.example.com -all",
            "b.example.com": "v=spf1 include:a.example.com -all",
        ])
        #expect(report.exceedsLimit)
        #expect(report.problems.contains { $0.contains("include:a.example.com loops") })
    }

    @Test func count_detectsARedirectLoop() {
        let report = count("v=spf1 redirect=a.example.com", ["a.example.com": "v=spf1 redirect=A.EXAMPLE.COM."])
        #expect(report.exceedsLimit)
        #expect(report.problems.contains { $0.contains("redirect:a.example.com loops") })
    }

    @Test func count_countsATargetIncludedTwiceTwice() {
        let report = count("v=spf1 include:a.example.com include:b.example.com -all", [
            "a.example.com": "v=spf1 include:c.example.com -all",
            "b.example.com": "v=spf1 include:c.example.com -all",
            "c.example.com": "v=spf1 mx -all",
        ])
        #expect(report.lookups == 6)
        #expect(report.problems.isEmpty)
    }

    @Test func count_countsMacroTargets_butDoesNotFollowThem() {
        let report = count("v=spf1 include:%{d}._spf.example.com redirect=%{d}.example.com")
        #expect(report.lookups == 2)
        #expect(report.unresolved.isEmpty)
        #expect(report.problems.isEmpty)
    }

    @Test func count_marksIncomplete_whenALookupFailed() {
        let report = count("v=spf1 include:a.example.com -all", extra: ["a.example.com": .error("SERVFAIL")])
        #expect(report.incomplete)
        #expect(report.lookups == 1)
        #expect(report.problems == ["include:a.example.com could not be looked up (SERVFAIL)"])
    }

    @Test(arguments: [
        (SPFFetch.none, "include:a.example.com has no SPF record"),
        (.multiple, "include:a.example.com has more than one SPF record"),
        (.invalid("bad mechanism"), "include:a.example.com has an invalid SPF record (bad mechanism)"),
    ])
    func count_reportsProblemsWithTargets_withoutMarkingIncomplete(fetch: SPFFetch, problem: String) {
        let report = count("v=spf1 include:a.example.com -all", extra: ["a.example.com": fetch])
        #expect(report.problems == [problem])
        #expect(!report.incomplete)
        #expect(report.lookups == 1)
    }

    @Test func count_stopsEarly_onceTheLimitIsExceeded() {
        let root = "v=spf1 " + (1...11).map { "include:i\($0).example.com" }.joined(separator: " ") + " include:late.example.com -all"
        let report = count(root)
        #expect(report.exceedsLimit)
        #expect(!report.unresolved.contains("late.example.com"))
    }

    // MARK: the diagnostic

    @Test func lookupLimitDiagnostic_isNilWithinTheLimit() {
        let report = SPFLookupReport(lookups: 10, unresolved: [], problems: [], incomplete: false)
        #expect(RecordJudge.lookupLimitDiagnostic(report, at: "example.com") == nil)
    }

    @Test func lookupLimitDiagnostic_namesTheCount_whenOverTheLimit() throws {
        let report = SPFLookupReport(lookups: 13, unresolved: [], problems: [], incomplete: false)
        let diagnostic = try #require(RecordJudge.lookupLimitDiagnostic(report, at: "send.example.com"))
        #expect(diagnostic.code == .spfLookupLimit)
        #expect(diagnostic.record == .spfTXT)
        #expect(diagnostic.message.contains("send.example.com"))
        #expect(diagnostic.message.contains("more than 10 DNS lookups (13 counted)"))
        #expect(diagnostic.fix.contains("ip4:"))
    }

    @Test func lookupLimitDiagnostic_namesTheLoop_whenThereIsOne() throws {
        let report = count("v=spf1 include:a.example.com -all", ["a.example.com": "v=spf1 include:a.example.com -all"])
        let diagnostic = try #require(RecordJudge.lookupLimitDiagnostic(report, at: "example.com"))
        #expect(diagnostic.message.contains("include loop"))
        #expect(diagnostic.message.contains("include:a.example.com loops back"))
    }
}
