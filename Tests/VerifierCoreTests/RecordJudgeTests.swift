// Tests RecordJudge: from a DNS observation to exactly one outcome with diagnostics, and CheckSummary verdicts (spec §3).
import Testing
@testable import VerifierCore

struct RecordJudgeTests {
    let dkim = exampleSpec(.dkim)
    let mx = exampleSpec(.spfMX)
    let spf = exampleSpec(.spfTXT)
    let dmarc = exampleSpec(.dmarc)
    static let ourMX = "feedback-smtp.us-east-1.amazonses.com"

    private func txt(_ spec: RecordSpec, _ values: [String], name: String? = nil) -> RecordJudgement {
        judge(spec, DNSObservation(name: name ?? spec.fqdn, type: .txt, rcode: .noError, txt: values.map { TXTRecord($0) }))
    }

    private func mxAnswer(_ records: [(UInt16, String)]) -> RecordJudgement {
        judge(mx, DNSObservation(name: mx.fqdn, type: .mx, rcode: .noError,
                                 mx: records.map { MXRecord(preference: $0.0, exchange: $0.1) }))
    }

    private func judge(_ spec: RecordSpec, _ answer: DNSObservation, probe: DNSObservation? = nil) -> RecordJudgement {
        RecordJudge.judge(spec, answer: answer, domain: "example.com", doubledProbe: probe)
    }

    private func codes(_ judgement: RecordJudgement) -> [DiagnosticCode] {
        judgement.diagnostics.map(\.code)
    }

    // MARK: DKIM

    @Test func dkim_exactValue_matches_withNothingObserved() {
        let result = txt(dkim, ["p=\(rsa2048Key)"])
        #expect(result.kind == .dkim)
        #expect(result.outcome == .match)
        #expect(result.observed.isEmpty)
        #expect(result.diagnostics.isEmpty)
        #expect(result.rcode == "NOERROR")
    }

    @Test func dkim_keySplitOverTwo255ByteStrings_matches() {
        let record = TXTRecord(strings: ZoneFile.splitTXT("p=\(rsa2048Key)"))
        #expect(record.strings.count == 2)
        let result = judge(dkim, DNSObservation(name: dkim.fqdn, type: .txt, rcode: .noError, txt: [record]))
        #expect(result.outcome == .match)
    }

    @Test func dkim_splitAtAnyPoint_matches() {
        let value = "v=DKIM1; k=rsa; p=\(rsa2048Key)"
        let bytes = Array(value.utf8)
        for cut in [1, 17, 100, 255, bytes.count - 1] {
            let record = TXTRecord(strings: [Array(bytes[..<cut]), Array(bytes[cut...])])
            let result = judge(dkim, DNSObservation(name: dkim.fqdn, type: .txt, rcode: .noError, txt: [record]))
            #expect(result.outcome == .match, "cut at \(cut)")
        }
    }

    @Test(arguments: [
        "v=DKIM1; k=rsa; p=\(rsa2048Key)",
        "v=DKIM1; k=rsa; p=\(rsa2048Key.prefix(100)) \(rsa2048Key.dropFirst(100).prefix(100))  \(rsa2048Key.dropFirst(200))",
        "v=DKIM1; h=sha256; s=email; t=s; p=\(rsa2048Key)",
        "k=rsa;p=\(rsa2048Key);",
        "p=\(rsa2048Key); n=published by hand",
        "V=DKIM1; p=\(rsa2048Key)",
    ])
    func dkim_equivalentSpellingsOfOurKey_match_andKeepWhatWasSeen(value: String) {
        let result = txt(dkim, [value])
        #expect(result.outcome == .match, "\(result.detail ?? "")")
        #expect(result.observed == [value])
    }

    @Test func dkim_withAnotherTXTNextToIt_stillMatches() {
        let result = txt(dkim, ["google-site-verification=abc123", "p=\(rsa2048Key)"])
        #expect(result.outcome == .match)
        #expect(result.diagnostics.isEmpty)
    }

    @Test func dkim_literalQuotes_areWrongValue_withQuotedValueDiagnostic() {
        let result = txt(dkim, ["\"p=\(rsa2048Key)\""])
        #expect(result.outcome == .wrongValue)
        #expect(codes(result) == [.quotedValue])
        #expect(result.observed == ["\"p=\(rsa2048Key)\""])
        #expect(result.diagnostics[0].fix.contains("without surrounding quotes"))
    }

