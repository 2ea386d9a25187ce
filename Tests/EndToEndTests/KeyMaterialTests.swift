// SECURITY.md: DKIM private keys leave the database only through the export route, and never
// reach the daemon's log, whatever the daemon does with the domain (debug level, errors, deletion).
import Foundation
import Testing
import TestSupport

@Suite("Private keys never reach the log (SECURITY.md)")
struct KeyMaterialTests {
    @Test func aWholeLifeAtDebugLevel_logsNoLineOfAnyPrivateKey() async throws {
        let daemon = try await DaemonHarness.start(["log-level": "debug"])
        defer { daemon.kill9() }
        var keys: [String] = []
        for (index, bits) in [2048, 1024, 2048].enumerated() {
            let domain = try await daemon.create("key\(index).keys.e2e.test", extra: #","dkim_key_size":\#(bits)"#)
            if index != 2 { try await daemon.publish(domain) }
            try await daemon.verify(domain.name)
            let exported = try await daemon.curl("GET", "/domains/\(domain.name)/dkim-private-key")
            #expect(exported.status == 200)
            #expect(exported.text.hasPrefix("-----BEGIN PRIVATE KEY-----"), "\(exported.text.prefix(40))")
            keys.append(exported.text)
        }
        try await daemon.waitFor("key0.keys.e2e.test", "verified")
        // Errors and changes around the keys: a bad update, a refused duplicate, a deletion.
        _ = try await daemon.curl("PATCH", "/domains/key1.keys.e2e.test", body: #"{"dkim_private_key": "x"}"#)
        _ = try await daemon.curl("POST", "/domains", body: #"{"name":"key1.keys.e2e.test"}"#)
        _ = try await daemon.curl("DELETE", "/domains/key2.keys.e2e.test")
        try await daemon.stop()

        let log = daemon.log
        #expect(log.contains("exported to uid"), "the export is logged (without the key)")
        #expect(!log.contains("PRIVATE KEY"), "the log holds a PEM header")
        for key in keys {
            let lines = key.split(separator: "\n").filter { !$0.hasPrefix("-----") && $0.count >= 40 }
            #expect(lines.count >= 10)
            for line in lines {
                #expect(!log.contains(line.prefix(40)), "the log holds a line of a private key")
            }
        }
        // And the database file is the only place they are kept: 0600.
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: daemon.databasePath)[.posixPermissions] as? Int)
        #expect(mode & 0o077 == 0, "the database is \(String(mode, radix: 8))")
    }
}
