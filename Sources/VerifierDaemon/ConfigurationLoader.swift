// Reads the configuration file and flags into a DaemonConfiguration; every error names the key and where.
import Foundation
import VerifierCore
import VerifierDNS

/// A configuration mistake: which key, where it was written, and what is wrong.
public struct ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Where a setting's value came from, for error messages.
package enum SettingSource: Equatable {
    case file(path: String, line: Int)
    case flag(String)

    var text: String {
        switch self {
        case let .file(path, line): "\(path), line \(line)"
        case let .flag(name): "flag --\(name)"
        }
    }
}

/// A raw value before validation: from TOML (typed) or from a flag (text).
enum SettingValue {
    case toml(TOMLValue)
    case text(String)
    case texts([String])
}

/// One configuration key: its flag, and how a value is validated into the configuration.
struct Setting: Sendable {
    let key: String
    let flag: String?
    let apply: @Sendable (inout DaemonConfiguration, SettingValue, SettingSource) throws(ConfigurationError) -> Void
}

public enum ConfigurationLoader {
    /// Defaults, then the file at `path` (missing is fine unless `required`), then `flags`
    /// (flag name without dashes → values, repeated flags in order).
    public static func load(path: String?, required: Bool, flags: [String: [String]],
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> DaemonConfiguration {
        var configuration = DaemonConfiguration(environment: environment)
        var sources: [String: SettingSource] = [:]
        if let path {
            if let text = try readFile(path, required: required) {
                try apply(file: text, path: path, to: &configuration, sources: &sources)
            }
        }
        for (flag, values) in flags.sorted(by: { $0.key < $1.key }) {
            guard let setting = settings.first(where: { $0.flag == flag }) else {
                throw ConfigurationError("--\(flag) is not a setting")
            }
            let value: SettingValue = values.count == 1 && flag != "dns-server" ? .text(values[0]) : .texts(values)
            try setting.apply(&configuration, value, .flag(flag))
            sources[setting.key] = .flag(flag)
        }
        try validate(configuration, sources: sources, path: path)
        return configuration
    }

    static func readFile(_ path: String, required: Bool) throws(ConfigurationError) -> String? {
        guard FileManager.default.fileExists(atPath: path) else {
            if required { throw ConfigurationError("the configuration file \(path) does not exist") }
            return nil
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("the configuration file \(path) cannot be read (check its permissions)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError("the configuration file \(path) is not UTF-8 text")
        }
        return text
    }

    package static func apply(file text: String, path: String, to configuration: inout DaemonConfiguration,
                      sources: inout [String: SettingSource]) throws(ConfigurationError) {
        let root: [String: TOMLValue]
        do {
            root = try TOML.parse(text)
        } catch {
            throw ConfigurationError("\(path), line \(error.line), column \(error.column): \(error.reason)")
        }
        for (key, value) in flatten(root, prefix: "") {
            guard let setting = settings.first(where: { $0.key == key }) else {
                let known = settings.map(\.key).filter { $0.hasPrefix(key.split(separator: ".").first.map { $0 + "." } ?? "") }
                let hint = known.isEmpty ? "" : " (known keys there: \(known.joined(separator: ", ")))"
                throw ConfigurationError("\(path), line \(value.line): unknown key \(key)\(hint)")
            }
            try setting.apply(&configuration, .toml(value), .file(path: path, line: value.line))
            sources[key] = .file(path: path, line: value.line)
        }
    }

    /// Flattens tables to dotted keys; values that are tables themselves are descended into.
    static func flatten(_ table: [String: TOMLValue], prefix: String) -> [(String, TOMLValue)] {
        table.sorted { $0.value.line < $1.value.line || ($0.value.line == $1.value.line && $0.key < $1.key) }.flatMap { key, value -> [(String, TOMLValue)] in
            let full = prefix.isEmpty ? key : prefix + "." + key
            if case let .table(inner) = value.kind, !settings.contains(where: { $0.key == full }) {
                return flatten(inner, prefix: full)
            }
            return [(full, value)]
        }
    }

    /// Rules that involve several keys; the error names where the offending key was set.
    static func validate(_ configuration: DaemonConfiguration, sources: [String: SettingSource], path: String?) throws(ConfigurationError) {
        func at(_ key: String) -> String {
            sources[key]?.text ?? path.map { "\($0)" } ?? "the defaults"
        }
        if configuration.resolver.mode == .forward && configuration.resolver.servers.isEmpty {
            throw ConfigurationError("\(at("resolver.mode")): resolver.mode is forward but resolver.servers is empty; list at least one server such as \"127.0.0.1@53\"")
        }
        if configuration.resolver.mode != .forward && !configuration.resolver.servers.isEmpty {
            throw ConfigurationError("\(at("resolver.servers")): resolver.servers is set but resolver.mode is \(configuration.resolver.mode.rawValue); servers are only used in forward mode")
        }
    }

    // MARK: The settings of spec §11

    static let settings: [Setting] = [
        Setting(key: "state_dir", flag: "state-dir") { c, v, s throws(ConfigurationError) in c.stateDirectory = try path(v, s, "state_dir") },
        Setting(key: "socket", flag: "socket") { c, v, s throws(ConfigurationError) in c.socketPath = try path(v, s, "socket") },
        Setting(key: "resolver.mode", flag: "resolver") { c, v, s throws(ConfigurationError) in
            let text = try string(v, s, "resolver.mode")
            guard let mode = ResolverConfiguration.Mode(rawValue: text) else {
                throw ConfigurationError("\(s.text): resolver.mode \"\(text)\" is not recursive, forward or system")
            }
            c.resolver.mode = mode
        },
        Setting(key: "resolver.servers", flag: "dns-server") { c, v, s throws(ConfigurationError) in
            let servers = try strings(v, s, "resolver.servers", splitCommas: false)
            for server in servers { try checkServer(server, s) }
            c.resolver.servers = servers
            // --dns-server implies forward mode (spec §7).
            if case .flag = s { c.resolver.mode = .forward }
        },
        Setting(key: "resolver.timeout", flag: "dns-timeout") { c, v, s throws(ConfigurationError) in
            c.resolver.timeout = try duration(v, s, "resolver.timeout", minimum: 0.05)
        },
        Setting(key: "timers.pending_timeout", flag: "pending-timeout") { c, v, s throws(ConfigurationError) in
            c.verification.pendingTimeout = try duration(v, s, "timers.pending_timeout", minimum: 1)
        },
        Setting(key: "timers.temporary_failure_timeout", flag: "temporary-failure-timeout") { c, v, s throws(ConfigurationError) in
            c.verification.temporaryFailureTimeout = try duration(v, s, "timers.temporary_failure_timeout", minimum: 1)
        },
        Setting(key: "timers.confirm_delay", flag: "confirm-delay") { c, v, s throws(ConfigurationError) in
            c.verification.confirmDelay = try duration(v, s, "timers.confirm_delay", minimum: 0)
        },
        Setting(key: "timers.dns_error_grace", flag: "dns-error-grace") { c, v, s throws(ConfigurationError) in
            c.verification.dnsErrorGrace = try duration(v, s, "timers.dns_error_grace", minimum: 0)
        },
        Setting(key: "schedule.pending_intervals", flag: "pending-intervals") { c, v, s throws(ConfigurationError) in
            let texts = try strings(v, s, "schedule.pending_intervals", splitCommas: true)
            guard !texts.isEmpty else { throw ConfigurationError("\(s.text): schedule.pending_intervals needs at least one interval") }
            var intervals: [TimeInterval] = []
            for text in texts { intervals.append(try parseDuration(text, s, "schedule.pending_intervals", minimum: 0.1)) }
            c.poll.pendingIntervals = intervals
        },
        Setting(key: "schedule.recheck_interval", flag: "recheck-interval") { c, v, s throws(ConfigurationError) in
            c.poll.recheckInterval = try duration(v, s, "schedule.recheck_interval", minimum: 1)
        },
        Setting(key: "schedule.temporary_failure_interval", flag: "temporary-failure-interval") { c, v, s throws(ConfigurationError) in
            c.poll.temporaryFailureInterval = try duration(v, s, "schedule.temporary_failure_interval", minimum: 0.1)
        },
        Setting(key: "schedule.startup_spread", flag: "startup-spread") { c, v, s throws(ConfigurationError) in
            c.poll.startupSpread = try duration(v, s, "schedule.startup_spread", minimum: 0)
        },
        Setting(key: "schedule.max_inflight_checks", flag: "max-inflight-checks") { c, v, s throws(ConfigurationError) in
            c.maxInflightChecks = try integer(v, s, "schedule.max_inflight_checks", range: 1...100_000)
        },
        Setting(key: "schedule.verify_min_interval", flag: "verify-min-interval") { c, v, s throws(ConfigurationError) in
            c.verifyMinInterval = try duration(v, s, "schedule.verify_min_interval", minimum: 0)
        },
        Setting(key: "history.retention", flag: "history-retention") { c, v, s throws(ConfigurationError) in
            c.historyRetention = try duration(v, s, "history.retention", minimum: 60)
        },
        Setting(key: "admin.write_group", flag: "write-group") { c, v, s throws(ConfigurationError) in
            c.writeGroup = try groupName(v, s, "admin.write_group")
        },
        Setting(key: "admin.socket_group", flag: "socket-group") { c, v, s throws(ConfigurationError) in
            c.socketGroup = try groupName(v, s, "admin.socket_group")
        },
        Setting(key: "dkim.selector", flag: "dkim-selector") { c, v, s throws(ConfigurationError) in
            let selector = try string(v, s, "dkim.selector").lowercased()
            try checkHostLabels(selector, s, "dkim.selector", maxLength: 63)
            c.dkimSelector = selector
        },
        Setting(key: "dkim.key_size", flag: "dkim-key-size") { c, v, s throws(ConfigurationError) in
            let size = try integer(v, s, "dkim.key_size", range: 1...65536)
            guard size == 1024 || size == 2048 else { throw ConfigurationError("\(s.text): dkim.key_size must be 1024 or 2048, not \(size)") }
            c.dkimKeySize = size
        },
        Setting(key: "sending.regions", flag: nil) { c, v, s throws(ConfigurationError) in
            let regions = try strings(v, s, "sending.regions", splitCommas: false)
            guard !regions.isEmpty else { throw ConfigurationError("\(s.text): sending.regions needs at least one region") }
            for region in regions { try checkHostLabels(region, s, "sending.regions", maxLength: 63) }
            c.regions = regions
        },
        Setting(key: "sending.mx_host", flag: "mx-host") { c, v, s throws(ConfigurationError) in
            let host = try string(v, s, "sending.mx_host").lowercased()
            try checkHostLabels(host.replacingOccurrences(of: "{region}", with: "region"), s, "sending.mx_host", maxLength: 253)
            c.mxHost = host
        },
        Setting(key: "sending.spf_include", flag: "spf-include") { c, v, s throws(ConfigurationError) in
            let include = try string(v, s, "sending.spf_include").lowercased()
            try checkHostLabels(include, s, "sending.spf_include", maxLength: 253)
            c.spfInclude = include
        },
        Setting(key: "domains.deny_list", flag: nil) { c, v, s throws(ConfigurationError) in
            let names = try strings(v, s, "domains.deny_list", splitCommas: false)
            for name in names { try checkHostLabels(name.lowercased(), s, "domains.deny_list", maxLength: 253) }
            c.denyList = names.map { $0.lowercased() }
        },
        Setting(key: "log.target", flag: "log-target") { c, v, s throws(ConfigurationError) in
            let text = try string(v, s, "log.target")
            guard let target = LogTarget(rawValue: text) else {
                throw ConfigurationError("\(s.text): log.target \"\(text)\" is not auto, journal or console")
            }
            c.logTarget = target
        },
    ]

    /// The flags that take a value, for the daemon's command line.
    public static var flagNames: [String] { settings.compactMap(\.flag) }

    // MARK: Value readers

    static func string(_ value: SettingValue, _ source: SettingSource, _ key: String) throws(ConfigurationError) -> String {
        switch value {
        case let .text(text): return text
        case let .texts(texts) where texts.count == 1: return texts[0]
        case .texts: throw ConfigurationError("\(source.text): \(key) takes one value")
        case let .toml(toml):
            guard case let .string(text) = toml.kind else {
                throw ConfigurationError("\(source.text): \(key) must be a string, not \(toml.typeName)")
            }
            return text
        }
    }

    static func strings(_ value: SettingValue, _ source: SettingSource, _ key: String, splitCommas: Bool) throws(ConfigurationError) -> [String] {
        switch value {
        case let .text(text):
            return splitCommas ? text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : [text]
        case let .texts(texts):
            return texts
        case let .toml(toml):
            switch toml.kind {
            case let .string(text) where splitCommas:
                return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            case let .array(items):
                var result: [String] = []
                for item in items {
                    guard case let .string(text) = item.kind else {
                        throw ConfigurationError("\(source.text): \(key) must be a list of strings; found \(item.typeName)")
                    }
                    result.append(text)
                }
                return result
            default:
                throw ConfigurationError("\(source.text): \(key) must be a list of strings like [\"a\", \"b\"], not \(toml.typeName)")
            }
        }
    }

    static func duration(_ value: SettingValue, _ source: SettingSource, _ key: String, minimum: TimeInterval) throws(ConfigurationError) -> TimeInterval {
        if case let .toml(toml) = value, case .integer = toml.kind {
            throw ConfigurationError("\(source.text): \(key) must be a duration with a unit in quotes, like \"90s\" or \"72h\"")
        }
        return try parseDuration(try string(value, source, key), source, key, minimum: minimum)
    }

    static func parseDuration(_ text: String, _ source: SettingSource, _ key: String, minimum: TimeInterval) throws(ConfigurationError) -> TimeInterval {
        let seconds: TimeInterval
        do {
            seconds = try DurationText.parse(text)
        } catch {
            throw ConfigurationError("\(source.text): \(key): \(error)")
        }
        guard seconds >= minimum else {
            throw ConfigurationError("\(source.text): \(key) is \(text); it must be at least \(DurationText.format(minimum))")
        }
        return seconds
    }

    static func integer(_ value: SettingValue, _ source: SettingSource, _ key: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        let number: Int
        if case let .toml(toml) = value {
            guard case let .integer(n) = toml.kind, let fits = Int(exactly: n) else {
                throw ConfigurationError("\(source.text): \(key) must be an integer, not \(toml.typeName)")
            }
            number = fits
        } else {
            let text = try string(value, source, key)
            guard let n = Int(text) else { throw ConfigurationError("\(source.text): \(key) must be an integer, not \"\(text)\"") }
            number = n
        }
        guard range.contains(number) else {
            throw ConfigurationError("\(source.text): \(key) is \(number); it must be from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    static func path(_ value: SettingValue, _ source: SettingSource, _ key: String) throws(ConfigurationError) -> String {
        let text = try string(value, source, key)
        guard text.hasPrefix("/") else {
            throw ConfigurationError("\(source.text): \(key) must be an absolute path, not \"\(text)\"")
        }
        guard !text.contains("\0") else { throw ConfigurationError("\(source.text): \(key) contains a NUL byte") }
        return text.count > 1 && text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    static func groupName(_ value: SettingValue, _ source: SettingSource, _ key: String) throws(ConfigurationError) -> String {
        let text = try string(value, source, key)
        guard !text.isEmpty, text.count <= 32, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) else {
            throw ConfigurationError("\(source.text): \(key) \"\(text)\" is not a group name")
        }
        return text
    }

    static func checkServer(_ server: String, _ source: SettingSource) throws(ConfigurationError) {
        let parts = server.split(separator: "@", omittingEmptySubsequences: false)
        let address = String(parts[0])
        var v4 = in_addr()
        var v6 = in6_addr()
        guard parts.count <= 2, inet_pton(AF_INET, address, &v4) == 1 || inet_pton(AF_INET6, address, &v6) == 1 else {
            throw ConfigurationError("\(source.text): \"\(server)\" is not a DNS server; write an IP address, optionally with @port, like 127.0.0.1@5300")
        }
        if parts.count == 2 {
            guard let port = Int(parts[1]), (1...65535).contains(port) else {
                throw ConfigurationError("\(source.text): \"\(server)\" has an invalid port; use 1 to 65535")
            }
        }
    }

    static func checkHostLabels(_ name: String, _ source: SettingSource, _ key: String, maxLength: Int) throws(ConfigurationError) {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !name.isEmpty, name.count <= maxLength,
              labels.allSatisfy({ label in
                  !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                      && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
              }) else {
            throw ConfigurationError("\(source.text): \(key) \"\(name)\" is not a valid DNS name (letters, digits, hyphens; labels separated by dots)")
        }
    }
}