    @Test func quotesInAnUnrelatedRecord_doNotWarn_whenOursMatches() {
        let result = txt(dkim, ["note=\"kept for the old provider\"", "p=\(rsa2048Key)"])
        #expect(result.outcome == .match)
        #expect(result.diagnostics.isEmpty)
    }

    @Test func dkim_emptyP_isWrongValue_revoked() {
        let result = txt(dkim, ["v=DKIM1; p="])
        #expect(result.outcome == .wrongValue)
        #expect(codes(result) == [.dkimRevoked])
        #expect(result.detail?.contains("revoked") == true)
    }

    @Test(arguments: [
        ("k=rsa; v=DKIM1; p=\(rsa2048Key)", "must be the first tag"),
        ("v=DKIM1; k=ed25519; p=\(rsa2048Key)", "k=ed25519 is not rsa"),
        ("v=DKIM1; h=sha1; p=\(rsa2048Key)", "h=sha1 does not allow sha256"),
        ("v=DKIM1; s=other; p=\(rsa2048Key)", "s=other does not allow email"),
        ("v=DKIM1; p=\(rsa2048Key)!", "not base64"),
    ])
    func dkim_unusableRecords_areWrongValue_sayingWhy(value: String, detailPart: String) {
        let result = txt(dkim, [value])
        #expect(result.outcome == .wrongValue)
        #expect(result.detail?.contains(detailPart) == true)
        #expect(result.observed == [value])
    }

    @Test func dkim_anotherKey_isWrongValue_withKeyMismatch() {
        let result = txt(dkim, ["v=DKIM1; k=rsa; p=\(otherKey)"])
        #expect(result.outcome == .wrongValue)
        #expect(codes(result) == [.dkimKeyMismatch])
        #expect(result.diagnostics[0].message.contains(dkim.fqdn))
    }

    @Test func dkim_twoKeyRecords_areAmbiguous() {
        let result = txt(dkim, ["p=\(rsa2048Key)", "v=DKIM1; p=\(otherKey)"])
        #expect(result.outcome == .ambiguous)
        #expect(result.detail?.contains("2 DKIM key records") == true)
        #expect(result.observed.count == 2)
    }

    @Test func dkim_onlyUnrelatedTXT_isWrongValue() {
        let result = txt(dkim, ["google-site-verification=abc123"])
        #expect(result.outcome == .wrongValue)
        #expect(result.detail?.contains("hold no DKIM key") == true)
        #expect(result.observed == ["google-site-verification=abc123"])
    }

    // MARK: SPF TXT

    @Test(arguments: [
        "v=spf1 include:amazonses.com ~all",
        "v=spf1 +include:amazonses.com ~all",
        "v=spf1 include:amazonses.com -all",
        "V=SPF1 INCLUDE:AmazonSES.com ~ALL",
        "v=spf1 include:amazonses.com. ~all",
        "v=spf1 ip4:192.0.2.0/24 mx a:mail.example.com include:_spf.google.com include:amazonses.com ?all",
        "v=spf1 include:amazonses.com",
        "v=spf1 include:amazonses.com redirect=_spf.example.com",
    ])
    func spf_recordsAuthorisingOurInclude_match(value: String) {
        let result = txt(spf, [value])
        #expect(result.outcome == .match, "\(result.detail ?? "")")
        #expect(result.diagnostics.isEmpty)
    }

    @Test func spf_exactValue_keepsNothingObserved() {
        #expect(txt(spf, ["v=spf1 include:amazonses.com ~all"]).observed.isEmpty)
        #expect(txt(spf, ["v=spf1 include:amazonses.com -all"]).observed == ["v=spf1 include:amazonses.com -all"])
    }

    @Test func spf_withOtherTXTNextToIt_stillMatches() {
        let result = txt(spf, ["some-verification=1", "v=spf1 include:amazonses.com ~all"])
        #expect(result.outcome == .match)
    }

