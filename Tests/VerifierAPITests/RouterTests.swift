// The route table's machinery: matching, percent-decoding, 404/405, and the read/write split.
import Foundation
import Testing
@testable import VerifierAPI

@Suite struct RouterTests {
    final class Refusals: @unchecked Sendable {
        let lock = NSLock()
        var actions: [String] = []
        func add(_ action: String) { lock.withLock { actions.append(action) } }
    }

    let refusals = Refusals()
    let peer = PeerCredentials(pid: 42, uid: 1000, gid: 1000)

    var router: Router {
        let refusals = refusals
        func echo(_ name: String) -> @Sendable (RouteRequest) -> AdminResponse {
            { request in .text(200, "\(name) \(request.parameters.joined(separator: ",")) \(request.query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&"))") }
        }
        return Router(routes: [
            Route("GET", "/domains", .read, action: "domain.list", echo("list")),
            Route("POST", "/domains", .write, action: "domain.create", echo("create")),
            Route("GET", "/domains/{}", .read, action: "domain.get", echo("get")),
            Route("DELETE", "/domains/{}", .write, action: "domain.delete", echo("delete")),
            Route("POST", "/domains/{}/verify", .write, action: "domain.verify", echo("verify")),
        ]) { route, _ in refusals.add(route.action) }
    }

    private func body(_ response: AdminResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    @Test(arguments: [
        ("GET", "/domains", "list  "),
        ("GET", "/domains/", "list  "),
        ("GET", "/domains?limit=5&status=pending", "list  limit=5&status=pending"),
        ("GET", "/domains/example.com", "get example.com "),
        ("GET", "/domains/b%C3%BCcher.example", "get bücher.example "),
        ("POST", "/domains/abc/verify", "verify abc "),
        ("GET", "/domains?after=a%2Bb&x=1+2", "list  after=a+b&x=1 2"),
    ])
    func requests_reachTheirRoute_withDecodedParameters(method: String, target: String, expected: String) {
        let response = router.handle(method: method, target: target, body: Data(), peer: peer, mayWrite: true)
        #expect(response.status == 200)
        #expect(body(response) == expected)
    }

    @Test func unknownPaths_areNotFound() {
        let response = router.handle(method: "GET", target: "/nothing/here", body: Data(), peer: peer, mayWrite: true)
        #expect(response.status == 404)
        #expect(body(response).contains("\"name\":\"not_found\""))
    }

    @Test func wrongMethods_areNotAllowed_withAllow() {
        let response = router.handle(method: "PUT", target: "/domains/x", body: Data(), peer: peer, mayWrite: true)
        #expect(response.status == 405)
        #expect(response.headers.contains { $0.0 == "Allow" && $0.1 == "GET, DELETE" })
        let json = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        #expect(json?["statusCode"] as? Int == 405)
        #expect(json?["name"] as? String == "method_not_allowed")
    }

    @Test func brokenPercentEncoding_isRefused() {
        #expect(router.handle(method: "GET", target: "/domains/%ZZ", body: Data(), peer: peer, mayWrite: true).status == 404)
        #expect(router.handle(method: "GET", target: "/domains?limit=%E0%A4", body: Data(), peer: peer, mayWrite: true).status == 422)
    }

    @Test func readers_mayRead_butEveryWriteIsForbiddenAndReported() {
        #expect(router.handle(method: "GET", target: "/domains/x", body: Data(), peer: peer, mayWrite: false).status == 200)
        for (method, target) in [("POST", "/domains"), ("DELETE", "/domains/x"), ("POST", "/domains/x/verify")] {
            let response = router.handle(method: method, target: target, body: Data(), peer: peer, mayWrite: false)
            #expect(response.status == 403)
            #expect(body(response).contains("uid 1000 may only read"))
        }
        #expect(refusals.actions == ["domain.create", "domain.delete", "domain.verify"])
    }

    @Test func errors_keepResendsShape() throws {
        let response = AdminResponse.error(APIError(.rateLimited, "slow down", headers: [("Retry-After", "7")]))
        #expect(response.status == 429)
        #expect(response.headers.first?.1 == "7")
        let json = try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
        #expect(Set(json.keys) == ["statusCode", "name", "message"])
    }

    @Test func writers_areRootTheDaemonsUserOrTheWriteGroup() {
        let policy = AccessPolicy(writeGroup: "no-such-group-here")
        #expect(policy.mayWrite(PeerCredentials(pid: 1, uid: 0, gid: 0)))
        #expect(policy.mayWrite(PeerCredentials(pid: 1, uid: getuid(), gid: 12345)))
        #expect(!policy.mayWrite(PeerCredentials(pid: 1, uid: 65534, gid: 65534)))
        let root = AccessPolicy(writeGroup: "root")
        #expect(root.mayWrite(PeerCredentials(pid: 1, uid: 65534, gid: 0)))
    }
}
