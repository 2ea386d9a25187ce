// Which socket domainctl talks to: --socket, else $DOMAINCTL_SOCKET, else the daemon's default.

/// Resolves the admin socket's path.
public enum SocketPath {
    public static let defaultPath = "/run/domain-verifier/admin.sock"
    public static let environmentVariable = "DOMAINCTL_SOCKET"

    /// The flag wins; an empty environment variable counts as unset.
    public static func resolve(flag: String?, environment: [String: String]) -> String {
        if let flag { return flag }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty { return fromEnvironment }
        return defaultPath
    }
}
