// The parsers under fuzzing, each behind one entry that takes arbitrary bytes and checks invariants.
//
// libFuzzer (Sources/domain-verifier-fuzz) and the corpus replay tests (Tests/FuzzTargetsTests) call
// the same entries, so every input the fuzzer kept is re-checked by the normal test run.

/// A parser's promise that did not hold for one input: what was expected, and about which input.
public struct InvariantViolation: Error, CustomStringConvertible, Sendable {
    public let target: String
    public let message: String
    public var description: String { "\(target): \(message)" }
}

/// One fuzzed parser: the name of its corpus folder (and of `FUZZ_TARGET`), and its entry.
public struct FuzzTarget: Sendable {
    public let name: String
    /// What the entry feeds the bytes to, for `make fuzz` and the README.
    public let summary: String
    /// Runs one input. Bad input must come back as the parser's own error, which the entry swallows;
    /// a trap is a bug in the parser, a thrown `InvariantViolation` a broken promise.
    public let run: @Sendable ([UInt8]) throws(InvariantViolation) -> Void

    /// Every target, in the order `make fuzz` runs them.
    public static let all: [FuzzTarget] = [
        FuzzTarget(name: "taglist", summary: "TagList.parse, hasTag; print and parse again",
                   run: RecordFuzzing.tagList),
        FuzzTarget(name: "dkim", summary: "DKIMKeyRecord.parse, looksLikeKeyRecord, unusableReason",
                   run: RecordFuzzing.dkim),
        FuzzTarget(name: "spf", summary: "SPFRecord.parse; print and parse again; SPFLookupCount over fetched records",
                   run: RecordFuzzing.spf),
        FuzzTarget(name: "dmarc", summary: "DMARCRecord.parse, looksLikeDMARC; the summary parses to the same policy",
                   run: RecordFuzzing.dmarc),
        FuzzTarget(name: "judge", summary: "RecordJudge.judge of observed TXT and MX answers against our records",
                   run: RecordFuzzing.judge),
        FuzzTarget(name: "domain", summary: "DomainNameRules with libidn2 and libpsl, IPAddressSyntax; results valid and stable",
                   run: TextFuzzing.domainName),
        FuzzTarget(name: "duration", summary: "DurationText.parse; format and parse again",
                   run: TextFuzzing.duration),
        FuzzTarget(name: "zonefile", summary: "ZoneFile.txtStrings, splitTXT; unescaping gives the bytes back",
                   run: TextFuzzing.zoneFile),
        FuzzTarget(name: "dns", summary: "DNSMessage, RData.txtStrings and UnboundAnswer on raw wire bytes",
                   run: WireFuzzing.dnsMessage),
        FuzzTarget(name: "toml", summary: "TOML.parse; write and parse again; ConfigurationLoader on the document",
                   run: ConfigurationFuzzing.toml),
        FuzzTarget(name: "json", summary: "JSONBody (API request bodies) and its typed field readers",
                   run: HTTPFuzzing.jsonBody),
        FuzzTarget(name: "http", summary: "domainctl's HTTPResponseParser, bytes arriving in fuzzed pieces",
                   run: HTTPFuzzing.httpResponse),
    ]

    public static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}

/// Throws an `InvariantViolation` naming `target` when `condition` is false.
@inline(__always)
func expect(_ condition: Bool, _ target: String, _ message: @autoclosure () -> String) throws(InvariantViolation) {
    if !condition { throw InvariantViolation(target: target, message: message()) }
}

/// Input bytes shown in a violation message: short, escaped, never the whole of a large input.
func shown(_ text: String) -> String {
    let escaped = text.unicodeScalars.prefix(200).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? String($0) : "\\u{\(String($0.value, radix: 16))}" }.joined()
    return "\"\(escaped)\(text.unicodeScalars.count > 200 ? "…" : "")\""
}
