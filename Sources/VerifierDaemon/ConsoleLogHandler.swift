// Readable log lines on stderr for a terminal: time, level, message, then the domain and other fields.
import Foundation
import Logging

/// A swift-log handler writing one line per entry to stderr.
public struct ConsoleLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let fields = metadata.merging(event.metadata ?? [:]) { $1 }
            .filter { $0.key != "message_id" }
            .sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value)" }
        let time = Self.timestamp()
        let line = "\(time) \(event.level.rawValue.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0)) \(event.message)"
            + (fields.isEmpty ? "" : "  [\(fields.joined(separator: " "))]") + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        localtime_r(&seconds, &parts)
        return String(format: "%02d:%02d:%02d.%03d", parts.tm_hour, parts.tm_min, parts.tm_sec, now.tv_nsec / 1_000_000)
    }
}
