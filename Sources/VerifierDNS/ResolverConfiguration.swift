// How the resolver reaches DNS: recursive from the root with DNSSEC, forwarding, or the system's resolvers.
import Foundation

/// The `resolver.*` settings of spec §7 and §11.
public struct ResolverConfiguration: Equatable, Sendable {
    public enum Mode: String, CaseIterable, Sendable {
        /// Full resolution from the root with DNSSEC validation.
        case recursive
        /// Forward every query to `servers` (loopback allowed); no validation of its own.
        case forward
        /// Forward to the servers in /etc/resolv.conf.
        case system
    }

    public var mode: Mode
    /// `ADDR` or `ADDR@PORT`, for forward mode.
    public var servers: [String]
    /// The daemon's own deadline on every query.
    public var timeout: TimeInterval
    /// DNSSEC trust anchor for recursive mode (Debian's dns-root-data).
    public var trustAnchorFile: String
    /// Queries handed to libunbound at once; more wait in a queue.
    public var maxInFlight: Int
    /// Longest time an answer is cached, so that a record published since the last check is seen.
    public var cacheMaxTTL: Int
    /// Longest time a negative answer (NXDOMAIN, NODATA) is cached.
    public var cacheMaxNegativeTTL: Int
    /// The resolv.conf read in system mode.
    public var resolvConf: String

    public init(mode: Mode = .recursive, servers: [String] = [], timeout: TimeInterval = 5,
                trustAnchorFile: String = "/usr/share/dns/root.key", maxInFlight: Int = 1024,
                cacheMaxTTL: Int = 30, cacheMaxNegativeTTL: Int = 5, resolvConf: String = "/etc/resolv.conf") {
        self.mode = mode
        self.servers = servers
        self.timeout = timeout
        self.trustAnchorFile = trustAnchorFile
        self.maxInFlight = maxInFlight
        self.cacheMaxTTL = cacheMaxTTL
        self.cacheMaxNegativeTTL = cacheMaxNegativeTTL
        self.resolvConf = resolvConf
    }

    /// "forward to 127.0.0.1@5300", "recursive with DNSSEC", for logs and `GET /status`.
    public var summary: String {
        switch mode {
        case .recursive: "recursive with DNSSEC validation"
        case .forward: "forward to \(servers.joined(separator: ", "))"
        case .system: "system resolvers from \(resolvConf)"
        }
    }
}

/// The resolver could not be set up.
public struct ResolverError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
