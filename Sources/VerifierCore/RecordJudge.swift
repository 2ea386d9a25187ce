// Judging one record: from what DNS answered to exactly one outcome, with diagnostics (spec §3).

/// Pure functions that judge a record against what DNS served.
public enum RecordJudge {
    /// Judges `spec` against `answer`. `doubledProbe` is the answer for `<fqdn>.<domain>`, asked to
    /// spot DNS hosts that append the domain a second time.
    public static func judge(_ spec: RecordSpec, answer: DNSObservation, domain: String,
                             doubledProbe: DNSObservation? = nil) -> RecordJudgement {
        var judgement = judgeAnswer(spec, answer: answer)
        judgement.rcode = answer.rcode?.description
        judgement.cnameChain = answer.cnameChain
        // Literal quotes matter when they are why the record does not match.
        if judgement.outcome != .match, spec.type == .txt, answer.txt.contains(where: { $0.text.contains("\"") }) {
            judgement.diagnostics.append(Diagnostic(
                code: .quotedValue, record: spec.kind,
                message: "The TXT record at \(spec.fqdn) contains literal quote characters, which become part of the value.",
                fix: "Paste the value without surrounding quotes: \(spec.value.prefix(40))\(spec.value.count > 40 ? "…" : "")"))
        }
        if judgement.outcome != .match, let probe = doubledProbe, probe.errorDetail == nil, probe.hasRecords {
            judgement.diagnostics.append(Diagnostic(
                code: .doubledSuffix, record: spec.kind,
                message: "A \(spec.type.rawValue) record exists at \(probe.name): your DNS host added \(domain) to the name a second time.",
                fix: "Publish it under the name \"\(spec.name)\" only (your DNS host adds .\(domain) itself), or give the full name with a trailing dot: \(spec.fqdn)."))
        }
        return judgement
    }

    private static func judgeAnswer(_ spec: RecordSpec, answer: DNSObservation) -> RecordJudgement {
        if let error = answer.errorDetail {
            return RecordJudgement(kind: spec.kind, outcome: .dnsError, detail: error)
        }
        if answer.rcode == .nxDomain {
            let detail = answer.cnameChain.last.map { "\(answer.name) is a CNAME to \($0), which does not exist (NXDOMAIN)" }
                ?? "\(answer.name) does not exist (NXDOMAIN)"
            return RecordJudgement(kind: spec.kind, outcome: .noHost, detail: detail)
        }
        guard answer.hasRecords else {
            let target = answer.cnameChain.last.map { "\(answer.name) (a CNAME to \($0))" } ?? answer.name
            return RecordJudgement(kind: spec.kind, outcome: .noRecord,
                                   detail: "\(target) exists but has no \(spec.type.rawValue) record")
        }
        switch spec.kind {
        case .dkim: return judgeDKIM(spec, answer.txt.map(\.text))
        case .spfTXT: return judgeSPF(spec, answer.txt.map(\.text))
        case .spfMX: return judgeMX(spec, answer.mx)
        case .dmarc: return judgeDMARC(spec, answer.txt.map(\.text))
        }
    }

