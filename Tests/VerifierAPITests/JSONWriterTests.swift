// The hand-written JSON of the frequent answers is byte for byte what JSONEncoder writes.
import Foundation
import JSONWriting
import Testing
import VerifierAPIModels
import VerifierCore

@Suite struct JSONWriterTests {
    /// Random strings that include what JSON must escape, multi-byte UTF-8 and empty strings.
    struct Strings {
        var random = SeededOrSystemRandom(seed: 11)
        let alphabet: [String] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{01}", "\u{1F}",
                                  "\u{7F}", "é", "ü", "日", "🙂", "v=spf1", "=", ";", "<", ">", "&", "\u{2028}"]

        mutating func string() -> String {
            (0..<Int(random.next() % 12)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }.joined()
        }

        mutating func optional() -> String? { random.next() % 3 == 0 ? nil : string() }
        mutating func bool() -> Bool { random.next() % 2 == 0 }
        mutating func strings() -> [String] { (0..<Int(random.next() % 4)).map { _ in string() } }
        mutating func integer() -> Int { Int(truncatingIfNeeded: random.next()) >> Int(random.next() % 64) }
    }

    func encoded(_ value: some Encodable) throws -> String {
        String(decoding: try APIJSON.encoder().encode(value), as: UTF8.self)
    }

    func written(_ value: some JSONWritable) -> String {
        String(decoding: value.jsonBytes(), as: UTF8.self)
    }

    func domain(_ strings: inout Strings) -> DomainResponse {
        let records = strings.bool() ? nil : (0..<Int(strings.random.next() % 4)).map { _ in
            RecordResponse(record: strings.string(), name: strings.string(), fqdn: strings.string(), type: strings.string(),
                           status: strings.string(), value: strings.string(), priority: strings.bool() ? nil : strings.integer(),
                           required: strings.bool(), lastOutcome: strings.optional(), observed: strings.strings(),
                           detail: strings.optional(), lastCheckedAt: strings.optional())
        }
        let diagnostics = strings.bool() ? nil : (0..<Int(strings.random.next() % 3)).map { _ in
            DiagnosticResponse(code: strings.string(), record: strings.string(), message: strings.string(), fix: strings.string())
        }
        return DomainResponse(
            id: strings.string(), name: strings.string(), status: strings.string(), createdAt: strings.string(),
            region: strings.string(), customReturnPath: strings.string(), openTracking: strings.bool(), clickTracking: strings.bool(),
            dkim: DKIMInfo(selector: strings.string(), keySize: strings.integer()), records: records, diagnostics: diagnostics,
            verification: VerificationResponse(startedAt: strings.optional(), deadlineAt: strings.optional(),
                                               lastCheckedAt: strings.optional(), nextCheckAt: strings.optional(),
                                               verifiedAt: strings.optional()))
    }

    func history(_ strings: inout Strings) -> HistoryEntryResponse {
        let records = strings.bool() ? nil : (0..<Int(strings.random.next() % 4)).map { _ in
            CheckRecordResponse(record: strings.string(), type: strings.string(), name: strings.string(), outcome: strings.string(),
                                observed: strings.strings(), detail: strings.optional(), rcode: strings.optional(),
                                cnameChain: strings.strings())
        }
        return HistoryEntryResponse(
            object: strings.string(), id: Int64(strings.integer()), cursor: strings.string(), at: strings.string(),
            from: strings.optional(), to: strings.optional(), reason: strings.optional(),
            checkId: strings.bool() ? nil : Int64(strings.integer()), durationMs: strings.bool() ? nil : strings.integer(),
            verdict: strings.optional(), records: records,
            diagnostics: strings.bool() ? nil : [DiagnosticResponse(code: strings.string(), record: "", message: strings.string(), fix: "")])
    }

    @Test func domainsAndTheirListsAreWrittenAsJSONEncoderWritesThem() throws {
        var strings = Strings()
        for _ in 0..<500 {
            let value = domain(&strings)
            #expect(written(value) == (try encoded(value)))
        }
        let list = ListResponse(hasMore: true, data: (0..<20).map { _ in domain(&strings) })
        #expect(written(list) == (try encoded(list)))
        let empty = ListResponse<DomainResponse>(hasMore: false, data: [])
        #expect(written(empty) == (try encoded(empty)))
    }

    @Test func historyEntriesAreWrittenAsJSONEncoderWritesThem() throws {
        var strings = Strings()
        for _ in 0..<500 {
            let value = history(&strings)
            #expect(written(value) == (try encoded(value)))
        }
    }

    @Test func theWrittenBytesAreJSONThatDecodesToTheSameValue() throws {
        var strings = Strings()
        for _ in 0..<100 {
            let value = domain(&strings)
            #expect(try APIJSON.decoder().decode(DomainResponse.self, from: Data(value.jsonBytes())) == value)
        }
    }
}
