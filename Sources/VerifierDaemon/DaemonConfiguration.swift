// The daemon's settings (spec §11): defaults, the TOML file, flags that win over it, and validation.
import Foundation
import VerifierCore
import VerifierDNS

/// Where log lines go.
public enum LogTarget: String, CaseIterable, Sendable {
    /// journald when stderr is connected to the journal (`$JOURNAL_STREAM`), else the console.
    case auto
    case journal
    case console
}

/// Every setting of the daemon, validated.
public struct DaemonConfiguration: Equatable, Sendable {
    public var stateDirectory: String
    /// The admin socket; nil means the socket systemd passes, else `defaultSocketPath`.
    public var socketPath: String?
    public var resolver: ResolverConfiguration
    public var verification: VerificationPolicy
    public var poll: PollPolicy
    public var maxInflightChecks: Int
    public var verifyMinInterval: TimeInterval
    public var historyRetention: TimeInterval
    /// Members of this group (and uid 0, and the daemon's uid) may change things.
    public var writeGroup: String
    /// The group the daemon gives the socket it creates itself.
    public var socketGroup: String
    public var dkimSelector: String
    public var dkimKeySize: Int
    public var regions: [String]
    public var mxHost: String
    public var spfInclude: String
    /// Shared mailbox providers no customer may add.
    public var denyList: [String]
    public var logTarget: LogTarget

    public static let defaultSocketPath = "/run/domain-verifier/admin.sock"
    public static let defaultConfigPath = "/etc/domain-verifier/domain-verifierd.toml"
    public static let defaultRegions = ["us-east-1", "eu-west-1", "sa-east-1", "ap-northeast-1"]
    public static let defaultDenyList = [
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com",
        "ymail.com", "aol.com", "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com", "gmx.com",
        "gmx.net", "gmx.de", "web.de", "mail.com", "yandex.com", "yandex.ru", "mail.ru", "zoho.com", "qq.com",
        "163.com", "126.com", "naver.com", "fastmail.com", "hey.com", "tutanota.com",
    ]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        // $STATE_DIRECTORY may list several directories separated by ":"; the first is ours.
        stateDirectory = environment["STATE_DIRECTORY"].flatMap { $0.split(separator: ":").first.map(String.init) }
            ?? "/var/lib/domain-verifier"
        socketPath = nil
        resolver = ResolverConfiguration()
        verification = VerificationPolicy()
        poll = PollPolicy()
        maxInflightChecks = 256
        verifyMinInterval = 10
        historyRetention = 30 * 86400
        writeGroup = "domain-verifier"
        socketGroup = "domain-verifier"
        dkimSelector = "resend"
        dkimKeySize = 2048
        regions = Self.defaultRegions
        mxHost = "feedback-smtp.{region}.amazonses.com"
        spfInclude = "amazonses.com"
        denyList = Self.defaultDenyList
        logTarget = .auto
    }

    public var databasePath: String { stateDirectory + "/domain-verifier.sqlite" }

    /// The resolver settings with caches no longer than half the shortest gap between two checks
    /// (at most 10 s for answers, 5 s for negative answers), so that a record published or fixed
    /// since the last check is seen at the next one.
    public var effectiveResolver: ResolverConfiguration {
        let gaps = poll.pendingIntervals + [poll.temporaryFailureInterval, poll.recheckInterval]
            + (verification.confirmDelay > 0 ? [verification.confirmDelay] : [])
        let half = Int((gaps.min() ?? 20) / 2)
        var resolver = resolver
        resolver.cacheMaxTTL = min(10, half)
        resolver.cacheMaxNegativeTTL = min(5, half)
        return resolver
    }

    public var recordPolicy: RecordPolicy {
        RecordPolicy(dkimSelector: dkimSelector, mxHostTemplate: mxHost, spfInclude: spfInclude)
    }
}
