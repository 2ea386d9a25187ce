// Every error of the admin API (spec §9) from a real request over the socket, with its exact JSON shape.
import Foundation
import Testing
import TestSupport

@Suite("Admin API errors (spec §9)")
struct APIErrorTests {
    @Test func invalidInput_answers422ValidationError_andCreatesNothing() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        let bodies = [
            #"{"name":"not a domain!"}"#,
            #"{"name":"co.uk"}"#,
            #"{"name":"github.io"}"#,
            #"{"name":"192.0.2.1"}"#,
            #"{"name":"2001:db8::1"}"#,
            #"{"name":"localhost"}"#,
            #"{"name":"-dash.e2e.test"}"#,
            #"{"name":"empty..e2e.test"}"#,
            #"{"name":"\#(String(repeating: "a", count: 64)).e2e.test"}"#,
            #"{"name":"gmail.com"}"#,
            #"{}"#,
            #"{"name":42}"#,
            #"{"name":null}"#,
            #"{"name":"bad-region.e2e.test","region":"mars-north-1"}"#,
            #"{"name":"bad-region2.e2e.test","region":7}"#,
            #"{"name":"bad-rp1.e2e.test","custom_return_path":"1bounce"}"#,
            #"{"name":"bad-rp2.e2e.test","custom_return_path":"bounce-"}"#,
            #"{"name":"bad-rp3.e2e.test","custom_return_path":"b_b"}"#,
            #"{"name":"bad-rp4.e2e.test","custom_return_path":""}"#,
            #"{"name":"bad-key1.e2e.test","dkim_key_size":4096}"#,
            #"{"name":"bad-key2.e2e.test","dkim_key_size":"2048"}"#,
            #"{"name":"bad-key3.e2e.test","dkim_key_size":1024.5}"#,
            #"{"name":"unknown-field.e2e.test","colour":"blue"}"#,
            #"{"name":"bad-bool.e2e.test","open_tracking":"yes"}"#,
            #"{"name":"bad-bool2.e2e.test","click_tracking":1}"#,
        ]
        for body in bodies {
            let answer = try await daemon.curl("POST", "/domains", body: body)
            expectError(answer, 422, "validation_error", "POST /domains \(body.prefix(120))")
        }
        let list = try await daemon.curl("GET", "/domains?limit=100")
        #expect(try list.decode(ListJSON<DomainJSON>.self).data.isEmpty, "a refused domain was created: \(list)")

        for query in ["limit=0", "limit=101", "limit=-1", "limit=ten", "status=bogus", "status=VERIFIED", "after=not-an-id"] {
            expectError(try await daemon.curl("GET", "/domains?\(query)"), 422, "validation_error", "GET /domains?\(query)")
        }
        for query in ["limit=1", "limit=100", "status=pending"] {
            #expect(try await daemon.curl("GET", "/domains?\(query)").status == 200, "the bound \(query) is valid")
        }

        let name = "patched.e2e.test"
        _ = try await daemon.create(name)
        for body in [#"{"open_tracking":"on"}"#, #"{"click_tracking":null,"open_tracking":0}"#, #"{"name":"renamed.e2e.test"}"#, #"{}"#] {
            expectError(try await daemon.curl("PATCH", "/domains/\(name)", body: body), 422, "validation_error", "PATCH \(body)")
        }
        expectError(try await daemon.curl("GET", "/domains/\(name)/history?limit=0"), 422, "validation_error", "history limit=0")
        let unchanged = try await daemon.domain(name)
        #expect(unchanged.openTracking == false && unchanged.clickTracking == false)
        let patched = try await daemon.curl("PATCH", "/domains/\(name)", body: #"{"open_tracking":true}"#)
        #expect(patched.status == 200, "\(patched)")
        #expect(try patched.decode(DomainJSON.self).openTracking)
    }

