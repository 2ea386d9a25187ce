// Replays every kept fuzz input (Fuzz/corpus, Fuzz/crashers) through the fuzz entries, as CI's cheap
// re-check of what `make fuzz` found: no input may crash a parser or break one of its invariants.
import Foundation
import VerifierCore
import VerifierDaemon
import Testing
@testable import FuzzTargets

@Suite struct CorpusReplayTests {
    static let fuzzFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func inputs(_ kind: String, _ target: String) throws -> [URL] {
        let folder = fuzzFolder.appendingPathComponent(kind).appendingPathComponent(target)
        guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func replay(_ files: [URL], through target: FuzzTarget) throws {
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: file))
            do {
                try target.run(bytes)
            } catch {
                Issue.record("\(file.deletingLastPathComponent().lastPathComponent)/\(file.lastPathComponent): \(error)")
            }
        }
    }

    @Test(arguments: FuzzTarget.all.map(\.name))
    func corpus_keepsEveryInvariant(target name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let corpus = try Self.inputs("corpus", name)
        #expect(corpus.count >= 5, "Fuzz/corpus/\(name) has \(corpus.count) seeds; the fuzzer starts from them")
        try Self.replay(corpus, through: target)
    }

    @Test(arguments: FuzzTarget.all.map(\.name))
    func crashers_nowKeepEveryInvariant(target name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        try Self.replay(try Self.inputs("crashers", name), through: target)
    }

    @Test func everyFolder_namesATarget() throws {
        for kind in ["corpus", "crashers"] {
            let folder = Self.fuzzFolder.appendingPathComponent(kind)
            guard FileManager.default.fileExists(atPath: folder.path) else { continue }
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where !name.hasPrefix(".") {
                #expect(FuzzTarget.named(name) != nil, "Fuzz/\(kind)/\(name) is not a fuzz target")
            }
        }
    }

    // The helpers the invariants lean on must be right themselves, or a check passes vacuously.

    @Test func spfText_writesEveryQualifierAndArgument() throws {
        let record = try SPFRecord.parse("v=spf1 a mx:mail.example.com/24//64 ~include:_spf.example.com -ip4:192.0.2.0/24 ?ptr exp=x.%{d} -all")
        #expect(RecordFuzzing.spfText(record)
            == "v=spf1 +a +mx:mail.example.com/24//64 ~include:_spf.example.com -ip4:192.0.2.0/24 ?ptr exp=x.%{d} -all")
    }

    @Test func unescape_readsMasterFileStrings() {
        #expect(TextFuzzing.unescape(#""a\"b\\" "\001\255""#) == [Array(#"a"b\"#.utf8), [1, 255]])
        #expect(TextFuzzing.unescape(#""open"#) == nil)
    }

    @Test func tomlWrite_quotesKeysAndEscapesControls() throws {
        let document = try TOML.parse("[a]\nb = \"x\\ty\"\nc = [1, 2.5, nan]\n")
        #expect(ConfigurationFuzzing.write(document) == #""a" = {"b" = "x\u0009y", "c" = [1, 2.5, nan]}"#)
    }
}
