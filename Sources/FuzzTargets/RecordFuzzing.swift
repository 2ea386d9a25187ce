// Fuzz entries for the record parsers: tag lists, DKIM, SPF with its lookup count, DMARC, and the judge.
import VerifierCore

enum RecordFuzzing {
    /// Parsed tags are found again by `hasTag`, and printed as `name=value; …` they parse to the same list.
    static func tagList(_ bytes: [UInt8]) throws(InvariantViolation) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let list = try? TagList.parse(text) else { return }
        try expect(!list.tags.isEmpty, "taglist", "an empty list parsed from \(shown(text))")
        for tag in list.tags {
            try expect(TagList.hasTag(tag.name, in: text), "taglist", "hasTag(\"\(tag.name)\") is false for \(shown(text))")
        }
        let printed = list.tags.map { "\($0.name)=\($0.value)" }.joined(separator: "; ")
        let again = try? TagList.parse(printed)
        try expect(again == list, "taglist", "\(shown(text)) printed as \(shown(printed)) parses differently")
    }

    /// A record that parses is one `looksLikeKeyRecord` picks, and its key is base64 only.
    static func dkim(_ bytes: [UInt8]) throws(InvariantViolation) {
        let text = String(decoding: bytes, as: UTF8.self)
        let looksLikeKey = DKIMKeyRecord.looksLikeKeyRecord(text)
        guard let record = try? DKIMKeyRecord.parse(text) else { return }
        try expect(looksLikeKey, "dkim", "\(shown(text)) parses as a key record but looksLikeKeyRecord is false")
        try expect(record.publicKey.utf8.allSatisfy(isBase64), "dkim", "the key of \(shown(text)) is not base64 only")
        try expect(record.tags["p"] != nil, "dkim", "\(shown(text)) parsed without a p= tag")
        _ = record.unusableReason
    }

    /// The first line is an SPF record: it prints and parses to the same terms. Further lines are
    /// `target<TAB>record` fetched for the lookup count, whose total stays from 0 to limit + 1.
    static func spf(_ bytes: [UInt8]) throws(InvariantViolation) {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let text = String(lines[0])
        _ = SPFRecord.isSPF(text)
        guard let root = try? SPFRecord.parse(text) else { return }
        let printed = spfText(root)
        let again = try? SPFRecord.parse(printed)
        try expect(again == root, "spf", "\(shown(text)) printed as \(shown(printed)) parses differently")
        _ = root.redirect
        for directive in root.directives { _ = directive.mechanism.targetDomain }

        var fetched: [String: SPFFetch] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            let target = String(parts[0]).lowercased()
            let value = parts.count == 2 ? String(parts[1]) : ""
            switch value {
            case "!none": fetched[target] = SPFFetch.none
            case "!multiple": fetched[target] = .multiple
            case "!error": fetched[target] = .error("timeout")
            default:
                do {
                    fetched[target] = .record(try SPFRecord.parse(value))
                } catch {
                    fetched[target] = .invalid(error.reason)
                }
            }
        }
        let report = SPFLookupCount.count(root: root, fetched: fetched)
        try expect((0...SPFLookupReport.limit + 1).contains(report.lookups), "spf",
                   "\(report.lookups) lookups counted for \(shown(text))")
        try expect(Set(report.unresolved).count == report.unresolved.count, "spf", "unresolved lists a target twice: \(report.unresolved)")
        try expect(report.unresolved.allSatisfy { fetched[$0] == nil }, "spf", "an unresolved target was fetched: \(report.unresolved)")
        _ = RecordJudge.lookupLimitDiagnostic(report, at: "example.com")
    }

    /// A record that parses is one `looksLikeDMARC` picks, and its summary parses to the same policy.
    static func dmarc(_ bytes: [UInt8]) throws(InvariantViolation) {
        let text = String(decoding: bytes, as: UTF8.self)
        let looksLikeDMARC = DMARCRecord.looksLikeDMARC(text)
        guard let record = try? DMARCRecord.parse(text) else { return }
        try expect(looksLikeDMARC, "dmarc", "\(shown(text)) parses as DMARC but looksLikeDMARC is false")
        try expect((0...100).contains(record.percent), "dmarc", "pct \(record.percent) from \(shown(text))")
        let again = try? DMARCRecord.parse("v=DMARC1; " + record.summary)
        try expect(again?.policy == record.policy && again?.subdomainPolicy == record.subdomainPolicy && again?.percent == record.percent,
                   "dmarc", "the summary \(shown(record.summary)) of \(shown(text)) does not parse to the same policy")
    }

    /// Lines are TXT records (split into ≤255-byte strings as DNS would) and, read as `preference exchange`,
    /// MX records; each of our four records is judged against them. A match must be backed by a record
    /// the parser accepts.
    static func judge(_ bytes: [UInt8]) throws(InvariantViolation) {
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let txt = lines.map { line in
            TXTRecord(strings: line.isEmpty ? [[]] : stride(from: line.startIndex, to: line.endIndex, by: 255).map {
                Array(line[$0..<min($0 + 255, line.endIndex)])
            })
        }
        let mx = lines.compactMap { line -> MXRecord? in
            let parts = String(decoding: line, as: UTF8.self).split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let preference = UInt16(parts[0]) else { return nil }
            return MXRecord(preference: preference, exchange: String(parts[1]))
        }
        let domain = "example.com"
        let texts = txt.map(\.text)
        for spec in ourRecords {
            let answer = DNSObservation(name: spec.fqdn, type: spec.type, rcode: .noError, txt: spec.type == .txt ? txt : [],
                                        mx: spec.type == .mx ? mx : [])
            let judgement = RecordJudge.judge(spec, answer: answer, domain: domain, doubledProbe: answer)
            guard judgement.outcome == .match else { continue }
            switch spec.kind {
            case .dkim:
                try expect(texts.contains { (try? DKIMKeyRecord.parse($0))?.unusableReason == nil && DKIMKeyRecord.looksLikeKeyRecord($0) },
                           "judge", "DKIM matched without a usable key record in \(texts.map(shown))")
            case .spfTXT:
                try expect(texts.filter(SPFRecord.isSPF).count == 1 && texts.contains { (try? SPFRecord.parse($0)) != nil },
                           "judge", "SPF matched without exactly one valid SPF record in \(texts.map(shown))")
            case .dmarc:
                try expect(texts.filter(DMARCRecord.looksLikeDMARC).count == 1 && texts.contains { (try? DMARCRecord.parse($0)) != nil },
                           "judge", "DMARC matched without exactly one valid DMARC record in \(texts.map(shown))")
            case .spfMX:
                try expect(mx.contains { $0.exchange.dnsNameEquals(spec.value) }, "judge", "MX matched without our exchange in \(mx)")
            }
        }
    }

    /// The records a domain is asked to publish, as the daemon renders them.
    static let ourRecords: [RecordSpec] = [
        RecordSpec(kind: .dkim, name: "resend._domainkey", fqdn: "resend._domainkey.example.com",
                   value: "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDGMjj8MVmESHrzSDvDhKN6yHAGeSBGVOHCEH9Lq+OW4sa3OSoKj4kWbAgomPlAdTQd7mAzGUZ1AoYzPc0VtwQIDAQAB"),
        RecordSpec(kind: .spfMX, name: "send", fqdn: "send.example.com", value: "feedback-smtp.eu-west-1.amazonses.com", priority: 10),
        RecordSpec(kind: .spfTXT, name: "send", fqdn: "send.example.com", value: "v=spf1 include:amazonses.com ~all"),
        RecordSpec(kind: .dmarc, name: "_dmarc", fqdn: "_dmarc.example.com", value: "v=DMARC1; p=none;"),
    ]

    /// An SPF record in the form `SPFRecord.parse` reads: every qualifier written out.
    static func spfText(_ record: SPFRecord) -> String {
        let terms = record.terms.map { term -> String in
            switch term {
            case let .modifier(name, value):
                return "\(name)=\(value)"
            case let .directive(qualifier, mechanism):
                let argument = { (domain: String?) in domain.map { ":" + $0 } ?? "" }
                let body = switch mechanism {
                case .all: "all"
                case let .include(domain): "include:\(domain)"
                case let .a(domain, cidr): "a" + argument(domain) + (cidr ?? "")
                case let .mx(domain, cidr): "mx" + argument(domain) + (cidr ?? "")
                case let .ptr(domain): "ptr" + argument(domain)
                case let .ip4(network): "ip4:\(network)"
                case let .ip6(network): "ip6:\(network)"
                case let .exists(domain): "exists:\(domain)"
                }
                return String(qualifier.rawValue) + body
            }
        }
        return (["v=spf1"] + terms).joined(separator: " ")
    }

    private static func isBase64(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=")
    }
}
