// Tests DurationText: parsing durations as operators write them, and printing them back.
import Foundation
import Testing
@testable import VerifierCore

struct DurationTextTests {
    @Test(arguments: [
        ("500ms", 0.5),
        ("90s", 90),
        ("15m", 900),
        ("72h", 259_200),
        ("30d", 2_592_000),
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("0", 0),
        ("0s", 0),
        (" 5s ", 5),
        ("1m30s500ms", 90.5),
        ("0.25s", 0.25),
    ] as [(String, TimeInterval)])
    func parse_acceptsUnitsAndCombinations(text: String, seconds: TimeInterval) throws {
        #expect(try DurationText.parse(text) == seconds)
    }

    @Test(arguments: [
        ("", "empty"),
        ("   ", "empty"),
        ("5", "has no unit"),
        ("5x", "unknown unit \"x\""),
        ("1.2.3s", "is not a number"),
        ("h", "expected a number"),
        ("-5s", "expected a number"),
        ("5s 3m", "expected a number"),
        ("5S", "unknown unit \"S\""),
        ("1h30", "has no unit"),
        ("101y", "unknown unit"),
        ("40000d", "longer than 100 years"),
    ])
    func parse_refusesMalformedText_sayingWhy(text: String, reasonPart: String) {
        #expect {
            try DurationText.parse(text)
        } throws: { error in
            guard let error = error as? DurationText.ParseError else { return false }
            return error.text == text && error.reason.contains(reasonPart)
                && error.description.contains("write it like 500ms, 90s, 15m, 72h or 30d")
        }
    }

    @Test(arguments: [
        (0, "0s"),
        (0.5, "500ms"),
        (1.5, "1500ms"),
        (5, "5s"),
        (90, "90s"),
        (300, "5m"),
        (900, "15m"),
        (5400, "90m"),
        (3600, "1h"),
        (21_600, "6h"),
        (86_400, "24h"),
        (259_200, "72h"),
        (604_800, "7d"),
        (2_592_000, "30d"),
        (3_600 * 170, "170h"),
    ] as [(TimeInterval, String)])
    func format_printsLargestExactUnit_withHoursBelowAWeek(seconds: TimeInterval, text: String) {
        #expect(DurationText.format(seconds) == text)
    }

    @Test(arguments: [0.001, 0.5, 1, 59, 61, 3599, 3600, 86_399, 86_400, 259_200, 2_592_000] as [TimeInterval])
    func formatThenParse_roundTrips(seconds: TimeInterval) throws {
        #expect(try DurationText.parse(DurationText.format(seconds)) == seconds)
    }
}
