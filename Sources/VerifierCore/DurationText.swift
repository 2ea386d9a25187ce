// Durations as operators write them in configuration and flags: "500ms", "90s", "15m", "72h", "30d".
import Foundation

/// Parses and prints durations written with the units `ms`, `s`, `m`, `h` and `d`.
///
/// A duration is one or more number–unit pairs (`"1h30m"`); numbers are non-negative
/// integers or decimals (`"1.5h"`). A bare `0` is accepted; any other number needs a unit.
public enum DurationText {
    public struct ParseError: Error, Equatable, CustomStringConvertible, Sendable {
        public let text: String
        public let reason: String
        public var description: String {
            "\"\(text)\" is not a duration (\(reason)); write it like 500ms, 90s, 15m, 72h or 30d"
        }
    }

    private static let units: [(suffix: String, seconds: Double)] = [
        ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400),
    ]

    /// Parses `text` into seconds.
    public static func parse(_ text: String) throws(ParseError) -> TimeInterval {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { throw ParseError(text: text, reason: "it is empty") }
        if trimmed == "0" { return 0 }
        var total: Double = 0
        var rest = Substring(trimmed)
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            if number.isEmpty {
                throw ParseError(text: text, reason: "expected a number at \"\(rest)\"")
            }
            guard let value = Double(number), value.isFinite, number.filter({ $0 == "." }).count <= 1 else {
                throw ParseError(text: text, reason: "\"\(number)\" is not a number")
            }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { $0.isASCII && $0.isLetter }
            guard let unit = units.first(where: { $0.suffix == unitText }) else {
                let reason = unitText.isEmpty ? "\"\(number)\" has no unit" : "unknown unit \"\(unitText)\""
                throw ParseError(text: text, reason: reason)
            }
            rest = rest.dropFirst(unitText.count)
            total += value * unit.seconds
        }
        guard total.isFinite, total <= 100 * 365 * 86400 else {
            throw ParseError(text: text, reason: "it is longer than 100 years")
        }
        return total
    }

    /// Prints `seconds` in the largest unit that divides it exactly, hours rather than days below a
    /// week, as the timers are written (`259200` → `"72h"`, `86400` → `"24h"`, `2592000` → `"30d"`).
    public static func format(_ seconds: TimeInterval) -> String {
        if seconds == 0 { return "0s" }
        let milliseconds = (seconds * 1000).rounded()
        for (suffix, unit) in units.reversed() where suffix != "d" || seconds >= 7 * 86400 {
            let perUnit = unit * 1000
            if milliseconds.truncatingRemainder(dividingBy: perUnit) == 0 {
                return "\(Int64(milliseconds / perUnit))\(suffix)"
            }
        }
        return "\(Int64(milliseconds))ms"
    }
}