    @Test func spf_twoSPFRecords_areAmbiguous_withMultipleSPF() {
        let result = txt(spf, ["v=spf1 include:amazonses.com ~all", "v=spf1 include:_spf.google.com ~all"])
        #expect(result.outcome == .ambiguous)
        #expect(codes(result) == [.multipleSPF])
        #expect(result.diagnostics[0].fix.contains("v=spf1 include:amazonses.com ~all"))
    }

    @Test func spf_withoutOurInclude_isWrongValue() {
        let result = txt(spf, ["v=spf1 include:_spf.google.com ~all"])
        #expect(result.outcome == .wrongValue)
        #expect(result.detail?.contains("does not contain include:amazonses.com") == true)
        #expect(result.observed == ["v=spf1 include:_spf.google.com ~all"])
    }

    @Test func spf_includeOfASimilarName_isWrongValue() {
        #expect(txt(spf, ["v=spf1 include:notamazonses.com ~all"]).outcome == .wrongValue)
        #expect(txt(spf, ["v=spf1 include:amazonses.com.evil.example ~all"]).outcome == .wrongValue)
    }

    @Test(arguments: ["?", "-", "~"])
    func spf_includeWithANonPassQualifier_isWrongValue_withQualifierDiagnostic(qualifier: String) {
        let result = txt(spf, ["v=spf1 \(qualifier)include:amazonses.com ~all"])
        #expect(result.outcome == .wrongValue)
        #expect(codes(result) == [.spfQualifier])
        #expect(result.diagnostics[0].message.contains("\(qualifier)include:amazonses.com"))
    }

    @Test(arguments: ["v=spf1 -all include:amazonses.com", "v=spf1 ~all include:amazonses.com", "v=spf1 +all include:amazonses.com"])
    func spf_includeAfterAll_isWrongValue(value: String) {
        let result = txt(spf, [value])
        #expect(result.outcome == .wrongValue)
        #expect(result.detail?.contains("after \"all\"") == true)
    }

    @Test func spf_syntaxError_isWrongValue_withSyntaxDiagnostic() {
        let result = txt(spf, ["v=spf1 include:amazonses.com ip4:999.0.0.1 ~all"])
        #expect(result.outcome == .wrongValue)
        #expect(codes(result) == [.spfSyntax])
        #expect(result.diagnostics[0].message.contains("999.0.0.1"))
    }

    @Test(arguments: ["v=spf10 include:amazonses.com ~all", "spf1 include:amazonses.com", "include:amazonses.com ~all"])
    func spf_recordsThatAreNotSPF_areWrongValue(value: String) {
        let result = txt(spf, [value])
        #expect(result.outcome == .wrongValue)
        #expect(result.detail?.contains("is an SPF record") == true)
    }

    @Test func spf_literalQuotes_areWrongValue_withQuotedValueDiagnostic() {
        let result = txt(spf, ["\"v=spf1 include:amazonses.com ~all\""])
        #expect(result.outcome == .wrongValue)
        #expect(codes(result) == [.quotedValue])
    }

    @Test func spf_withACustomInclude_matchesThatInclude() {
        let policy = RecordPolicy(spfInclude: "spf.mail.example.net")
        let spec = exampleRecords(policy: policy).first { $0.kind == .spfTXT }!
        #expect(txt(spec, ["v=spf1 include:spf.mail.example.net -all"]).outcome == .match)
        #expect(txt(spec, ["v=spf1 include:amazonses.com -all"]).outcome == .wrongValue)
    }

    // MARK: MX

    @Test(arguments: [
        ourMX,
        "\(ourMX).",
        "FEEDBACK-SMTP.US-EAST-1.AMAZONSES.COM.",
        "Feedback-Smtp.Us-East-1.AmazonSES.com",
    ])
    func mx_ourExchange_matches_ignoringCaseAndTrailingDot(exchange: String) {
        let result = mxAnswer([(10, exchange)])
        #expect(result.outcome == .match)
        #expect(result.diagnostics.isEmpty)
    }

    @Test func mx_exact_keepsNothingObserved() {
        #expect(mxAnswer([(10, Self.ourMX)]).observed.isEmpty)
    }

