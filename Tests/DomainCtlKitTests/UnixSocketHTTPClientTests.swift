// The socket client against a real HTTP peer: framing, error statuses, broken and oversized responses.
import Foundation
import Testing
import VerifierAPIModels
@testable import DomainCtlKit

@Suite("UnixSocketHTTPClient against Python's http.server")
struct UnixSocketHTTPClientTests {
    static let statusJSON = Fixtures.json(StatusResponse(
        version: "0.1.0", uptimeSeconds: 42, domains: ["verified": 2], checksInFlight: 0, nextCheckAt: nil,
        resolver: ResolverStatus(mode: "forward", servers: ["127.0.0.1@5300"], timeoutMs: 5000)))

    @Test func testContentLengthResponse_isReadWhole_andTheRequestClosesTheConnection() throws {
        let server = try PythonHTTPServer(routes: ["POST /echo": CannedResponse(body: Self.statusJSON)])
        let client = UnixSocketHTTPClient(socketPath: server.socketPath)
        let body = Data(#"{"name":"example.com"}"#.utf8)

        let response = try client.send(HTTPRequest(method: "POST", target: "/echo", body: body))

        #expect(response.status == 200)
        #expect(response.reason == "OK")
        #expect(response.header("content-type") == "application/json")
        #expect(response.body == Data(Self.statusJSON.utf8))
        let request = try #require(try server.requests().first)
        #expect(request.method == "POST")
        #expect(request.target == "/echo")
        #expect(request.body == #"{"name":"example.com"}"#)
        #expect(request.headers["connection"] == "close")
        #expect(request.headers["host"] == "localhost")
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.headers["content-length"] == "22")
    }

    @Test func testChunkedResponse_isReassembled_withExtensionsAndTrailerIgnored() throws {
        let server = try PythonHTTPServer(routes: ["GET /status": CannedResponse(mode: "chunked", body: Self.statusJSON, chunkSize: 5)])

        let response = try UnixSocketHTTPClient(socketPath: server.socketPath).send(HTTPRequest(method: "GET", target: "/status"))

        #expect(response.header("Transfer-Encoding") == "chunked")
        #expect(String(decoding: response.body, as: UTF8.self) == Self.statusJSON)
        let status = try APIJSON.decoder().decode(StatusResponse.self, from: response.body)
        #expect(status.resolver.timeoutMs == 5000)
    }

