// Hostile and broken clients on the admin socket (slow, countless, endless, huge, malformed, half-closed)
// while a well-behaved client keeps asking: it must keep getting answers, about as fast as before,
// and the daemon must keep its memory and descriptors bounded and stay alive.
import Foundation
import Testing
import TestSupport

@Suite("Hostile clients on the admin socket", .serialized)
struct HostileClientTests {
    /// The name every well-behaved request asks about.
    static let steady = "steady.e2e.test"
    static let megabyte = 1024 * 1024

    // MARK: Slow clients

    /// 200 clients send their request one byte a second and 50 connect and send nothing: each is cut
    /// at the request deadline (10 s), the dribblers with a 408, and the others are served meanwhile.
    @Test(.timeLimit(.minutes(2)))
    func slowLoris_isCutAtTheRequestDeadline_whileOthersAreServed() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        let cuts = try await underAttack(daemon, "slow-loris: 200 dribbling and 50 silent connections") { [socketPath = daemon.socketPath] in
            try Self.slowLoris(socketPath, dribblers: 200, silent: 50, giveUpAfter: 25)
        }.flatMap { $0 }
        for cut in cuts {
            let what = cut.dribbling ? "a dribbling connection" : "a silent connection"
            let after = try #require(cut.after, "\(what) was still open after 25 s")
            #expect(after >= 9.5 && after <= 13, "\(what) was cut \(String(format: "%.1f", after)) s after it opened, not at the 10 s deadline")
            if cut.dribbling {
                let answer = try #require(HTTPAnswer.parse(cut.answer), "\(what) got no 408, only: \(String(decoding: cut.answer, as: UTF8.self))")
                expectError(answer, 408, "request_timeout", what)
            }
        }
        let spread = cuts.compactMap(\.after)
        print("hostile: slow-loris: \(cuts.count) connections cut after \(String(format: "%.1f", spread.min() ?? 0))–\(String(format: "%.1f", spread.max() ?? 0)) s; \(cuts.filter { $0.dribbling && HTTPAnswer.parse($0.answer)?.status == 408 }.count) answered 408")
    }

    /// How one slow connection ended: after how many seconds (nil: never), and what it was sent.
    struct Cut: Sendable {
        var dribbling: Bool
        var after: Double?
        var answer: [UInt8]
    }

    static func slowLoris(_ socketPath: String, dribblers: Int, silent: Int, giveUpAfter seconds: Double) throws -> [Cut] {
        let request = Array("GET /status HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".utf8)
        var connections: [(connection: RawConnection, opened: Date, dribbling: Bool)] = []
        for index in 0..<(dribblers + silent) {
            let connection = try RawConnection(socketPath)
            let dribbling = index < dribblers
            if dribbling { connection.send(request[0..<1]) }
            connections.append((connection, Date(), dribbling))
        }
        var cuts = connections.map { Cut(dribbling: $0.dribbling, after: nil, answer: []) }
        var sent = 1
        let giveUp = Date(timeIntervalSinceNow: seconds)
        while cuts.contains(where: { $0.after == nil }) && Date() < giveUp {
            let tick = Date(timeIntervalSinceNow: 1)
            // Collect what arrived until the next byte is due; an answer or end-of-file is the cut.
            while Date() < tick {
                for index in cuts.indices where cuts[index].after == nil && connections[index].connection.readable(within: 0) {
                    let (bytes, _) = connections[index].connection.readToEnd(within: 2)
                    cuts[index].after = Date().timeIntervalSince(connections[index].opened)
                    cuts[index].answer = bytes
                    connections[index].connection.close()
                }
                usleep(20_000)
            }
            let next = sent < request.count ? request[sent] : UInt8(ascii: "a")
            sent += 1
            for index in cuts.indices where cuts[index].after == nil && connections[index].dribbling {
                connections[index].connection.send([next])
            }
        }
        return cuts
    }

    // MARK: Many clients

    /// 10,000 connections at once, each asking for /status: up to the limit (256) are served, every
    /// other one is answered 503 and closed; the daemon's descriptors return to their count before.
    @Test(.timeLimit(.minutes(2)))
    func tenThousandConnections_overTheLimitGet503_andNoDescriptorLeaks() async throws {
        let limit = raiseDescriptorLimit()
        try #require(limit >= 10_500, "this process may open only \(limit) descriptors")
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        let pid = try #require(daemon.processID)
        let socketsBefore = try #require(DaemonVitals.openSockets(pid))
        // Kept alive: a fresh connection is refused by design while 10,000 are queued ahead of it.
        let answers = try await underAttack(daemon, "10,000 concurrent connections", keepAlive: true) { [socketPath = daemon.socketPath] in
            var connections: [RawConnection] = []
            for _ in 0..<10_000 { connections.append(try RawConnection(socketPath)) }
            let request = RawConnection.request("GET", "/status")
            for connection in connections { connection.send(request) }
            var answers: [(status: Int?, name: String?, closed: Bool)] = []
            let deadline = Date(timeIntervalSinceNow: 30)
            for connection in connections {
                let answer = connection.readResponse(within: max(0, deadline.timeIntervalSinceNow))
                let closed = answer?.status == 503 ? connection.readToEnd(within: max(0, deadline.timeIntervalSinceNow)).closed : false
                answers.append((answer?.status, answer?.object?["name"] as? String, closed))
            }
            for connection in connections { connection.close() }
            return answers
        }.flatMap { $0 }
        let served = answers.filter { $0.status == 200 }.count
        let refused = answers.filter { $0.status == 503 }
        #expect(answers.allSatisfy { $0.status == 200 || $0.status == 503 },
                "other answers: \(answers.filter { $0.status != 200 && $0.status != 503 }.prefix(5))")
        #expect(served >= 1 && served <= 256 * answers.count / 10_000, "\(served) served at once; the limit is 256")
        #expect(refused.allSatisfy { $0.name == "service_unavailable" && $0.closed }, "a 503 was not JSON, or its connection stayed open")
        let socketsAfter = try await Self.settle(within: 20) { DaemonVitals.openSockets(pid) ?? -1 } until: { $0 <= socketsBefore }
        #expect(socketsAfter <= socketsBefore, """
            the daemon holds \(socketsAfter) sockets, \(socketsBefore) before the attack: \(DaemonVitals.describeDescriptors(pid))
            """)
        print("hostile: 10,000 connections: \(served) served, \(refused.count) refused with 503; daemon sockets \(socketsBefore) before, \(socketsAfter) after")
    }

    /// Clients that pipeline thousands of requests and never read the answers: the daemon answers
    /// what fits in their sockets, then holds their next request, and closes them once they have
    /// read nothing for the request timeout (10 s); a well-behaved client is answered throughout.
    @Test(.timeLimit(.minutes(2)))
    func pipeliningClientsThatNeverRead_areClosedAfterTheRequestTimeout() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        let pid = try #require(daemon.processID)
        let socketsBefore = try #require(DaemonVitals.openSockets(pid))
        let rounds = try await underAttack(daemon, "50 pipelining clients that never read") { [socketPath = daemon.socketPath] in
            let connections = try (0..<50).map { _ in try RawConnection(socketPath) }
            // 60,000 requests each (2 MB, far more than the kernel buffers): a send blocks once the
            // daemon stops reading, and fails once the daemon closes the connection (or after the
            // socket's 10 s send timeout), so that this runs once.
            let burst = Array(Array(repeating: RawConnection.request("GET", "/status"), count: 60_000).joined())
            _ = try Self.inParallel(connections.count) { index in connections[index].send(burst) }
            return connections
        }
        let connections = rounds.flatMap { $0 }
        // Still held open on this side, never read: only the daemon can have closed them.
        let socketsAfter = try await Self.settle(within: 25) { DaemonVitals.openSockets(pid) ?? -1 } until: { $0 <= socketsBefore }
        #expect(socketsAfter <= socketsBefore, """
            the daemon still holds \(socketsAfter) sockets, \(socketsBefore) before 50 clients that never read: \(DaemonVitals.describeDescriptors(pid))
            """)
        for connection in connections { connection.close() }
        print("hostile: pipelining without reading: 50 connections sending 60,000 requests each; daemon sockets \(socketsBefore) before, \(socketsAfter) after")
    }

    // MARK: Endless and huge requests

    /// Headers without end, one header line without end, and a request line without end: each is
    /// refused (431, or 400 for the request line) after at most a few hundred KiB, and closed.
    @Test(.timeLimit(.minutes(2)))
    func endlessHeaders_areRefusedWith431_afterABoundedRead() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        let kinds: [(name: String, prefix: String, unit: String, statuses: Set<Int>)] = [
            ("many headers", "GET /status HTTP/1.1\r\nHost: localhost\r\n", "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", [431]),
            ("one endless header", "GET /status HTTP/1.1\r\nHost: localhost\r\nX-Endless: ", "a", [431]),
            ("an endless request line", "GET /status?", "a", [400, 414, 431]),
        ]
        let results = try await underAttack(daemon, "endless headers: 3 kinds, 4 connections each") { [socketPath = daemon.socketPath] in
            try Self.inParallel(kinds.count * 4) { index in
                let kind = kinds[index % kinds.count]
                return try Self.flood(socketPath, head: Array(kind.prefix.utf8), unit: Array(kind.unit.utf8), upTo: 256 * Self.megabyte)
            }
        }.flatMap { $0 }
        for (index, result) in results.enumerated() {
            let kind = kinds[index % kinds.count]
            let answer = try #require(HTTPAnswer.parse(result.answer), "\(kind.name): no answer, \(result.sent) bytes sent")
            #expect(kind.statuses.contains(answer.status), "\(kind.name): \(answer)")
            if answer.status == 431 { expectError(answer, 431, "headers_too_large", kind.name) }
            #expect(result.closed, "\(kind.name): the connection stayed open")
            #expect(result.sent < 4 * Self.megabyte, "\(kind.name): the daemon took \(result.sent) bytes before refusing")
        }
        print("hostile: endless headers: \(results.count) connections refused after at most \(results.map(\.sent).max() ?? 0) bytes sent, statuses \(Set(results.compactMap { HTTPAnswer.parse($0.answer)?.status }).sorted())")
    }

    /// Bodies of 1 GiB, announced by Content-Length and chunked, four of each at once: 413 quickly,
    /// at most 4 MiB more is read (and dropped) so that the client sees the answer, and the
    /// daemon's memory stays bounded.
    @Test(.timeLimit(.minutes(2)))
    func oneGigabyteBodies_areRefusedWith413_afterABoundedRead() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        let gigabyte = 1024 * Self.megabyte
        let chunk = [UInt8](repeating: UInt8(ascii: " "), count: 64 * 1024)
        let results = try await underAttack(daemon, "1 GiB bodies: 4 with Content-Length and 4 chunked at once") { [socketPath = daemon.socketPath] in
            try Self.inParallel(8) { index in
                if index % 2 == 0 {
                    let head = "POST /domains HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(gigabyte)\r\n\r\n"
                    return try Self.flood(socketPath, head: Array(head.utf8), unit: chunk, upTo: gigabyte)
                }
                let head = "POST /domains HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                return try Self.flood(socketPath, head: Array(head.utf8), unit: Array("10000\r\n".utf8) + chunk + Array("\r\n".utf8), upTo: gigabyte)
            }
        }.flatMap { $0 }
        for (index, result) in results.enumerated() {
            let how = index % 2 == 0 ? "Content-Length" : "chunked"
            let answer = try #require(HTTPAnswer.parse(result.answer), "\(how): no answer after \(result.sent) bytes")
            expectError(answer, 413, "payload_too_large", how)
            #expect(result.closed, "\(how): the connection stayed open")
            #expect(result.sent < 64 * Self.megabyte, "\(how): \(result.sent) bytes were taken before the refusal")
            #expect(result.seconds < 5, "\(how): refused only after \(result.seconds) s")
        }
        let list = try await daemon.curl("GET", "/domains")
        #expect(try list.decode(ListJSON<DomainJSON>.self).data.count == 1, "a refused body created a domain: \(list)")
        print("hostile: 1 GiB bodies: \(results.count) refused with 413 after at most \(results.map(\.sent).max() ?? 0) bytes sent, in at most \(String(format: "%.2f", results.map(\.seconds).max() ?? 0)) s")
    }

    struct Flood: Sendable {
        var sent: Int
        var answer: [UInt8]
        var closed: Bool
        var seconds: Double
    }

    /// Sends `head`, then `unit` again and again, until the daemon answers or closes, or `upTo` bytes are sent.
    static func flood(_ socketPath: String, head: [UInt8], unit: [UInt8], upTo limit: Int) throws -> Flood {
        let connection = try RawConnection(socketPath)
        let started = Date()
        var sent = 0
        if connection.send(head) { sent += head.count }
        while sent < limit && !connection.readable(within: 0) && connection.send(unit) {
            sent += unit.count
        }
        let (answer, closed) = connection.readToEnd(within: 15)
        connection.close()
        return Flood(sent: sent, answer: answer, closed: closed, seconds: Date().timeIntervalSince(started))
    }

    // MARK: Malformed content

    /// Invalid UTF-8 in JSON bodies, in paths and in query strings: a 4xx JSON error each time,
    /// nothing created, nothing changed.
    @Test(.timeLimit(.minutes(2)))
    func invalidUTF8_inBodiesPathsAndQueries_answers4xxJSON() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        let bodies: [[UInt8]] = [
            Array(#"{"name":""#.utf8) + [0xFF, 0xFE] + Array(#".e2e.test"}"#.utf8),
            Array(#"{"name":"caf"#.utf8) + [0xC3] + Array(#".e2e.test"}"#.utf8),
            Array(#"{"name":""#.utf8) + [0xC0, 0xAF] + Array(#"x.e2e.test"}"#.utf8),
            Array(#"{"name":"ok.e2e.test","region":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8),
            Array(#"{""#.utf8) + [0xFF] + Array(#"":true}"#.utf8),
            Array(#"{"name":"\ud800.e2e.test"}"#.utf8),
            Array(#"{"open_tracking":true,"x":""#.utf8) + [0x80, 0x80, 0x80] + Array(#""}"#.utf8),
        ]
        let paths: [[UInt8]] = [
            Array("/domains/".utf8) + [0xFF, 0xFE],
            Array("/domains/%ff%fe".utf8),
            Array("/domains/caf%c3/history".utf8),
            Array("/domains/%ed%a0%80/zone".utf8),
            Array("/domains/".utf8) + [0xC3, 0x28] + Array("/history".utf8),
        ]
        let queries: [[UInt8]] = [
            Array("/domains?status=%ff".utf8),
            Array("/domains?after=%c3%28".utf8),
            Array("/domains?limit=%ff%fe".utf8),
            Array("/domains?status=".utf8) + [0xFF],
            Array("/domains/\(Self.steady)/history?after=%ed%a0%80".utf8),
        ]
        _ = try await daemon.create(Self.steady)
        var requests: [(what: String, bytes: [UInt8])] = []
        for (index, body) in bodies.enumerated() {
            requests.append(("POST body \(index)", RawConnection.request("POST", "/domains", body: body)))
            requests.append(("PATCH body \(index)", RawConnection.request("PATCH", "/domains/\(Self.steady)", body: body)))
        }
        for (index, path) in paths.enumerated() { requests.append(("path \(index)", RawConnection.request("GET", path))) }
        for (index, query) in queries.enumerated() { requests.append(("query \(index)", RawConnection.request("GET", query))) }
        let answers = try await underAttack(daemon, "invalid UTF-8: \(requests.count) requests") { [socketPath = daemon.socketPath, requests] in
            try requests.map { what, bytes in
                let connection = try RawConnection(socketPath)
                connection.send(bytes)
                return (what, connection.readResponse(within: 5))
            }
        }.flatMap { $0 }
        for (what, answer) in answers {
            let answer = try #require(answer, "\(what): no answer")
            #expect([400, 404, 422].contains(answer.status), "\(what): \(answer)")
            expectError(answer, answer.status, answer.object?["name"] as? String ?? "?", what)
        }
        let list = try await daemon.curl("GET", "/domains")
        #expect(try list.decode(ListJSON<DomainJSON>.self).data.count == 1, "\(list)")
        #expect(try await daemon.domain(Self.steady).openTracking == false, "a PATCH with invalid UTF-8 changed the domain")
        print("hostile: invalid UTF-8: \(answers.count) requests, statuses \(Set(answers.compactMap { $0.1?.status }).sorted())")
    }

    /// JSON nested 65,000 deep (just under the body limit) in every shape is a clean 400 or 422;
    /// 100,000 `[` is over the limit and a 413. The daemon does not recurse into a crash.
    @Test(.timeLimit(.minutes(2)))
    func deeplyNestedJSON_answers400_withoutACrash() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        let shapes: [(what: String, body: String, statuses: Set<Int>)] = [
            ("65,000 [", String(repeating: "[", count: 65_000), [400]),
            ("32,000 [ closed", String(repeating: "[", count: 32_000) + String(repeating: "]", count: 32_000), [400]),
            ("13,000 {\"a\":", String(repeating: #"{"a":"#, count: 13_000), [400]),
            ("[{ alternating", String(repeating: #"[{"a":"#, count: 9_000), [400]),
            ("a nested name", #"{"name":"# + String(repeating: "[", count: 60_000), [400, 422]),
            ("a nested name, closed", #"{"name":"# + String(repeating: "[", count: 30_000) + String(repeating: "]", count: 30_000) + "}", [400, 422]),
            ("100,000 [", String(repeating: "[", count: 100_000), [413]),
        ]
        _ = try await daemon.create(Self.steady)
        let answers = try await underAttack(daemon, "deeply nested JSON: \(shapes.count) shapes × POST and PATCH") { [socketPath = daemon.socketPath] in
            var answers: [(String, HTTPAnswer?)] = []
            for shape in shapes {
                for (method, path) in [("POST", "/domains"), ("PATCH", "/domains/\(Self.steady)")] {
                    let connection = try RawConnection(socketPath)
                    connection.send(RawConnection.request(method, path, body: Array(shape.body.utf8)))
                    answers.append(("\(method) \(shape.what)", connection.readResponse(within: 10)))
                }
            }
            return answers
        }.flatMap { $0 }
        for (index, (what, answer)) in answers.enumerated() {
            let answer = try #require(answer, "\(what): no answer")
            #expect(shapes[(index / 2) % shapes.count].statuses.contains(answer.status), "\(what): \(answer)")
            expectError(answer, answer.status, answer.object?["name"] as? String ?? "?", what)
        }
        print("hostile: deeply nested JSON: \(answers.count) requests, statuses \(Set(answers.compactMap { $0.1?.status }).sorted())")
    }

    /// Bytes that are not HTTP at all, or HTTP that breaks its own rules: a 400 JSON error and the
    /// connection closed, promptly.
    @Test(.timeLimit(.minutes(2)))
    func garbageOnTheSocket_answers400AndCloses() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        var generator = SplitMix64(seed: 20_261_128)
        let random = (0..<4096).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let garbage: [(what: String, bytes: [UInt8])] = [
            ("4 KiB of random bytes", random),
            ("a TLS ClientHello", [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03] + Array(random[0..<64])),
            ("an SSH banner", Array("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n".utf8)),
            ("1 KiB of NUL", [UInt8](repeating: 0, count: 1024)),
            ("the HTTP/2 preface", Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)),
            ("a negative Content-Length", Array("POST /domains HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n".utf8)),
            ("an overflowing Content-Length", Array("POST /domains HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n".utf8)),
            ("two Content-Lengths", Array("POST /domains HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{}".utf8)),
            ("Content-Length and chunked", Array("POST /domains HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".utf8)),
            ("a bad chunk size", Array("POST /domains HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".utf8)),
            ("HTTP/9.9", Array("GET /status HTTP/9.9\r\nHost: x\r\n\r\n".utf8)),
            ("a space in the method", Array("G T /status HTTP/1.1\r\nHost: x\r\n\r\n".utf8)),
            ("a header without a colon", Array("GET /status HTTP/1.1\r\nHost x\r\n\r\n".utf8)),
            ("a bare LF in a header", Array("GET /status HTTP/1.1\r\nX-A: b\nc\r\n\r\n".utf8)),
        ]
        let results = try await underAttack(daemon, "garbage: \(garbage.count) kinds") { [socketPath = daemon.socketPath] in
            try garbage.map { what, bytes in
                let connection = try RawConnection(socketPath)
                let started = Date()
                connection.send(bytes)
                let (answer, closed) = connection.readToEnd(within: 5)
                return (what: what, answer: answer, closed: closed, seconds: Date().timeIntervalSince(started))
            }
        }.flatMap { $0 }
        for result in results {
            let answer = try #require(HTTPAnswer.parse(result.answer), "\(result.what): no answer; \(result.closed ? "closed" : "still open after 5 s")")
            expectError(answer, 400, "bad_request", result.what)
            #expect(result.closed && result.seconds < 2, "\(result.what): not closed within 2 s")
        }
        print("hostile: garbage: \(results.count) connections, all 400 and closed within \(String(format: "%.2f", results.map(\.seconds).max() ?? 0)) s")
    }

    // MARK: Half-closed clients

    /// A client that half-closes after its request still gets its answer; one that half-closes in the
    /// middle of a request, or before it, is closed at once.
    @Test(.timeLimit(.minutes(2)))
    func halfClosedConnections_areAnsweredOrClosed_promptly() async throws {
        let daemon = try await DaemonHarness.start()
        defer { daemon.kill9() }
        _ = try await daemon.create(Self.steady)
        let cases: [(what: String, bytes: [UInt8], answered: Int?)] = [
            ("a whole request, then half-closed", RawConnection.request("GET", "/domains/\(Self.steady)"), 200),
            ("half of a request line, then half-closed", Array("GET /dom".utf8), nil),
            ("half of the headers, then half-closed", Array("GET /status HTTP/1.1\r\nHost: loc".utf8), nil),
            ("half of a body, then half-closed", Array("POST /domains HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n{\"name\":".utf8), nil),
            ("nothing, then half-closed", [], nil),
        ]
        // Kept alive: 250 new connections at once queue ahead of a fresh one in the listen backlog,
        // and each takes the event loop about half a millisecond to set up in a debug build.
        let results = try await underAttack(daemon, "half-closed: \(cases.count) kinds × 50 at once", keepAlive: true) { [socketPath = daemon.socketPath] in
            let started = Date()
            let connections = try (0..<(cases.count * 50)).map { index in
                let connection = try RawConnection(socketPath)
                connection.send(cases[index % cases.count].bytes)
                connection.shutdownWriting()
                return connection
            }
            return connections.map { connection in
                let (answer, closed) = connection.readToEnd(within: 15)
                return (answer, closed, Date().timeIntervalSince(started))
            }
        }.flatMap { $0 }
        for (index, (bytes, closed, seconds)) in results.enumerated() {
            let item = cases[index % cases.count]
            #expect(closed && seconds < 3, "\(item.what): closed \(closed) after \(String(format: "%.1f", seconds)) s")
            let answer = HTTPAnswer.parse(bytes)
            if let expected = item.answered {
                #expect(answer?.status == expected, "\(item.what): \(answer.map { "\($0)" } ?? "no answer")")
            } else if let answer {
                expectError(answer, 400, "bad_request", item.what)
            }
        }
        print("hostile: half-closed: \(results.count) connections, all closed within \(String(format: "%.2f", results.map(\.2).max() ?? 0)) s; \(results.filter { HTTPAnswer.parse($0.0)?.status == 200 }.count) answered 200")
    }

    // MARK: The witness

    /// Runs `attack` while a well-behaved client asks `GET /domains/steady.e2e.test`: it must get
    /// 200 every time, with a p99 within max(5 × its p99 before, 1 s); the daemon's resident
    /// memory must stay within 100 MiB of where it was, and the daemon alive. An attack shorter than
    /// 2 s is repeated until 2 s have passed, so that the witness asks often enough to be judged;
    /// returns what each round returned.
    private func underAttack<T: Sendable>(_ daemon: DaemonHarness, _ attack: String, keepAlive: Bool = false,
                                          _ body: @escaping @Sendable () throws -> T) async throws -> [T] {
        if (try? await daemon.curl("GET", "/domains/\(Self.steady)"))?.status != 200 { _ = try await daemon.create(Self.steady) }
        let pid = try #require(daemon.processID)
        let client = WellBehavedClient(socketPath: daemon.socketPath, target: "/domains/\(Self.steady)", keepAlive: keepAlive)
        let baseline = try await onThread { client.measure(count: 200) }
        try #require(baseline.failures.isEmpty, "before \(attack): \(baseline.failures.prefix(3))")
        let memoryBefore = try #require(DaemonVitals.residentBytes(pid))
        let sampler = DaemonVitals.PeakSampler(pid)
        client.start()
        let started = Date()
        let outcome: Result<[T], any Error>
        do {
            outcome = .success(try await onThread {
                var rounds: [T] = []
                repeat { rounds.append(try body()) } while Date().timeIntervalSince(started) < 2
                return rounds
            })
        } catch {
            outcome = .failure(error)
        }
        let seconds = Date().timeIntervalSince(started)
        let during = client.stop()
        let peak = sampler.stop()

        // The attackers run in this process on the same two cores, and `swift test` runs the other
        // end-to-end suites (schemathesis among them) alongside: a p99 of a few hundred answers is
        // their second-worst, and reached 430 ms with no starvation. Alone, this suite stays under
        // 130 ms (HOSTILE-README-SECTION.md); starvation shows as seconds (200 clients pipelining
        // without reading held the witness up for 1.7 to 4.2 s).
        let bound = max(5 * baseline.p99, 1.0)
        func ms(_ value: Double) -> String { String(format: "%.1f ms", value * 1000) }
        #expect(during.failures.isEmpty, "\(attack): the well-behaved client failed \(during.failures.count) times: \(during.failures.prefix(5))")
        #expect(during.latencies.count >= 20, "\(attack): only \(during.latencies.count) answers to judge by")
        #expect(during.p99 <= bound, "\(attack): p99 \(ms(during.p99)) during, \(ms(baseline.p99)) before (bound \(ms(bound)))")
        #expect(peak - memoryBefore < 100 * Self.megabyte, "\(attack): RSS rose from \(memoryBefore / Self.megabyte) to \(peak / Self.megabyte) MiB")
        #expect(kill(pid, 0) == 0, "\(attack): the daemon is gone:\n\(daemon.log.suffix(4000))")
        let status = try await daemon.curl("GET", "/status")
        #expect(status.status == 200, "\(attack): after it, GET /status: \(status)")
        print("hostile: \(attack): \((try? outcome.get())?.count ?? 0) round(s) in \(String(format: "%.1f", seconds)) s; well-behaved client (\(keepAlive ? "kept-alive" : "fresh connections")): p99 \(ms(baseline.p99)) before (median \(ms(baseline.median)), 200 requests), p99 \(ms(during.p99)) during (median \(ms(during.median)), \(during.latencies.count) requests, \(during.failures.count) failed); RSS \(memoryBefore / Self.megabyte) MiB before, peak \(peak / Self.megabyte) MiB")
        return try outcome.get()
    }

    // MARK: Helpers

    /// Runs `work(0..<count)` each on a thread of its own, all at once; the results in index order.
    static func inParallel<T: Sendable>(_ count: Int, _ work: @escaping @Sendable (Int) throws -> T) throws -> [T] {
        let results = LockedBox<[Result<T, any Error>?]>(Array(repeating: nil, count: count))
        let group = DispatchGroup()
        for index in 0..<count {
            group.enter()
            Thread {
                let result = Result { try work(index) }
                results.mutate { $0[index] = result }
                group.leave()
            }.start()
        }
        group.wait()
        return try results.value.map { try $0!.get() }
    }

    /// Polls `read` until `done` holds or `seconds` pass; returns the last value.
    static func settle<T>(within seconds: TimeInterval, _ read: () -> T, until done: (T) -> Bool) async throws -> T {
        let deadline = Date(timeIntervalSinceNow: seconds)
        var value = read()
        while !done(value) && Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            value = read()
        }
        return value
    }
}

/// A value shared between threads behind a lock.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func mutate(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}