    @Test func mx_differentPriority_matches_withPriorityWarning() {
        let result = mxAnswer([(20, Self.ourMX)])
        #expect(result.outcome == .match)
        #expect(codes(result) == [.mxPriority])
        #expect(result.observed == ["20 \(Self.ourMX)"])
    }

    @Test(arguments: [5, 10] as [UInt16])
    func mx_competitorAsPreferredOrMore_matches_withCompetingMX(preference: UInt16) {
        let result = mxAnswer([(10, Self.ourMX), (preference, "mx.other.example.")])
        #expect(result.outcome == .match)
        #expect(codes(result) == [.competingMX])
        #expect(result.diagnostics[0].message.contains("\(preference) mx.other.example"))
    }

    @Test func mx_lessPreferredCompetitor_matches_withoutWarning() {
        let result = mxAnswer([(20, "mx.other.example"), (10, Self.ourMX)])
        #expect(result.outcome == .match)
        #expect(result.diagnostics.isEmpty)
        #expect(result.observed == ["10 \(Self.ourMX)", "20 mx.other.example"])
    }

    @Test func mx_ourExchangeTwice_judgesTheBestPreference() {
        let result = mxAnswer([(30, Self.ourMX), (10, "\(Self.ourMX).")])
        #expect(result.outcome == .match)
        #expect(result.diagnostics.isEmpty)
    }

    @Test func mx_onlyOtherExchanges_isWrongValue() {
        let result = mxAnswer([(10, "mx.other.example."), (20, "feedback-smtp.eu-west-1.amazonses.com")])
        #expect(result.outcome == .wrongValue)
        #expect(result.detail?.contains("points to \(Self.ourMX)") == true)
        #expect(result.observed == ["10 mx.other.example", "20 feedback-smtp.eu-west-1.amazonses.com"])
    }

    @Test(arguments: [".", ""])
    func mx_nullMX_isWrongValue_sayingSo(exchange: String) {
        let result = mxAnswer([(0, exchange)])
        #expect(result.outcome == .wrongValue)
        #expect(result.detail?.contains("null MX") == true)
    }

    @Test func mx_configuredPriority_isWhatIsExpected() {
        let spec = exampleRecords(policy: RecordPolicy(mxPriority: 5)).first { $0.kind == .spfMX }!
        let result = judge(spec, DNSObservation(name: spec.fqdn, type: .mx, rcode: .noError,
                                                mx: [MXRecord(preference: 5, exchange: Self.ourMX)]))
        #expect(result.outcome == .match)
        #expect(result.diagnostics.isEmpty)
    }

    // MARK: DMARC

    @Test(arguments: [
        ("v=DMARC1; p=none;", "p=none"),
        ("v=DMARC1; p=quarantine", "p=quarantine"),
        ("v=DMARC1; p=reject; pct=20", "p=reject; pct=20"),
    ])
    func dmarc_validPolicies_match_reportingThePolicy(value: String, summary: String) {
        let result = txt(dmarc, [value])
        #expect(result.kind == .dmarc)
        #expect(result.outcome == .match)
        #expect(result.detail == "policy \(summary)")
        #expect(result.observed == [value])
    }

    @Test func dmarc_nextToOtherTXT_matches() {
        #expect(txt(dmarc, ["some-token=1", "v=DMARC1; p=none"]).outcome == .match)
    }

    @Test(arguments: [
        ("v=DMARC1; rua=mailto:d@example.com", "no p= policy"),
        ("v=DMARC1; p=block", "p=block"),
        ("v=dmarc1; p=none", "v=DMARC1"),
    ])
    func dmarc_invalidRecords_areWrongValue_withSyntaxDiagnostic(value: String, detailPart: String) {
        let result = txt(dmarc, [value])
        #expect(result.outcome == .wrongValue)
        #expect(result.detail?.contains(detailPart) == true)
        #expect(codes(result) == [.dmarcSyntax])
    }

    @Test func dmarc_vNotFirst_isWrongValue() {
        let result = txt(dmarc, ["p=none; v=DMARC1"])
        #expect(result.outcome == .wrongValue)
        #expect(result.detail?.contains("starts with v=DMARC1") == true)
    }

    @Test func dmarc_twoRecords_areAmbiguous() {
        let result = txt(dmarc, ["v=DMARC1; p=none", "v=DMARC1; p=reject"])
        #expect(result.outcome == .ambiguous)
        #expect(result.observed.count == 2)
    }

