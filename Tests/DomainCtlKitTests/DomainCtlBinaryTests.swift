// The built `domainctl` binary end to end: help, usage errors, an unreachable daemon, completions, and
// real commands against a canned HTTP peer.
import Foundation
import Testing
import VerifierAPIModels
import TestSupport

@Suite("domainctl binary")
struct DomainCtlBinaryTests {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `domainctl` built next to this test bundle, by `swift build --build-tests` in the same scratch path.
    static func binary() throws -> String {
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let path = bundle.appendingPathComponent("domainctl").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestServerError("Finding domainctl at \(path)", output: "build it first: swift build --build-tests")
        }
        return path
    }

    /// Runs domainctl to completion without $DOMAINCTL_SOCKET unless `environment` sets it.
    static func domainctl(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let directory = try TemporaryDirectory()
        let outPath = try directory.file("stdout", contents: Data())
        let errPath = try directory.file("stderr", contents: Data())
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try binary())
        process.arguments = arguments
        var inherited = ProcessInfo.processInfo.environment
        inherited["DOMAINCTL_SOCKET"] = nil
        process.environment = inherited.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: try String(contentsOfFile: outPath, encoding: .utf8),
                      stderr: try String(contentsOfFile: errPath, encoding: .utf8))
    }

    @Test func testHelp_listsEveryCommandOfTheSpec_andExits0() throws {
        let result = try Self.domainctl(["--help"])

        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: domainctl [--socket <path>] [--json] <subcommand>"))
        for command in ["add", "list", "show", "records", "verify", "update", "remove", "history", "status", "reload"] {
            #expect(result.stdout.contains("\n  \(command) "), "no \(command) in the help")
        }
    }

    @Test(arguments: [
        ["show"],
        ["frobnicate"],
        ["update", "example.com"],
        ["add", "example.com", "--dkim-key-size", "4096"],
        ["verify", "example.com", "--wait", "--timeout", "soon"],
        ["list", "--status", "lost"],
    ])
    func testUsageErrors_exit2_withDomainctlsPrefixOnStderr(arguments: [String]) throws {
        let result = try Self.domainctl(["--socket", "/nonexistent/admin.sock"] + arguments)

        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("domainctl: "))
        #expect(result.stderr.contains("Usage: domainctl"))
        #expect(result.stdout.isEmpty)
    }

    @Test func testUnreachableSocket_exits69_namingThePath() throws {
        let path = "/tmp/domainctl-binary-test-\(getpid())/admin.sock"

        let flag = try Self.domainctl(["--socket", path, "status"])
        let environment = try Self.domainctl(["list", "--json"], environment: ["DOMAINCTL_SOCKET": path])

        for result in [flag, environment] {
            #expect(result.status == 69)
            #expect(result.stderr.hasPrefix("domainctl: cannot reach domain-verifierd at \(path): connect: No such file or directory"))
            #expect(result.stdout.isEmpty)
        }
    }

    @Test func testBashCompletionScript_isGenerated() throws {
        let result = try Self.domainctl(["--generate-completion-script", "bash"])

        #expect(result.status == 0)
        #expect(result.stdout.contains("complete -o filenames -F _domainctl domainctl") || result.stdout.contains("-F _domainctl"))
        #expect(result.stdout.contains("--socket"))
        #expect(result.stdout.contains("not_started"))
    }

    @Test func testShowAndStatus_againstACannedDaemon_printTablesAndExit0_refusalsExit1() throws {
        let status = StatusResponse(version: "0.1.0", uptimeSeconds: 61, domains: ["verified": 1], checksInFlight: 0, nextCheckAt: nil,
                                    resolver: ResolverStatus(mode: "system", servers: [], timeoutMs: 5000))
        let missing = ErrorResponse(statusCode: 404, name: "not_found", message: "No domain named nowhere.example.")
        let server = try PythonHTTPServer(routes: [
            "GET /domains/example.com": CannedResponse(body: Fixtures.json(Fixtures.domain())),
            "GET /status": CannedResponse(mode: "chunked", body: Fixtures.json(status)),
            "GET /domains/nowhere.example": CannedResponse(status: 404, body: String(decoding: try JSONEncoder().encode(missing), as: UTF8.self)),
        ])

        let show = try Self.domainctl(["--socket", server.socketPath, "show", "example.com"])
        #expect(show.status == 0)
        #expect(show.stdout.hasPrefix("example.com\n  ID:"))
        #expect(show.stdout.contains("  SPF     MX    send               verified  match         10 feedback-smtp.us-east-1.amazonses.com\n"))
        #expect(show.stdout.contains("    Fix: Remove the quotation marks"))

        let json = try Self.domainctl(["status", "--json", "--socket", server.socketPath])
        #expect(json.status == 0)
        #expect(try APIJSON.decoder().decode(StatusResponse.self, from: Data(json.stdout.utf8)) == status)

        let refused = try Self.domainctl(["--socket", server.socketPath, "show", "nowhere.example"])
        #expect(refused.status == 1)
        #expect(refused.stderr == "domainctl: No domain named nowhere.example.\n")
    }
}