    static func judgeDKIM(_ spec: RecordSpec, _ texts: [String]) -> RecordJudgement {
        let candidates = texts.filter(DKIMKeyRecord.looksLikeKeyRecord)
        func result(_ outcome: Outcome, _ detail: String?, _ diagnostics: [Diagnostic] = [], keepObserved: Bool = true) -> RecordJudgement {
            RecordJudgement(kind: .dkim, outcome: outcome, observed: keepObserved ? texts : [], detail: detail, diagnostics: diagnostics)
        }
        if candidates.count > 1 {
            return result(.ambiguous, "\(candidates.count) DKIM key records at \(spec.fqdn); a receiver cannot tell which one applies")
        }
        guard let candidate = candidates.first else {
            return result(.wrongValue, "the TXT records at \(spec.fqdn) hold no DKIM key")
        }
        let record: DKIMKeyRecord
        do {
            record = try DKIMKeyRecord.parse(candidate)
        } catch {
            return result(.wrongValue, error.reason)
        }
        if record.publicKey.isEmpty {
            return result(.wrongValue, "p= is empty: the key is revoked", [Diagnostic(
                code: .dkimRevoked, record: .dkim,
                message: "The DKIM record at \(spec.fqdn) has an empty p=, which revokes the key.",
                fix: "Publish the key shown here: \(spec.value.prefix(24))…")])
        }
        if let reason = record.unusableReason {
            return result(.wrongValue, reason)
        }
        // Our own value is "p=<key>": no need to parse it on every check.
        let expected = spec.value.hasPrefix("p=") && !spec.value.contains(";")
            ? String(spec.value.dropFirst(2)) : (try? DKIMKeyRecord.parse(spec.value))?.publicKey ?? spec.value
        guard record.publicKey == expected else {
            return result(.wrongValue, "the DKIM record publishes another key", [Diagnostic(
                code: .dkimKeyMismatch, record: .dkim,
                message: "The DKIM record at \(spec.fqdn) publishes a different public key (an old key, or another provider's).",
                fix: "Replace the whole TXT value with the one shown for this record.")])
        }
        return result(.match, nil, keepObserved: candidate != spec.value)
    }

    static func judgeSPF(_ spec: RecordSpec, _ texts: [String]) -> RecordJudgement {
        let candidates = texts.filter(SPFRecord.isSPF)
        func result(_ outcome: Outcome, _ detail: String?, _ diagnostics: [Diagnostic] = [], keepObserved: Bool = true) -> RecordJudgement {
            RecordJudgement(kind: .spfTXT, outcome: outcome, observed: keepObserved ? texts : [], detail: detail, diagnostics: diagnostics)
        }
        if candidates.count > 1 {
            return result(.ambiguous, "\(candidates.count) SPF records at \(spec.fqdn); receivers treat this as a permanent error", [Diagnostic(
                code: .multipleSPF, record: .spfTXT,
                message: "\(candidates.count) TXT records at \(spec.fqdn) start with v=spf1; SPF allows one (RFC 7208 §4.5).",
                fix: "Merge them into one record: \(spec.value)")])
        }
        guard let candidate = candidates.first else {
            return result(.wrongValue, "none of the TXT records at \(spec.fqdn) is an SPF record (v=spf1)")
        }
        let record: SPFRecord
        do {
            record = try SPFRecord.parse(candidate)
        } catch {
            return result(.wrongValue, "the SPF record does not parse: \(error.reason)", [Diagnostic(
                code: .spfSyntax, record: .spfTXT,
                message: "The SPF record at \(spec.fqdn) is invalid: \(error.reason).",
                fix: "Correct it; it should read: \(spec.value)")])
        }
        let expectedIncludes = ((try? SPFRecord.parse(spec.value))?.directives ?? []).compactMap { directive -> String? in
            if case let .include(domain) = directive.mechanism { return domain }
            return nil
        }
        for include in expectedIncludes {
            let directives = record.directives
            guard let index = directives.firstIndex(where: {
                if case let .include(domain) = $0.mechanism { return domain.dnsNameEquals(include) }
                return false
            }) else {
                return result(.wrongValue, "the SPF record does not contain include:\(include)")
            }
            let qualifier = directives[index].qualifier
            if qualifier != .pass {
                return result(.wrongValue, "include:\(include) has the qualifier \"\(qualifier.rawValue)\", which does not authorise the platform", [Diagnostic(
                    code: .spfQualifier, record: .spfTXT,
                    message: "The SPF record at \(spec.fqdn) has \(qualifier.rawValue)include:\(include); only include: or +include: authorises sending.",
                    fix: "Write include:\(include) without the \"\(qualifier.rawValue)\".")])
            }
            if directives[..<index].contains(where: { $0.mechanism == .all }) {
                return result(.wrongValue, "include:\(include) comes after \"all\", so it is never evaluated")
            }
        }
        return result(.match, nil, keepObserved: candidate != spec.value)
    }