    @Test func testBodyWithoutFraming_isReadToTheEndOfTheConnection_afterAnInterimResponse() throws {
        let server = try PythonHTTPServer(routes: ["GET /metrics": CannedResponse(
            mode: "eof", headers: [["Content-Type", "text/plain"]], body: "domains_total 3\n", interim: true)])

        let response = try UnixSocketHTTPClient(socketPath: server.socketPath).send(HTTPRequest(method: "GET", target: "/metrics"))

        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "domains_total 3\n")
    }

    @Test func testErrorStatus_isAResponse_andAdminClientThrowsTheDaemonsMessage() throws {
        let error = ErrorResponse(statusCode: 422, name: "validation_error", message: "\"co.uk\" is a public suffix; add a domain under it.")
        let body = String(decoding: try JSONEncoder().encode(error), as: UTF8.self)
        let server = try PythonHTTPServer(routes: ["POST /domains": CannedResponse(status: 422, body: body)])
        let transport = UnixSocketHTTPClient(socketPath: server.socketPath)

        let response = try transport.send(HTTPRequest(method: "POST", target: "/domains", body: Data("{}".utf8)))
        #expect(response.status == 422)

        let thrown = #expect(throws: DaemonRefusal.self) {
            try AdminClient(transport: transport).createDomain(CreateDomainRequest(name: "co.uk"))
        }
        #expect(thrown?.error == error)
        #expect(thrown?.retryAfter == nil)
        let refusal = try #require(thrown)
        #expect(Failure(refusal)?.status == .failure)
        #expect(Failure(refusal)?.message == error.message)
        let sent = try #require(try server.requests().last)
        #expect(sent.body == #"{"name":"co.uk"}"#)
    }

    @Test func testRateLimitedVerify_carriesRetryAfter_intoTheMessage() throws {
        let error = ErrorResponse(statusCode: 429, name: "rate_limited", message: "example.com was verified less than 10s ago.")
        let body = String(decoding: try JSONEncoder().encode(error), as: UTF8.self)
        let server = try PythonHTTPServer(routes: ["POST /domains/example.com/verify": CannedResponse(
            status: 429, headers: [["Content-Type", "application/json"], ["Retry-After", "7"]], body: body)])

        let thrown = #expect(throws: DaemonRefusal.self) {
            try AdminClient(transport: UnixSocketHTTPClient(socketPath: server.socketPath)).verify("example.com")
        }

        #expect(thrown?.error.name == "rate_limited")
        #expect(thrown?.retryAfter == "7")
        let refusal = try #require(thrown)
        let failure = try #require(Failure(refusal))
        #expect(failure.status == .failure)
        #expect(failure.message == "example.com was verified less than 10s ago. (retry in 7s)")
    }

    @Test func testConnectionClosedMidBody_isConnectionClosed_andExits69() throws {
        let server = try PythonHTTPServer(routes: ["GET /status": CannedResponse(mode: "truncate", body: Self.statusJSON)])

        let thrown = #expect(throws: HTTPClientError.self) {
            try UnixSocketHTTPClient(socketPath: server.socketPath).send(HTTPRequest(method: "GET", target: "/status"))
        }

        #expect(thrown?.code == .connectionClosed)
        #expect(thrown?.detail.contains("of \(Self.statusJSON.utf8.count + 1000) bytes came") == true)
        #expect(thrown.flatMap { Failure($0) }?.status == .unavailable)
    }

    @Test func testConnectionClosedMidHeaders_isConnectionClosed() throws {
        let server = try PythonHTTPServer(routes: ["GET /status": CannedResponse(mode: "raw", raw: "HTTP/1.1 200 OK\r\nContent-Ty")])

        let thrown = #expect(throws: HTTPClientError.self) {
            try UnixSocketHTTPClient(socketPath: server.socketPath).send(HTTPRequest(method: "GET", target: "/status"))
        }

        #expect(thrown?.code == .connectionClosed)
    }

    @Test func testNonHTTPPeer_isMalformedResponse() throws {
        let server = try PythonHTTPServer(routes: ["GET /status": CannedResponse(mode: "raw", raw: "SSH-2.0-OpenSSH_9.2\r\n\r\n")])

        let thrown = #expect(throws: HTTPClientError.self) {
            try UnixSocketHTTPClient(socketPath: server.socketPath).send(HTTPRequest(method: "GET", target: "/status"))
        }

        #expect(thrown?.code == .malformedResponse)
        #expect(thrown.flatMap { Failure($0) }?.status == .failure)
    }

    @Test func testAnnouncedBodyOverTheBound_isRefusedBeforeReadingIt() throws {
        let huge = UnixSocketHTTPClient.defaultMaxResponseBytes + 1
        let server = try PythonHTTPServer(routes: ["GET /domains": CannedResponse(mode: "huge_declared", length: huge)])

        let thrown = #expect(throws: HTTPClientError.self) {
            try UnixSocketHTTPClient(socketPath: server.socketPath).send(HTTPRequest(method: "GET", target: "/domains"))
        }

        #expect(thrown?.code == .responseTooLarge)
        #expect(thrown?.detail.contains("announces \(huge) bytes") == true)
    }

    @Test func testChunkedBodyGrowingOverTheBound_isRefused() throws {
        let server = try PythonHTTPServer(routes: ["GET /domains": CannedResponse(mode: "huge_chunked", chunks: 8)])

        let thrown = #expect(throws: HTTPClientError.self) {
            try UnixSocketHTTPClient(socketPath: server.socketPath, maxResponseBytes: 3 << 20)
                .send(HTTPRequest(method: "GET", target: "/domains"))
        }

        #expect(thrown?.code == .responseTooLarge)
        #expect(thrown?.detail.contains("passed the \(3 << 20) bytes") == true)
    }

    @Test func testSilentDaemon_timesOut_withinTheTimeout() throws {
        let server = try PythonHTTPServer(routes: ["GET /status": CannedResponse(mode: "silent")])
        let started = Date()

        let thrown = #expect(throws: HTTPClientError.self) {
            try UnixSocketHTTPClient(socketPath: server.socketPath, timeout: 0.3).send(HTTPRequest(method: "GET", target: "/status"))
        }

        #expect(thrown?.code == .timedOut)
        #expect(thrown?.detail.contains("within 300ms") == true)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(thrown.flatMap { Failure($0) }?.status == .unavailable)
    }

    @Test func testMissingSocket_isUnreachable_namingThePathAndTheSystemError() throws {
        let path = "/tmp/domainctl-test-\(getpid())-missing/admin.sock"

        let thrown = #expect(throws: HTTPClientError.self) {
            try UnixSocketHTTPClient(socketPath: path).send(HTTPRequest(method: "GET", target: "/status"))
        }

        #expect(thrown?.code == .unreachable)
        #expect(thrown?.systemError == SystemCallError(function: "connect", errno: ENOENT))
        let failure = try #require(thrown.flatMap { Failure($0) })
        #expect(failure.status == .unavailable)
        #expect(failure.message.contains(path))
        #expect(failure.message.contains("connect: No such file or directory"))
    }

    @Test func testSocketNobodyListensOn_isUnreachable_connectionRefused() throws {
        let server = try PythonHTTPServer(routes: [:])
        let path = server.socketPath + ".stale"
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)

        let thrown = #expect(throws: HTTPClientError.self) {
            try UnixSocketHTTPClient(socketPath: path).send(HTTPRequest(method: "GET", target: "/status"))
        }

        #expect(thrown?.code == .unreachable)
        #expect(thrown?.systemError?.errno == ECONNREFUSED)
        #expect(thrown?.description.contains("is domain-verifierd running?") == true)
    }

    @Test func testSocketPathLongerThanSunPath_isUnreachable_withoutCrashing() throws {
        let path = "/tmp/" + String(repeating: "d", count: 200) + "/admin.sock"

        let thrown = #expect(throws: HTTPClientError.self) {
            try UnixSocketHTTPClient(socketPath: path).send(HTTPRequest(method: "GET", target: "/status"))
        }

        #expect(thrown?.code == .unreachable)
        #expect(thrown?.description.contains(path) == true)
    }
}
