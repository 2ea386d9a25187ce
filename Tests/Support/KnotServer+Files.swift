// What KnotServer writes: knot.conf and the zone files.
import Foundation

extension KnotServer {
    /// One `zone:` entry of knot.conf.
    struct ZoneConfig {
        let name: String
        let file: String
        let truncated: Bool
    }

    static func configuration(directory: String, port: UInt16, zones: [ZoneConfig], tsigSecret: String) -> String {
        var text = """
            server:
                rundir: "\(directory)/run"
                listen: [ 127.0.0.1@\(port) ]
            database:
                storage: "\(directory)/db"
            control:
                listen: "\(directory)/run/knot.sock"
            log:
              - target: stderr
                any: notice
            key:
              - id: \(tsigKeyName)
                algorithm: hmac-sha256
                secret: \(tsigSecret)
            acl:
              - id: bulk-update
                key: \(tsigKeyName)
                action: update
            mod-stats:
              - id: counts
            mod-noudp:
              - id: alltc
                udp-truncate-rate: 1
            template:
              - id: default
                storage: "\(directory)/zones"
                zonefile-sync: -1
                journal-content: none
                semantic-checks: off
                acl: bulk-update
                global-module: mod-stats/counts
            zone:

            """
        for zone in zones {
            text += "  - domain: \"\(zone.name)\"\n    file: \"\(zone.file)\"\n"
            if zone.truncated { text += "    module: mod-noudp/alltc\n" }
        }
        return text
    }

    /// The zone file for `name`: the harness's header (SOA, NS) followed by the test's body.
    static func zoneFile(_ name: String, body: String) -> String {
        let origin = absolute(name)
        var text = "$ORIGIN \(origin)\n$TTL 60\n\(soaRecord)\n@ NS ns.harness.invalid.\n"
        if name == "." {
            // Glue for the NS name, which lies inside the root zone; knot warns without it.
            text += "ns.harness.invalid. A 127.0.0.1\n"
        }
        return text + body + "\n"
    }

    static func zoneFilePath(_ directory: TemporaryDirectory, _ name: String) -> String {
        directory.path + "/zones/" + (name == "." ? "root" : name) + ".zone"
    }

    /// A zone name as knot.conf and file names use it: no trailing dot, "." for the root.
    static func zoneName(_ name: String) -> String {
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        return trimmed.isEmpty ? "." : trimmed
    }

    static func absolute(_ zone: String) -> String {
        zone == "." ? "." : zone + "."
    }
}