    // MARK: response codes and resolver failures

    @Test(arguments: [RecordKind.dkim, .spfMX, .spfTXT, .dmarc])
    func nxdomain_isNoHost(kind: RecordKind) {
        let spec = exampleSpec(kind)
        let result = judge(spec, DNSObservation(name: spec.fqdn, type: spec.type, rcode: .nxDomain))
        #expect(result.outcome == .noHost)
        #expect(result.rcode == "NXDOMAIN")
        #expect(result.detail == "\(spec.fqdn) does not exist (NXDOMAIN)")
    }

    @Test(arguments: [RecordKind.dkim, .spfMX, .spfTXT, .dmarc])
    func noErrorWithoutRecords_isNoRecord(kind: RecordKind) {
        let spec = exampleSpec(kind)
        let result = judge(spec, DNSObservation(name: spec.fqdn, type: spec.type, rcode: .noError))
        #expect(result.outcome == .noRecord)
        #expect(result.rcode == "NOERROR")
        #expect(result.detail == "\(spec.fqdn) exists but has no \(spec.type.rawValue) record")
    }

    @Test(arguments: [
        (DNSRCode.servFail, "SERVFAIL"),
        (.refused, "REFUSED"),
        (.formErr, "FORMERR"),
        (.notImp, "NOTIMP"),
        (DNSRCode(rawValue: 9), "NOTAUTH"),
        (DNSRCode(rawValue: 23), "RCODE23"),
    ])
    func serverErrors_areDNSError_keepingTheRcode(rcode: DNSRCode, name: String) {
        let result = judge(spf, DNSObservation(name: spf.fqdn, type: .txt, rcode: rcode,
                                               txt: [TXTRecord("v=spf1 include:amazonses.com ~all")]))
        #expect(result.outcome == .dnsError)
        #expect(result.rcode == name)
        #expect(result.detail == "the server answered \(name)")
        #expect(!result.outcome.isDefinitive)
    }

    @Test func timeout_isDNSError_withTheFailureAsDetail_andNoRcode() {
        let result = judge(dkim, .failure(dkim.fqdn, .txt, "timeout"))
        #expect(result.outcome == .dnsError)
        #expect(result.rcode == nil)
        #expect(result.detail == "timeout")
    }

    @Test func noResponseWithoutAReason_isDNSError() {
        let result = judge(dkim, DNSObservation(name: dkim.fqdn, type: .txt, rcode: nil))
        #expect(result.outcome == .dnsError)
        #expect(result.detail == "no response")
    }

    @Test func dnssecBogus_isDNSError_evenWithRecords() {
        let answer = DNSObservation(name: dkim.fqdn, type: .txt, rcode: .noError, txt: [TXTRecord("p=\(rsa2048Key)")],
                                    dnssec: .bogus, whyBogus: "signature expired")
        let result = judge(dkim, answer)
        #expect(result.outcome == .dnsError)
        #expect(result.detail == "DNSSEC validation failed: signature expired")
    }

    @Test func dnssecBogusNXDOMAIN_isDNSError_notNoHost() {
        let answer = DNSObservation(name: dkim.fqdn, type: .txt, rcode: .nxDomain, dnssec: .bogus)
        #expect(judge(dkim, answer).outcome == .dnsError)
        #expect(judge(dkim, answer).detail == "DNSSEC validation failed")
    }

    @Test func secureAnswer_isJudgedNormally() {
        let answer = DNSObservation(name: dkim.fqdn, type: .txt, rcode: .noError, txt: [TXTRecord("p=\(rsa2048Key)")], dnssec: .secure)
        #expect(judge(dkim, answer).outcome == .match)
    }

    // MARK: names and CNAMEs

    @Test func answerNameInAnotherCaseWithTrailingDot_isJudgedTheSame() {
        let answer = DNSObservation(name: "RESEND._domainkey.Example.COM.", type: .txt, rcode: .noError, txt: [TXTRecord("p=\(rsa2048Key)")])
        #expect(judge(dkim, answer).outcome == .match)
    }

