// The check columns written without JSONEncoder are byte for byte what JSONEncoder writes, and read back.
import Foundation
import Testing
import VerifierCore
@testable import VerifierStore

@Suite struct StoreJSONTests {
    /// Random values that include what JSON must escape, multi-byte UTF-8, empty lists and nils.
    struct Values {
        var random = SeededOrSystemRandom(seed: 23)
        let alphabet: [String] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{01}", "\u{1F}",
                                  "\u{7F}", "é", "日", "🙂", "v=spf1", "p=MIIB", ";", "<", "&", "\u{2028}"]

        mutating func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
        mutating func string() -> String { (0..<Int(random.next() % 10)).map { _ in pick(alphabet) }.joined() }
        mutating func optional() -> String? { random.next() % 3 == 0 ? nil : string() }
        mutating func strings() -> [String] { (0..<Int(random.next() % 4)).map { _ in string() } }

        mutating func diagnostics() -> [Diagnostic] {
            (0..<Int(random.next() % 3)).map { _ in
                Diagnostic(code: pick(DiagnosticCode.allCases), record: pick(RecordKind.allCases), message: string(), fix: string())
            }
        }

        mutating func judgements() -> [RecordJudgement] {
            (0..<Int(random.next() % 5)).map { _ in
                RecordJudgement(kind: pick(RecordKind.allCases), outcome: pick(Outcome.allCases), observed: strings(),
                                detail: optional(), rcode: optional(), cnameChain: strings(), diagnostics: diagnostics())
            }
        }
    }

    @Test func judgements_areWhatJSONEncoderWrites() throws {
        var values = Values()
        for _ in 0..<2_000 {
            let judgements = values.judgements()
            let written = StoreJSON.judgements(judgements)
            #expect(written == (try StoreJSON.encode(judgements)))
            #expect(try StoreJSON.decode([RecordJudgement].self, written) == judgements)
        }
    }

    @Test func diagnosticsAndObserved_areWhatJSONEncoderWrites() throws {
        var values = Values()
        for _ in 0..<2_000 {
            let diagnostics = values.diagnostics()
            #expect(StoreJSON.diagnostics(diagnostics) == (try StoreJSON.encode(diagnostics)))
            let observed = values.strings()
            #expect(StoreJSON.strings(observed) == (try StoreJSON.encode(observed)))
        }
    }
}