    static func judgeMX(_ spec: RecordSpec, _ records: [MXRecord]) -> RecordJudgement {
        let observed = records.sorted { ($0.preference, $0.exchange) < ($1.preference, $1.exchange) }
            .map { "\($0.preference) \($0.exchange == "." ? "." : $0.exchange.trimmingTrailingDot())" }
        let ours = records.filter { $0.exchange.dnsNameEquals(spec.value) }
        guard let best = ours.min(by: { $0.preference < $1.preference }) else {
            let detail = records.contains { $0.exchange == "." || $0.exchange.isEmpty }
                ? "\(spec.fqdn) publishes a null MX (it accepts no mail), not \(spec.value)"
                : "no MX at \(spec.fqdn) points to \(spec.value)"
            return RecordJudgement(kind: .spfMX, outcome: .wrongValue, observed: observed, detail: detail)
        }
        var diagnostics: [Diagnostic] = []
        let expectedPriority = spec.priority ?? 10
        if best.preference != expectedPriority {
            diagnostics.append(Diagnostic(
                code: .mxPriority, record: .spfMX,
                message: "The MX at \(spec.fqdn) has priority \(best.preference); \(expectedPriority) was asked (this works, but differs).",
                fix: "Set the priority of \(spec.value) to \(expectedPriority)."))
        }
        let competitors = records.filter { !$0.exchange.dnsNameEquals(spec.value) && $0.preference <= best.preference }
        if !competitors.isEmpty {
            let names = competitors.map { "\($0.preference) \($0.exchange.trimmingTrailingDot())" }.joined(separator: ", ")
            diagnostics.append(Diagnostic(
                code: .competingMX, record: .spfMX,
                message: "Other MX records at \(spec.fqdn) (\(names)) are preferred over or equal to ours; bounces may go there.",
                fix: "Remove the other MX records at \(spec.name), or give \(spec.value) the lowest priority number."))
        }
        let exact = records.count == 1 && best.preference == expectedPriority
        return RecordJudgement(kind: .spfMX, outcome: .match, observed: exact ? [] : observed, diagnostics: diagnostics)
    }

    static func judgeDMARC(_ spec: RecordSpec, _ texts: [String]) -> RecordJudgement {
        let candidates = texts.filter(DMARCRecord.looksLikeDMARC)
        if candidates.count > 1 {
            return RecordJudgement(kind: .dmarc, outcome: .ambiguous, observed: texts,
                                   detail: "\(candidates.count) DMARC records at \(spec.fqdn); receivers ignore them all")
        }
        guard let candidate = candidates.first else {
            return RecordJudgement(kind: .dmarc, outcome: .wrongValue, observed: texts,
                                   detail: "none of the TXT records at \(spec.fqdn) starts with v=DMARC1")
        }
        do {
            let record = try DMARCRecord.parse(candidate)
            return RecordJudgement(kind: .dmarc, outcome: .match, observed: [candidate], detail: "policy \(record.summary)")
        } catch {
            return RecordJudgement(kind: .dmarc, outcome: .wrongValue, observed: texts, detail: error.reason, diagnostics: [Diagnostic(
                code: .dmarcSyntax, record: .dmarc,
                message: "The DMARC record at \(spec.fqdn) is invalid: \(error.reason).",
                fix: "Publish a valid record, for example: \(spec.value)")])
        }
    }

    /// The diagnostic for an SPF record that needs too many lookups, or nil when it is within the limit.
    public static func lookupLimitDiagnostic(_ report: SPFLookupReport, at name: String) -> Diagnostic? {
        guard report.exceedsLimit else { return nil }
        let loops = report.problems.filter { $0.contains("loops") }
        return Diagnostic(
            code: .spfLookupLimit, record: .spfTXT,
            message: loops.isEmpty
                ? "The SPF record at \(name) needs more than \(SPFLookupReport.limit) DNS lookups (\(report.lookups) counted); receivers return a permanent error (RFC 7208 §4.6.4)."
                : "The SPF record at \(name) has an include loop (\(loops[0])); receivers return a permanent error.",
            fix: "Remove includes you no longer use, or replace some with ip4:/ip6: ranges; include, a, mx, ptr, exists and redirect each count.")
    }
}
