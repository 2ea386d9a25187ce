// Who is on the other end of the admin socket (SO_PEERCRED), and whether they may change things.
import Foundation

/// The credentials of a connected peer, as the kernel reports them.
public struct PeerCredentials: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    /// The peer's supplementary groups (SO_PEERGROUPS), or nil when the kernel could not say.
    public var groups: [UInt32]?

    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32]? = nil) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }
}

/// Decides who may write (spec §9): uid 0, the daemon's own uid, and members of `write_group`.
public struct AccessPolicy: Sendable {
    public let writeGroup: String

    public init(writeGroup: String) {
        self.writeGroup = writeGroup
    }

    public func mayWrite(_ peer: PeerCredentials) -> Bool {
        if peer.uid == 0 || peer.uid == getuid() { return true }
        guard let group = getgrnam(writeGroup) else { return false }
        let gid = group.pointee.gr_gid
        if peer.gid == gid { return true }
        // The kernel's list is exact and survives PrivateUsers= for the unit's own group; the user
        // database is the fallback when the kernel could not give it.
        return (peer.groups ?? Self.supplementaryGroups(of: peer.uid, primary: peer.gid)).contains(gid)
    }

    /// The groups the user database gives `uid`.
    static func supplementaryGroups(of uid: UInt32, primary: UInt32) -> [UInt32] {
        var buffer = [CChar](repeating: 0, count: 4096)
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name else {
            return []
        }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, primary, &groups, &count) == -1 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, primary, &groups, &count) != -1 else { return [] }
        }
        return Array(groups.prefix(Int(count)))
    }
}
