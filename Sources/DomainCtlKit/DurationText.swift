// Durations as domainctl's flags take them: "500ms", "90s", "10m", "1h30m" — the grammar of the
// daemon's configuration (VerifierCore.DurationText), which the CLI does not link.
import Foundation

/// Parses and prints durations written with the units `ms`, `s`, `m`, `h` and `d`.
public enum DurationText {
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public let text: String
        public let reason: String
        public var description: String {
            "\"\(text)\" is not a duration (\(reason)); write it like 500ms, 90s, 10m or 1h"
        }
    }

    private static let units: [(suffix: String, seconds: Double)] = [
        ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400),
    ]

    /// Parses `text` (one or more number–unit pairs, or a bare `0`) into seconds.
    public static func parse(_ text: String) throws(ParseError) -> TimeInterval {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { throw ParseError(text: text, reason: "it is empty") }
        if trimmed == "0" { return 0 }
        var total: Double = 0
        var rest = Substring(trimmed)
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty else { throw ParseError(text: text, reason: "expected a number at \"\(rest)\"") }
            guard let value = Double(number), value.isFinite else {
                throw ParseError(text: text, reason: "\"\(number)\" is not a number")
            }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { $0.isASCII && $0.isLetter }
            guard let unit = units.first(where: { $0.suffix == unitText }) else {
                throw ParseError(text: text, reason: unitText.isEmpty ? "\"\(number)\" has no unit" : "unknown unit \"\(unitText)\"")
            }
            rest = rest.dropFirst(unitText.count)
            total += value * unit.seconds
        }
        guard total <= 100 * 365 * 86400 else { throw ParseError(text: text, reason: "it is longer than 100 years") }
        return total
    }

    /// Prints `seconds` in the largest unit that divides it exactly: `600` → `"10m"`, `0.3` → `"300ms"`.
    public static func format(_ seconds: TimeInterval) -> String {
        let milliseconds = Int64((seconds * 1000).rounded())
        if milliseconds == 0 { return "0s" }
        for (suffix, unit) in units.reversed() {
            let perUnit = Int64(unit * 1000)
            if milliseconds % perUnit == 0 { return "\(milliseconds / perUnit)\(suffix)" }
        }
        return "\(milliseconds)ms"
    }
}
