// openapi.yaml against the real daemon: schemathesis generates requests from the document and checks
// that every answer (status, content type, headers, body) is one the document describes.
import Foundation
import Testing
import TestSupport

@Suite("The OpenAPI document matches the daemon")
struct SchemathesisTests {
    /// The package's root, found from this file (the tests run from the source tree).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Seeds a verified, a pending and a not-started domain (the last is `example.com`, the document's
    /// own example, so the examples phase finds it), then runs Tests/OpenAPI/schemathesis_run.py: the
    /// document is validated as OpenAPI, the seeded domains' answers one by one, then `st run` with
    /// every check, as a writer and as a reader (403s), fails on any non-conforming answer or server
    /// error. The daemon must still stop cleanly afterwards.
    /// `DV_LONG_TESTS=1` (`make test-long`): ten times the cases per operation and phase.
    static let long = ProcessInfo.processInfo.environment["DV_LONG_TESTS"] == "1"

    @Test(.timeLimit(.minutes(long ? 40 : 6)))
    func everyAnswerConformsToOpenAPIYaml() async throws {
        // A verify rate limit, so that 429 answers and their Retry-After are checked too, but short
        // enough that most verify requests still get through.
        let daemon = try await DaemonHarness.start(["verify-min-interval": "2s"])
        defer { daemon.kill9() }

        let verified = try await daemon.create("st-verified.e2e.test")
        try await daemon.publish(verified)
        try await daemon.verify(verified.id)
        try await daemon.waitFor(verified.id, "verified")
        let pending = try await daemon.create(
            "st-pending.e2e.test",
            extra: #","region":"eu-west-1","custom_return_path":"bounces","dkim_key_size":1024,"open_tracking":true"#)
        try await daemon.verify(pending.id)
        try await daemon.waitForChecks(pending.id, atLeast: 2)
        let notStarted = try await daemon.create("example.com")

        let tools = Self.packageRoot.appendingPathComponent("Tests/OpenAPI")
        // env --default-signal: this process blocks SIGTERM, and the script's children (socat, st)
        // would inherit that; -u keeps the script's lines in order with st's.
        var arguments = ["--default-signal", "python3", "-u", tools.appendingPathComponent("schemathesis_run.py").path,
                         "--socket", daemon.socketPath,
                         "--schema", Self.packageRoot.appendingPathComponent("openapi.yaml").path,
                         "--config", tools.appendingPathComponent("schemathesis.toml").path]
        for domain in [verified.name, pending.id, notStarted.name] { arguments += ["--domain", domain] }
        if Self.long { arguments += ["--max-examples", "400", "--reader-max-examples", "100", "--timeout", "1100"] }
        let started = Date()
        let result = try await run("/usr/bin/env", arguments)
        let seconds = Int(Date().timeIntervalSince(started))
        // What ran, for the log of a passing run too: the cases generated and the seed.
        for line in result.output.split(separator: "\n") where line.contains(" generated, ") || line.hasPrefix("Seed:") {
            print("schemathesis: \(line.trimmingCharacters(in: .whitespaces)) (\(seconds) s)")
        }
        #expect(result.status == 0, """
            schemathesis found answers that openapi.yaml does not describe (exit status \(result.status), \(seconds) s):
            \(result.output.suffix(40_000))
            The daemon's log ends:
            \(daemon.log.suffix(6000))
            """)

        // A crash under the fuzzer shows here even if every answer before it conformed.
        let end = try await daemon.stop()
        #expect(end == .exited(0), "domain-verifierd ended with \(end) after the schemathesis run:\n\(daemon.log.suffix(6000))")
    }

    /// A history cursor whose time is near Int64.max milliseconds used to trap the daemon (a
    /// Double-to-Int64 conversion in the store); cursors past 10^18 ms must be refused with 422, and
    /// the daemon live on.
    @Test func aHistoryCursorFarInTheFutureIsRefusedNotACrash() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        let domain = try await daemon.create("st-cursor.e2e.test")
        for cursor in ["t-9223372036854775807-1", "c-9223372036854775000-9223372036854775807", "t-2000000000000000000-1"] {
            let answer = try await daemon.curl("GET", "/domains/\(domain.id)/history?after=\(cursor)")
            #expect(answer.status == 422, "after=\(cursor): \(answer)")
            #expect(answer.object?["name"] as? String == "validation_error", "after=\(cursor): \(answer)")
        }
        let ordinary = try await daemon.curl("GET", "/domains/\(domain.id)/history?after=t-999999999999999999-999999999999999999")
        #expect(ordinary.status == 200, "\(ordinary)")
        let status = try await daemon.curl("GET", "/status")
        #expect(status.status == 200, "\(status)")
        let end = try await daemon.stop()
        #expect(end == .exited(0), "\(end):\n\(daemon.log.suffix(6000))")
    }
}
