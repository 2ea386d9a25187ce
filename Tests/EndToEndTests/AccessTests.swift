// Who may change things (spec §9): peer credentials of real processes of another uid, and the audit log.
import Foundation
import Testing
import TestSupport

@Suite("Access control on the socket (spec §9)")
struct AccessTests {
    /// `nobody`: not root, not the daemon's uid, not in the write group.
    static let reader = 65534

    @Test func socketAndStateFiles_havePrivateModes() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        _ = try await daemon.create("modes.e2e.test")
        func mode(_ path: String) throws -> Int {
            try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        }
        var info = stat()
        #expect(lstat(daemon.socketPath, &info) == 0 && info.st_mode & S_IFMT == S_IFSOCK)
        let socketMode = try mode(daemon.socketPath)
        #expect(socketMode == 0o660, "socket mode \(String(socketMode, radix: 8))")
        #expect(try mode(daemon.stateDir) == 0o700, "the daemon creates its state directory 0700")
        #expect(try mode(daemon.databasePath) == 0o600, "the database holds private keys")
    }

    @Test func peerOfAnotherUID_mayRead_butEveryWriteIsForbidden_andAudited() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        let name = "guarded.e2e.test"
        _ = try await daemon.create(name)

        for path in ["/status", "/metrics", "/domains", "/domains/\(name)", "/domains/\(name)/history", "/domains/\(name)/zone"] {
            let answer = try await daemon.curl("GET", path, asUID: Self.reader)
            #expect(answer.status == 200, "GET \(path) as uid \(Self.reader): \(answer)")
        }

        let writes: [(method: String, path: String, body: String?, action: String)] = [
            ("POST", "/domains", #"{"name":"intruder.e2e.test"}"#, "domain.create"),
            ("PATCH", "/domains/\(name)", #"{"open_tracking":true}"#, "domain.update"),
            ("DELETE", "/domains/\(name)", nil, "domain.delete"),
            ("POST", "/domains/\(name)/verify", nil, "domain.verify"),
            ("GET", "/domains/\(name)/dkim-private-key", nil, "dkim.export"),
            ("POST", "/reload", nil, "config.reload"),
        ]
        for write in writes {
            let answer = try await daemon.curl(write.method, write.path, body: write.body, asUID: Self.reader)
            expectError(answer, 403, "forbidden", "\(write.method) \(write.path) as uid \(Self.reader)")
            #expect(!answer.text.contains("PRIVATE KEY"))
        }

        // Nothing changed.
        let domain = try await daemon.domain(name)
        #expect(domain.status == "not_started" && domain.openTracking == false)
        #expect(try await daemon.curl("GET", "/domains/intruder.e2e.test").status == 404)

        // Every refusal is in the audit log, with the peer's uid (read while the daemon runs: WAL).
        let refused = try await daemon.sql("SELECT action, peer_uid, allowed FROM audit_log WHERE allowed = 0 ORDER BY id")
        #expect(refused.map { $0[0] as? String ?? "?" } == writes.map(\.action), "\(refused)")
        #expect(refused.allSatisfy { ($0[1] as? Int) == Self.reader }, "\(refused)")

        // The daemon's own uid (root here) may export the key, and that is audited as allowed.
        let key = try await daemon.curl("GET", "/domains/\(name)/dkim-private-key")
        #expect(key.status == 200 && key.text.hasPrefix("-----BEGIN"), "\(key)")
        let exports = try await daemon.sql("SELECT peer_uid FROM audit_log WHERE action = 'dkim.export' AND allowed = 1")
        #expect(exports.map { $0[0] as? Int } == [0])
        #expect(!daemon.log.contains("PRIVATE KEY"), "the private key reached the log")
    }

    @Test func peerOutsideTheSocketsGroup_cannotConnectAtAll() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        // uid and gid 65534: neither the socket's owner nor its group, and the socket is 0660.
        await #expect(throws: HarnessError.self) {
            _ = try await daemon.curl("GET", "/status", asUID: Self.reader, gid: Self.reader)
        }
    }
}

/// Checks an error answer of spec §9: the status, and exactly `{"statusCode","name","message"}` as JSON.
func expectError(_ answer: HTTPAnswer, _ status: Int, _ name: String, _ context: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(answer.status == status, "\(context): \(answer)", sourceLocation: sourceLocation)
    #expect(answer.headers["content-type"]?.hasPrefix("application/json") == true, "\(context): \(answer.headers)",
            sourceLocation: sourceLocation)
    guard let object = answer.object else {
        Issue.record("\(context): the body is not a JSON object: \(answer)", sourceLocation: sourceLocation)
        return
    }
    #expect(Set(object.keys) == ["statusCode", "name", "message"], "\(context): \(answer)", sourceLocation: sourceLocation)
    #expect(object["statusCode"] as? Int == status, "\(context): \(answer)", sourceLocation: sourceLocation)
    #expect(object["name"] as? String == name, "\(context): \(answer)", sourceLocation: sourceLocation)
    #expect((object["message"] as? String)?.isEmpty == false, "\(context): \(answer)", sourceLocation: sourceLocation)
}
