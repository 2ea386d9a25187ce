// API timestamps for people: the ISO 8601 text as the daemon sent it, with "in 4m" or "3h ago" beside it.
import Foundation

/// Reads the API's ISO 8601 timestamps and says how far they are from now.
public enum TimeText {
    /// `2026-11-28T03:00:00.000Z`, with or without the fraction; nil for anything else.
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    /// "in 4m", "3h ago", "now": whole units, truncated, in seconds below a minute, minutes below an
    /// hour, hours below four days (so that a 72-hour window counts down in hours), and days beyond.
    public static func relative(_ date: Date, now: Date) -> String {
        let seconds = date.timeIntervalSince(now)
        let magnitude = Int(abs(seconds))
        if magnitude < 1 { return "now" }
        let amount: String
        switch magnitude {
        case ..<60: amount = "\(magnitude)s"
        case ..<3600: amount = "\(magnitude / 60)m"
        case ..<(96 * 3600): amount = "\(magnitude / 3600)h"
        default: amount = "\(magnitude / 86400)d"
        }
        return seconds > 0 ? "in \(amount)" : "\(amount) ago"
    }

    /// `2026-11-28T03:00:00.000Z (3h ago)`; the text alone when it is no timestamp; `absent` for nil.
    public static func annotated(_ text: String?, now: Date, absent: String = "-") -> String {
        guard let text else { return absent }
        guard let date = parse(text) else { return text }
        return "\(text) (\(relative(date, now: now)))"
    }

    /// `3h ago` alone, for narrow table columns; the text as given when it is no timestamp.
    public static func relativeOnly(_ text: String?, now: Date, absent: String = "-") -> String {
        guard let text else { return absent }
        guard let date = parse(text) else { return text }
        return relative(date, now: now)
    }
}
