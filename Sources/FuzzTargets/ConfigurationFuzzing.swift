// Fuzz entry for the configuration file: the TOML reader, and the loader that applies a document.
import VerifierDaemon

enum ConfigurationFuzzing {
    static let path = "/etc/domain-verifier/domain-verifierd.toml"

    /// Errors name a line and column inside the document; values remember lines inside it; a document
    /// written back as TOML parses to the same values; the loader's errors name the file and a line.
    static func toml(_ bytes: [UInt8]) throws(InvariantViolation) {
        let text = String(decoding: bytes, as: UTF8.self)
        let lineCount = text.unicodeScalars.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
        let document: [String: TOMLValue]
        do {
            document = try TOML.parse(text)
        } catch {
            try expect((1...lineCount).contains(error.line) && error.column >= 1, "toml",
                       "error at line \(error.line), column \(error.column) of a \(lineCount)-line document: \(error.reason)")
            return
        }
        try checkLines(document, lineCount)
        let written = write(document)
        switch Result(catching: { () throws(TOMLError) in try TOML.parse(written) }) {
        case let .success(again):
            try expect(same(.table(again), .table(document)), "toml", "\(shown(text)) written as \(shown(written)) parses differently")
        case let .failure(error):
            throw InvariantViolation(target: "toml", message: "\(shown(text)) written as \(shown(written)) does not parse: \(error)")
        }

        var configuration = DaemonConfiguration(environment: [:])
        var sources: [String: SettingSource] = [:]
        do {
            try ConfigurationLoader.apply(file: text, path: path, to: &configuration, sources: &sources)
        } catch {
            try expect(error.message.hasPrefix("\(path), line "), "toml", "the error \(shown(error.message)) does not say where")
        }
    }

    private static func checkLines(_ table: [String: TOMLValue], _ lineCount: Int) throws(InvariantViolation) {
        for (key, value) in table {
            try expect((1...lineCount).contains(value.line), "toml", "\(key) is on line \(value.line) of \(lineCount)")
            switch value.kind {
            case let .table(inner): try checkLines(inner, lineCount)
            case let .array(items): try checkLines(Dictionary(uniqueKeysWithValues: items.enumerated().map { ("\(key)[\($0)]", $1) }), lineCount)
            default: break
            }
        }
    }

    /// The document as TOML: one `"key" = value` line per root key, tables written inline.
    static func write(_ table: [String: TOMLValue]) -> String {
        table.sorted { $0.key < $1.key }.map { "\(quoted($0.key)) = \(inline($0.value.kind))" }.joined(separator: "\n")
    }

    private static func inline(_ kind: TOMLValue.Kind) -> String {
        switch kind {
        case let .string(text): quoted(text)
        case let .integer(value): "\(value)"
        case let .float(value) where value.isNaN: "nan"
        case let .float(value) where value.isInfinite: value < 0 ? "-inf" : "inf"
        case let .float(value): "\(value)"
        case let .boolean(value): "\(value)"
        case let .array(items): "[" + items.map { inline($0.kind) }.joined(separator: ", ") + "]"
        case let .table(inner): "{" + inner.sorted { $0.key < $1.key }.map { "\(quoted($0.key)) = \(inline($0.value.kind))" }.joined(separator: ", ") + "}"
        }
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Equal values, lines aside, NaN equal to NaN.
    private static func same(_ a: TOMLValue.Kind, _ b: TOMLValue.Kind) -> Bool {
        switch (a, b) {
        case let (.float(x), .float(y)): x == y || (x.isNaN && y.isNaN)
        case let (.array(xs), .array(ys)): xs.count == ys.count && zip(xs, ys).allSatisfy { same($0.kind, $1.kind) }
        case let (.table(xs), .table(ys)): xs.count == ys.count && xs.allSatisfy { key, value in ys[key].map { same(value.kind, $0.kind) } ?? false }
        default: a == b
        }
    }
}