    @Test func cnameChain_isRecorded_andFollowedToTheRecord() {
        let answer = DNSObservation(name: dkim.fqdn, type: .txt, rcode: .noError, txt: [TXTRecord("p=\(rsa2048Key)")],
                                    cnameChain: ["resend._domainkey.esp.example.net", "key1.keys.example.net"])
        let result = judge(dkim, answer)
        #expect(result.outcome == .match)
        #expect(result.cnameChain == ["resend._domainkey.esp.example.net", "key1.keys.example.net"])
    }

    @Test func cnameToANameThatDoesNotExist_isNoHost_namingTheTarget() {
        let answer = DNSObservation(name: spf.fqdn, type: .txt, rcode: .nxDomain, cnameChain: ["gone.example.net"])
        let result = judge(spf, answer)
        #expect(result.outcome == .noHost)
        #expect(result.detail == "\(spf.fqdn) is a CNAME to gone.example.net, which does not exist (NXDOMAIN)")
        #expect(result.cnameChain == ["gone.example.net"])
    }

    @Test func cnameToANameWithoutTheType_isNoRecord_namingTheTarget() {
        let answer = DNSObservation(name: mx.fqdn, type: .mx, rcode: .noError, cnameChain: ["elsewhere.example.net"])
        let result = judge(mx, answer)
        #expect(result.outcome == .noRecord)
        #expect(result.detail?.contains("a CNAME to elsewhere.example.net") == true)
    }

    // MARK: doubled suffix

    private var doubledName: String { "\(dkim.fqdn).example.com" }

    @Test(arguments: [DNSRCode.nxDomain, .noError])
    func doubledSuffix_isReported_whenTheProbeHasRecords_andTheRecordIsMissing(rcode: DNSRCode) throws {
        let probe = DNSObservation(name: doubledName, type: .txt, rcode: .noError, txt: [TXTRecord("p=\(rsa2048Key)")])
        let result = judge(dkim, DNSObservation(name: dkim.fqdn, type: .txt, rcode: rcode), probe: probe)
        #expect(result.outcome != .match)
        let diagnostic = try #require(result.diagnostics.first { $0.code == .doubledSuffix })
        #expect(diagnostic.record == .dkim)
        #expect(diagnostic.message.contains(doubledName))
        #expect(diagnostic.fix.contains("\"resend._domainkey\""))
        #expect(diagnostic.fix.contains("resend._domainkey.example.com."))
    }

    @Test func doubledSuffix_isReportedForMX() {
        let probe = DNSObservation(name: "\(mx.fqdn).example.com", type: .mx, rcode: .noError,
                                   mx: [MXRecord(preference: 10, exchange: Self.ourMX)])
        let result = judge(mx, DNSObservation(name: mx.fqdn, type: .mx, rcode: .nxDomain), probe: probe)
        #expect(codes(result) == [.doubledSuffix])
    }

    @Test func doubledSuffix_isAbsent_whenTheRecordMatches() {
        let probe = DNSObservation(name: doubledName, type: .txt, rcode: .noError, txt: [TXTRecord("p=\(rsa2048Key)")])
        let result = judge(dkim, DNSObservation(name: dkim.fqdn, type: .txt, rcode: .noError, txt: [TXTRecord("p=\(rsa2048Key)")]), probe: probe)
        #expect(result.outcome == .match)
        #expect(result.diagnostics.isEmpty)
    }

    @Test(arguments: [
        DNSObservation(name: "resend._domainkey.example.com.example.com", type: .txt, rcode: .nxDomain),
        DNSObservation(name: "resend._domainkey.example.com.example.com", type: .txt, rcode: .noError),
        DNSObservation(name: "resend._domainkey.example.com.example.com", type: .txt, rcode: .servFail, txt: [TXTRecord("p=x")]),
        DNSObservation.failure("resend._domainkey.example.com.example.com", .txt, "timeout"),
    ])
    func doubledSuffix_isAbsent_whenTheProbeFoundNothing(probe: DNSObservation) {
        let result = judge(dkim, DNSObservation(name: dkim.fqdn, type: .txt, rcode: .nxDomain), probe: probe)
        #expect(result.outcome == .noHost)
        #expect(result.diagnostics.isEmpty)
    }
}
