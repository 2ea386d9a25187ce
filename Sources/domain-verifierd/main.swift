// domain-verifierd: parse the flags, load the configuration, run the daemon in the foreground.
import ArgumentParser
import Foundation
import Logging
import VerifierAPIModels
import VerifierDaemon
import VerifierSystemd

@main
struct DomainVerifierd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domain-verifierd",
        abstract: "Verifies that customer domains publish the DNS records a mail platform needs.",
        discussion: "Runs in the foreground (systemd's way). Every setting of the configuration file can be given as a flag; a flag wins over the file.",
        version: Version.string)

    /// Parses the flags from `CommandLine`, or from /proc/self/cmdline when the Swift runtime did
    /// not capture argv: it loses them under some preloaded libraries (libfaketime, which the
    /// clock tests use, leaves `CommandLine.arguments` empty), and the daemon would then run on its
    /// defaults, silently ignoring every flag.
    static func main() {
        guard CommandLine.arguments.isEmpty,
              let raw = FileManager.default.contents(atPath: "/proc/self/cmdline") else {
            main(nil)
            return
        }
        var arguments = raw.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if arguments.last == "" { arguments.removeLast() }
        main(Array(arguments.dropFirst()))
    }

    @Option(help: "The configuration file (TOML).")
    var config: String?

    @Flag(help: "Validate the configuration and exit.")
    var checkConfig = false

    @Option(help: "Directory for the database.") var stateDir: String?
    @Option(help: "Admin socket path.") var socket: String?
    @Option(help: "recursive, forward or system.") var resolver: String?
    @Option(name: .customLong("dns-server"), help: "Forward to ADDR@PORT (repeatable; implies forward mode).") var dnsServers: [String] = []
    @Option(help: "Deadline of each DNS query (e.g. 5s).") var dnsTimeout: String?
    @Option(help: "How long a pending domain has to verify (72h).") var pendingTimeout: String?
    @Option(help: "How long a temporary failure lasts before failed (72h).") var temporaryFailureTimeout: String?
    @Option(help: "Delay before a miss on a verified domain is confirmed (5m).") var confirmDelay: String?
    @Option(help: "How long DNS errors are tolerated on a verified domain (24h).") var dnsErrorGrace: String?
    @Option(help: "Gaps between checks of a pending domain (30s,1m,…).") var pendingIntervals: String?
    @Option(help: "Gap between rechecks of verified domains (6h).") var recheckInterval: String?
    @Option(help: "Gap between checks in temporary failure (15m).") var temporaryFailureInterval: String?
    @Option(help: "Overdue checks at start-up are spread over this long (10m).") var startupSpread: String?
    @Option(help: "Checks running at once (256).") var maxInflightChecks: String?
    @Option(help: "Least time between two verify requests of one domain (10s).") var verifyMinInterval: String?
    @Option(help: "How long check history is kept (30d).") var historyRetention: String?
    @Option(help: "Group whose members may change things.") var writeGroup: String?
    @Option(help: "Group of the socket the daemon creates.") var socketGroup: String?
    @Option(help: "DKIM selector of new domains.") var dkimSelector: String?
    @Option(help: "RSA size of new DKIM keys: 1024 or 2048.") var dkimKeySize: String?
    @Option(help: "Bounce MX host; {region} is replaced.") var mxHost: String?
    @Option(help: "Domain the return path's SPF must include.") var spfInclude: String?
    @Option(help: "auto, journal or console.") var logTarget: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel: String = "info"

    var flags: [String: [String]] {
        var flags: [String: [String]] = [:]
        let single: [(String, String?)] = [
            ("state-dir", stateDir), ("socket", socket), ("resolver", resolver), ("dns-timeout", dnsTimeout),
            ("pending-timeout", pendingTimeout), ("temporary-failure-timeout", temporaryFailureTimeout),
            ("confirm-delay", confirmDelay), ("dns-error-grace", dnsErrorGrace), ("pending-intervals", pendingIntervals),
            ("recheck-interval", recheckInterval), ("temporary-failure-interval", temporaryFailureInterval),
            ("startup-spread", startupSpread), ("max-inflight-checks", maxInflightChecks),
            ("verify-min-interval", verifyMinInterval), ("history-retention", historyRetention),
            ("write-group", writeGroup), ("socket-group", socketGroup), ("dkim-selector", dkimSelector),
            ("dkim-key-size", dkimKeySize), ("mx-host", mxHost), ("spf-include", spfInclude), ("log-target", logTarget),
        ]
        for (name, value) in single { if let value { flags[name] = [value] } }
        if !dnsServers.isEmpty { flags["dns-server"] = dnsServers }
        return flags
    }

    mutating func run() throws {
        // glibc gives each thread that allocates an arena of its own, up to 8 per core, and each
        // arena keeps what was freed in it: with ~18 threads (NIO, Dispatch, the API's pools,
        // libunbound) RSS settled 14 MB higher in a soak of 1,000 checks/s (100,000 domains:
        // 56 MB of heap against 42 MB with one arena per core).
        _ = glibcMallopt(glibcArenaMax, Int32(max(2, ProcessInfo.processInfo.activeProcessorCount)))
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let path = config ?? DaemonConfiguration.defaultConfigPath
        let configuration: DaemonConfiguration
        do {
            configuration = try ConfigurationLoader.load(path: path, required: config != nil, flags: flags)
        } catch {
            FileHandle.standardError.write(Data("domain-verifierd: \(error.message)\n".utf8))
            throw ExitCode(2)
        }
        if checkConfig {
            print("\(FileManager.default.fileExists(atPath: path) ? path : "the defaults and flags"): the configuration is valid")
            return
        }
        let journal = configuration.logTarget == .journal || (configuration.logTarget == .auto && JournalLogHandler.stderrIsJournal())
        LoggingSystem.bootstrap { label in
            journal ? JournalLogHandler(level: level) as any LogHandler : ConsoleLogHandler(label: label, level: level)
        }
        let logger = Logger(label: "domain-verifierd")
        let daemon = Daemon(configuration: configuration, configPath: path, configRequired: config != nil, flags: flags, logger: logger)
        // The socket systemd passes wins, unless a socket path was configured explicitly.
        let inherited = configuration.socketPath == nil ? SocketActivation.listeningSocket() : nil
        do {
            try daemon.start(inheritedSocket: inherited)
        } catch {
            logger.critical("Cannot start: \(error)")
            throw ExitCode(1)
        }
        daemon.runUntilStopped()
    }
}

// <malloc.h>, which Swift's Glibc module does not export: `int mallopt(int param, int value)`.
@_silgen_name("mallopt") private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
/// M_ARENA_MAX from <malloc.h>.
private let glibcArenaMax: Int32 = -8