    @Test func malformedBodies_answer400InvalidJSON_andTheDaemonSurvives() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        _ = try await daemon.create("json.e2e.test")
        let deepArray = String(repeating: "[", count: 30_000) + String(repeating: "]", count: 30_000)
        let deepObject = String(repeating: #"{"a":"#, count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        let bodies = ["not json", #"{"name": "json2.e2e.test""#, "[1,2,3]", #"[{"name":"x.e2e.test"}]"#, #""json3.e2e.test""#, "42", "",
                      deepArray, deepObject]
        for body in bodies {
            #expect(body.utf8.count <= 64 * 1024)
            let context = "body \(body.prefix(40))… (\(body.utf8.count) bytes)"
            expectError(try await daemon.curl("POST", "/domains", body: body), 400, "invalid_json", "POST /domains " + context)
            expectError(try await daemon.curl("PATCH", "/domains/json.e2e.test", body: body), 400, "invalid_json", "PATCH " + context)
        }
        #expect(try await daemon.curl("GET", "/status").status == 200)
    }

    @Test func unknownDomainOrPath_answers404NotFound() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        _ = try await daemon.create("known.e2e.test")
        let missing = ["absent.e2e.test", UUID().uuidString.lowercased(), "not%20a%20name"]
        for domain in missing {
            for (method, suffix) in [("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/verify"), ("GET", "/history"),
                                     ("GET", "/zone"), ("GET", "/dkim-private-key")] {
                let body = method == "PATCH" ? #"{"open_tracking":true}"# : nil
                let answer = try await daemon.curl(method, "/domains/\(domain)\(suffix)", body: body)
                expectError(answer, 404, "not_found", "\(method) /domains/\(domain)\(suffix)")
            }
        }
        for path in ["/", "/nope", "/domains/known.e2e.test/nope", "/domains/known.e2e.test/verify/again", "/v1/domains"] {
            expectError(try await daemon.curl("GET", path), 404, "not_found", "GET \(path)")
        }
    }

    @Test func sameNameTwice_inAnySpelling_answers409Conflict() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        let plain = try await daemon.create("twice.e2e.test")
        for spelling in ["twice.e2e.test", "TWICE.E2E.TEST", "twice.e2e.test.", "Twice.E2E.Test."] {
            expectError(try await daemon.curl("POST", "/domains", body: #"{"name":"\#(spelling)"}"#), 409, "conflict", spelling)
        }
        let unicode = try await daemon.create("bücher.e2e.test")
        #expect(unicode.name == "xn--bcher-kva.e2e.test", "stored as the A-label")
        for spelling in ["xn--bcher-kva.e2e.test", "XN--BCHER-KVA.e2e.test.", "BÜCHER.e2e.test", "bücher.e2e.test."] {
            expectError(try await daemon.curl("POST", "/domains", body: #"{"name":"\#(spelling)"}"#), 409, "conflict", spelling)
        }
        #expect(try await daemon.domain("bücher.e2e.test").id == unicode.id, "found by its U-label")
        #expect(try await daemon.domain("TWICE.e2e.test.").id == plain.id, "found in another spelling")

        // Two creations of one name at once both pass the early check; the database decides: 201 and 409, never 500.
        async let first = daemon.curl("POST", "/domains", body: #"{"name":"race.e2e.test"}"#)
        async let second = daemon.curl("POST", "/domains", body: #"{"name":"RACE.e2e.test."}"#)
        let answers = try await [first, second].sorted { $0.status < $1.status }
        #expect(answers.map(\.status) == [201, 409], "\(answers)")
        if answers.count == 2 { expectError(answers[1], 409, "conflict", "concurrent creation") }

        let list = try await daemon.curl("GET", "/domains")
        #expect(try list.decode(ListJSON<DomainJSON>.self).data.count == 3)
    }

    @Test func bodyOver64KiB_answers413_withContentLengthAndChunked_whileExactly64KiBPasses() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        let limit = 64 * 1024
        /// A valid creation body padded with white space to exactly `size` bytes.
        func body(_ name: String, size: Int) -> String {
            let json = #"{"name":"\#(name)"}"#
            return json + String(repeating: " ", count: size - json.utf8.count)
        }
        for chunked in [false, true] {
            let how = chunked ? "chunked" : "content-length"
            let fits = try await daemon.curl("POST", "/domains", body: body("fits-\(how).e2e.test", size: limit), chunked: chunked)
            #expect(fits.status == 201, "\(how): a body of exactly 64 KiB was refused: \(fits)")
            // curl sends the whole body before it reads (no `Expect: 100-continue` here): the
            // daemon reads and drops what follows its 413 (up to 4 MiB), so curl's sends succeed
            // and it reads the answer. Closing at once made curl fail now and then with exit 55.
            for size in [limit + 1, 1024 * 1024, 3 * 1024 * 1024] {
                for attempt in 1...3 {
                    let answer = try await daemon.curl("POST", "/domains", body: body("over-\(size)-\(how).e2e.test", size: size), chunked: chunked)
                    expectError(answer, 413, "payload_too_large", "\(how), \(size) bytes, attempt \(attempt)")
                }
                #expect(try await daemon.curl("GET", "/domains/over-\(size)-\(how).e2e.test").status == 404)
            }
            for size in [64 * 1024 * 1024] {
                // Beyond what the daemon drops after its answer: at the byte level, the answer is
                // there to read even though sending fails (EPIPE) once the daemon has closed.
                let payload = Array(body("over-\(size)-\(how).e2e.test", size: size).utf8)
                let connection = try RawConnection(daemon.socketPath)
                _ = connection.send(chunked ? Self.chunkedRequest("POST", "/domains", payload) : RawConnection.request("POST", "/domains", body: payload))
                let answer = try #require(connection.readResponse(within: 10), "\(how), \(size) bytes: no answer")
                connection.close()
                expectError(answer, 413, "payload_too_large", "\(how), \(size) bytes")
                #expect(try await daemon.curl("GET", "/domains/over-\(size)-\(how).e2e.test").status == 404)
            }
        }
        #expect(try await daemon.curl("GET", "/status").status == 200)
    }

    /// Python's http.client (and requests, on top of it) sends a whole body before it reads
    /// anything: when the daemon closed right after its 413, the send failed (broken pipe) and the
    /// script saw a connection error, never the answer. The daemon now reads and drops what follows
    /// its answer (up to 4 MiB or 2 s), so the script reads the 413.
    @Test func aClientThatSendsItsWholeBodyBeforeReading_readsThe413() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        let script = """
            import http.client, socket, sys
            class UnixConnection(http.client.HTTPConnection):
                def connect(self):
                    self.sock = socket.socket(socket.AF_UNIX)
                    self.sock.connect(sys.argv[1])
            for size in (65537, 1 << 20, 3 << 20):
                for attempt in range(5):
                    connection = UnixConnection("localhost")
                    connection.request("POST", "/domains", body=b'{"name":"big.e2e.test"}'.ljust(size), headers={"Content-Type": "application/json"})
                    answer = connection.getresponse()
                    print(size, answer.status, answer.read().decode())
                    connection.close()
            """
        let result = try await Subprocess.run("/usr/bin/env", ["python3", "-c", script, daemon.socketPath])
        #expect(result.status == 0, "python3: \(result.stderr)")
        let lines = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 15, "\(lines)")
        for line in lines {
            #expect(line.split(separator: " ").dropFirst().first == "413" && line.contains("payload_too_large"), "\(line)")
        }
        #expect(try await daemon.curl("GET", "/domains/big.e2e.test").status == 404)
    }

    /// A request whose body is sent in chunks of 16 KiB.
    static func chunkedRequest(_ method: String, _ target: String, _ body: [UInt8]) -> [UInt8] {
        var bytes = Array("\(method) \(target) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        var offset = 0
        while offset < body.count {
            let chunk = body[offset..<min(offset + 16_384, body.count)]
            bytes += Array("\(String(chunk.count, radix: 16))\r\n".utf8) + chunk + Array("\r\n".utf8)
            offset += chunk.count
        }
        return bytes + Array("0\r\n\r\n".utf8)
    }

    @Test func secondVerifyWithinMinInterval_answers429WithRetryAfter() async throws {
        let daemon = try await DaemonHarness.start(["verify-min-interval": "30s"])
        defer { daemon.kill9() }
        _ = try await daemon.create("hasty.e2e.test")
        _ = try await daemon.create("patient.e2e.test")
        try await daemon.verify("hasty.e2e.test")
        let again = try await daemon.curl("POST", "/domains/hasty.e2e.test/verify")
        expectError(again, 429, "rate_limited", "second verify")
        let retryAfter = try #require(again.headers["retry-after"].flatMap { Int($0) }, "no Retry-After in \(again.headers)")
        #expect((1...30).contains(retryAfter))
        #expect(try await daemon.curl("POST", "/domains/patient.e2e.test/verify").status == 200, "the limit is per domain")
    }

    @Test func wrongMethod_answers405WithAnAllowHeader() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        _ = try await daemon.create("methods.e2e.test")
        let cases: [(method: String, path: String, allowed: Set<String>)] = [
            ("PUT", "/domains", ["GET", "POST"]),
            ("DELETE", "/domains", ["GET", "POST"]),
            ("PUT", "/domains/methods.e2e.test", ["GET", "PATCH", "DELETE"]),
            ("POST", "/domains/methods.e2e.test", ["GET", "PATCH", "DELETE"]),
            ("GET", "/domains/methods.e2e.test/verify", ["POST"]),
            ("DELETE", "/domains/methods.e2e.test/history", ["GET"]),
            ("POST", "/status", ["GET"]),
            ("GET", "/reload", ["POST"]),
        ]
        for item in cases {
            let answer = try await daemon.curl(item.method, item.path)
            expectError(answer, 405, "method_not_allowed", "\(item.method) \(item.path)")
            let allow = Set((answer.headers["allow"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(allow == item.allowed, "\(item.method) \(item.path): Allow \(answer.headers["allow"] ?? "missing")")
        }
    }
}
