// Tests CheckSummary and CheckResult: reducing a check's record outcomes to the verdict the status machine needs.
import Testing
@testable import VerifierCore

struct CheckSummaryTests {
    @Test(arguments: Outcome.allCases)
    func outcome_isDefinitive_unlessDNSError(outcome: Outcome) {
        #expect(outcome.isDefinitive == (outcome != .dnsError))
    }

    @Test(arguments: [
        ([RecordKind.dkim: Outcome.match, .spfMX: .match, .spfTXT: .match], CheckVerdict.allMatch),
        ([.dkim: .match, .spfMX: .match, .spfTXT: .match, .dmarc: .noHost], .allMatch),
        ([.dkim: .match, .spfMX: .match, .spfTXT: .match, .dmarc: .dnsError], .allMatch),
        ([.dkim: .wrongValue, .spfMX: .match, .spfTXT: .match], .definitiveMiss),
        ([.dkim: .match, .spfMX: .noHost, .spfTXT: .match], .definitiveMiss),
        ([.dkim: .match, .spfMX: .match, .spfTXT: .ambiguous], .definitiveMiss),
        ([.dkim: .noRecord, .spfMX: .match, .spfTXT: .match], .definitiveMiss),
        ([.dkim: .dnsError, .spfMX: .noHost, .spfTXT: .match], .definitiveMiss),
        ([.dkim: .dnsError, .spfMX: .match, .spfTXT: .match], .inconclusive),
        ([.dkim: .dnsError, .spfMX: .dnsError, .spfTXT: .dnsError], .inconclusive),
        ([.dkim: .match, .spfMX: .match], .inconclusive),
        ([.dmarc: .match], .inconclusive),
    ])
    func checkSummary_verdict(outcomes: [RecordKind: Outcome], verdict: CheckVerdict) {
        #expect(CheckSummary(outcomes: outcomes).verdict == verdict)
    }

    @Test func checkSummary_keepsOnlyRequiredRecords_andListsMissesInRecordOrder() {
        let summary = CheckSummary(outcomes: [.spfTXT: .wrongValue, .dmarc: .noHost, .dkim: .noHost, .spfMX: .match])
        #expect(summary.outcomes[.dmarc] == nil)
        #expect(summary.misses == "dkim no_host, spf_txt wrong_value")
    }

    @Test func checkSummary_fromJudgements_keepsTheFirstJudgementOfAKind() {
        let summary = CheckSummary([
            RecordJudgement(kind: .dkim, outcome: .match),
            RecordJudgement(kind: .dkim, outcome: .noHost),
            RecordJudgement(kind: .spfMX, outcome: .match),
            RecordJudgement(kind: .spfTXT, outcome: .match),
        ])
        #expect(summary.verdict == .allMatch)
    }

    @Test func checkResult_collectsRecordThenDomainDiagnostics() {
        let recordDiagnostic = Diagnostic(code: .mxPriority, record: .spfMX, message: "m", fix: "f")
        let domainDiagnostic = Diagnostic(code: .spfLookupLimit, record: .spfTXT, message: "m2", fix: "f2")
        let result = CheckResult(startedAt: t0, duration: 0.2, reason: .scheduled, records: [
            RecordJudgement(kind: .dkim, outcome: .match),
            RecordJudgement(kind: .spfMX, outcome: .match, diagnostics: [recordDiagnostic]),
            RecordJudgement(kind: .spfTXT, outcome: .dnsError),
        ], diagnostics: [domainDiagnostic])
        #expect(result.allDiagnostics == [recordDiagnostic, domainDiagnostic])
        #expect(result.summary.verdict == .inconclusive)
    }
}
