// Which error exits with which code (spec §10), and the socket path's resolution.
import Foundation
import Testing
import VerifierAPIModels
@testable import DomainCtlKit

@Suite("Exit codes")
struct ExitStatusTests {
    static let path = "/run/domain-verifier/admin.sock"

    @Test(arguments: [
        (HTTPClientError.Code.unreachable, DomainCtlKit.ExitStatus.unavailable),
        (.timedOut, .unavailable),
        (.connectionClosed, .unavailable),
        (.malformedResponse, .failure),
        (.responseTooLarge, .failure),
    ])
    func testTransportErrors_mapToUnavailableOrFailure_alwaysNamingTheSocket(code: HTTPClientError.Code, status: DomainCtlKit.ExitStatus) throws {
        let failure = try #require(Failure(HTTPClientError(code, socketPath: Self.path, detail: "detail")))
        #expect(failure.status == status)
        #expect(failure.message.contains(Self.path))
    }

    @Test func testUnreachable_exits69_withAHintForAMissingSocketOrPermission() throws {
        let missing = HTTPClientError(.unreachable, socketPath: Self.path, detail: "connect: No such file or directory",
                                      systemError: SystemCallError(function: "connect", errno: ENOENT))
        let denied = HTTPClientError(.unreachable, socketPath: Self.path, detail: "connect: Permission denied",
                                     systemError: SystemCallError(function: "connect", errno: EACCES))
        #expect(Failure(missing)?.status.rawValue == 69)
        #expect(Failure(missing)?.message == "cannot reach domain-verifierd at /run/domain-verifier/admin.sock: connect: No such file or directory"
            + " (is domain-verifierd running? --socket or $DOMAINCTL_SOCKET name another socket)")
        #expect(Failure(denied)?.message.hasSuffix("(only root and members of group domain-verifier may use the socket)") == true)
    }

    @Test func testDaemonRefusals_exit1_withTheDaemonsMessage_andTheRetryTimeOf429() throws {
        let notFound = DaemonRefusal(error: ErrorResponse(statusCode: 404, name: "not_found", message: "No domain example.com."),
                                     retryAfter: nil, request: "GET /domains/example.com")
        let limited = DaemonRefusal(error: ErrorResponse(statusCode: 429, name: "rate_limited", message: "Too soon."),
                                    retryAfter: "90", request: "POST /domains/example.com/verify")
        let dated = DaemonRefusal(error: ErrorResponse(statusCode: 429, name: "rate_limited", message: "Too soon."),
                                  retryAfter: "Sat, 28 Nov 2026 12:00:10 GMT", request: "POST /domains/example.com/verify")
        #expect(Failure(notFound)?.status.rawValue == 1)
        #expect(Failure(notFound)?.message == "No domain example.com.")
        #expect(Failure(limited)?.status.rawValue == 1)
        #expect(Failure(limited)?.message == "Too soon. (retry in 90s)")
        #expect(Failure(dated)?.message == "Too soon. (retry after Sat, 28 Nov 2026 12:00:10 GMT)")
    }

    @Test func testCommandErrorsKeepTheirStatus_andForeignErrorsAreLeftToArgumentParser() {
        #expect(Failure(CommandError(.failure, "example.com failed verification."))?.status.rawValue == 1)
        #expect(Failure(UnexpectedAnswer(request: "GET /status", detail: "x"))?.status.rawValue == 1)
        #expect(Failure(CocoaError(.fileNoSuchFile)) == nil)
    }

    @Test func testArgumentParsersUsageCode_becomes2_othersPassThrough() {
        #expect(DomainCtlKit.ExitStatus.forArgumentParser(64) == 2)
        #expect(DomainCtlKit.ExitStatus.forArgumentParser(0) == 0)
        #expect(DomainCtlKit.ExitStatus.forArgumentParser(1) == 1)
    }

    @Test func testSocketPath_flagThenEnvironmentThenDefault() {
        #expect(SocketPath.resolve(flag: "/tmp/a.sock", environment: ["DOMAINCTL_SOCKET": "/tmp/b.sock"]) == "/tmp/a.sock")
        #expect(SocketPath.resolve(flag: nil, environment: ["DOMAINCTL_SOCKET": "/tmp/b.sock"]) == "/tmp/b.sock")
        #expect(SocketPath.resolve(flag: nil, environment: ["DOMAINCTL_SOCKET": ""]) == "/run/domain-verifier/admin.sock")
        #expect(SocketPath.resolve(flag: nil, environment: [:]) == "/run/domain-verifier/admin.sock")
    }
}
