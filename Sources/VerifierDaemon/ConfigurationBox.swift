// The configuration in force, replaceable at reload and read from any thread.
import Foundation

/// Holds the current configuration behind a lock.
final class ConfigurationBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: DaemonConfiguration

    init(_ value: DaemonConfiguration) { self.value = value }

    var current: DaemonConfiguration { lock.withLock { value } }

    func replace(_ new: DaemonConfiguration) { lock.withLock { value = new } }
}

extension DaemonConfiguration {
    /// Each setting's value as text, keyed like the configuration file, to tell what a reload changed.
    var settingValues: [String: String] {
        [
            "state_dir": stateDirectory, "socket": socketPath ?? "",
            "resolver.mode": resolver.mode.rawValue, "resolver.servers": resolver.servers.joined(separator: ","),
            "resolver.timeout": "\(resolver.timeout)",
            "timers.pending_timeout": "\(verification.pendingTimeout)",
            "timers.temporary_failure_timeout": "\(verification.temporaryFailureTimeout)",
            "timers.confirm_delay": "\(verification.confirmDelay)", "timers.dns_error_grace": "\(verification.dnsErrorGrace)",
            "schedule.pending_intervals": poll.pendingIntervals.map { "\($0)" }.joined(separator: ","),
            "schedule.recheck_interval": "\(poll.recheckInterval)",
            "schedule.temporary_failure_interval": "\(poll.temporaryFailureInterval)",
            "schedule.startup_spread": "\(poll.startupSpread)", "schedule.max_inflight_checks": "\(maxInflightChecks)",
            "schedule.verify_min_interval": "\(verifyMinInterval)", "history.retention": "\(historyRetention)",
            "admin.write_group": writeGroup, "admin.socket_group": socketGroup,
            "dkim.selector": dkimSelector, "dkim.key_size": "\(dkimKeySize)",
            "sending.regions": regions.joined(separator: ","), "sending.mx_host": mxHost, "sending.spf_include": spfInclude,
            "domains.deny_list": denyList.joined(separator: ","), "log.target": logTarget.rawValue,
        ]
    }

    /// The keys whose values differ from `old`.
    func changedKeys(from old: DaemonConfiguration) -> [String] {
        let before = old.settingValues
        return settingValues.filter { before[$0.key] != $0.value }.map(\.key).sorted()
    }

    /// Keys that only take effect at the next start.
    static let restartOnlyKeys: Set<String> = ["state_dir", "socket", "resolver.mode", "resolver.servers",
                                               "resolver.timeout", "admin.socket_group", "log.target"]
}
