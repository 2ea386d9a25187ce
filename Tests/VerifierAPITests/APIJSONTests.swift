// The API's timestamps: written digit by digit, checked against Foundation's ISO 8601 formatter.
import Foundation
import Testing
import VerifierAPIModels
import VerifierCore

@Suite struct APIJSONTimestampTests {
    @Test func knownInstantsAreWrittenAsISO8601UTCWithMilliseconds() {
        #expect(APIJSON.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(APIJSON.timestamp(Date(timeIntervalSince1970: 1_795_834_800.5)) == "2026-11-28T03:00:00.500Z")
        #expect(APIJSON.timestamp(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
        #expect(APIJSON.timestamp(Date(timeIntervalSince1970: -0.001)) == "1969-12-31T23:59:59.999Z")
        #expect(APIJSON.timestamp(Date(timeIntervalSince1970: 253_402_300_799.999)) == "9999-12-31T23:59:59.999Z")
    }

    @Test func agreesWithFoundationOverTenThousandRandomInstants() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var random = SeededOrSystemRandom(seed: 7)
        for _ in 0..<10_000 {
            // From 1900 to 2200, whole milliseconds (what the store keeps).
            let millis = Int64(random.next() % 9_467_280_000_000) - 2_208_988_800_000
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            #expect(APIJSON.timestamp(date) == formatter.string(from: date), "at \(millis) ms")
        }
    }
}
