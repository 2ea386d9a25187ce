// The commands' API calls and output, over a scripted transport and a clock that moves only when they sleep.
import Foundation
import Testing
import VerifierAPIModels
@testable import DomainCtlKit

@Suite("Commands")
struct CommandsTests {
    @Test func testList_followsHasMore_untilTheLastPage_passingTheStatusOn() throws {
        let a = Fixtures.domain(name: "a.example", id: "id-a", withDetails: false)
        let b = Fixtures.domain(name: "b.example", id: "id-b", withDetails: false)
        let c = Fixtures.domain(name: "c.example", id: "id-c", withDetails: false)
        let transport = ScriptedTransport { request in
            request.target.contains("after=id-b")
                ? ScriptedTransport.json(ListResponse(hasMore: false, data: [c]))
                : ScriptedTransport.json(ListResponse(hasMore: true, data: [a, b]))
        }
        let (commands, output) = makeCommands(transport)

        try commands.list(status: "pending")

        #expect(transport.requests.map(\.target) == ["/domains?limit=100&status=pending", "/domains?limit=100&after=id-b&status=pending"])
        #expect(output.text.contains("a.example") && output.text.contains("c.example"))
        #expect(output.text.hasSuffix("3 domains."))
    }

    @Test func testListJSON_joinsThePagesIntoOneList() throws {
        let transport = ScriptedTransport { request in
            request.target.contains("after=")
                ? ScriptedTransport.json(ListResponse(hasMore: false, data: [Fixtures.domain(name: "b.example", id: "id-b", withDetails: false)]))
                : ScriptedTransport.json(ListResponse(hasMore: true, data: [Fixtures.domain(name: "a.example", id: "id-a", withDetails: false)]))
        }
        let (commands, output) = makeCommands(transport, json: true)

        try commands.list(status: nil)

        let list = try APIJSON.decoder().decode(ListResponse<DomainResponse>.self, from: Data(output.text.utf8))
        #expect(list.hasMore == false)
        #expect(list.data.map(\.name) == ["a.example", "b.example"])
    }

    @Test func testHistory_pagesByCursor_upToTheLimit() throws {
        func entries(_ range: Range<Int>) -> [HistoryEntryResponse] {
            range.map { HistoryEntryResponse(object: "check", id: Int64($0), cursor: "c\($0)", at: "2026-11-28T11:00:00.000Z", verdict: "pending") }
        }
        let transport = ScriptedTransport { request in
            request.target.contains("after=c99")
                ? ScriptedTransport.json(ListResponse(hasMore: true, data: entries(100..<150)))
                : ScriptedTransport.json(ListResponse(hasMore: true, data: entries(0..<100)))
        }
        let (commands, output) = makeCommands(transport)

        try commands.history("example.com", limit: 150)

        #expect(transport.requests.map(\.target) == [
            "/domains/example.com/history?limit=100", "/domains/example.com/history?limit=50&after=c99",
        ])
        #expect(output.lines.count == 1)
        #expect(output.text.split(separator: "\n").filter { $0.contains(" check ") }.count == 150)
        #expect(output.text.hasSuffix("Older entries exist: raise --limit to see them."))
    }

    @Test func testAdd_sendsSnakeCaseJSON_leavingOutWhatWasNotGiven() throws {
        let transport = ScriptedTransport { _ in ScriptedTransport.json(Fixtures.domain(status: "not_started"), status: 201) }
        let (commands, output) = makeCommands(transport)

        try commands.add(CreateDomainRequest(name: "example.com", customReturnPath: "bounce", openTracking: true, dkimKeySize: 1024))

        let request = try #require(transport.requests.first)
        #expect(request.method == "POST")
        #expect(request.target == "/domains")
        let body = try #require(request.body)
        let sent = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(Set(sent.keys) == ["name", "custom_return_path", "open_tracking", "dkim_key_size"])
        #expect(output.text.hasPrefix("Added example.com (id 7d9c1a52-4f0e-4c59-9a51-1f7e3c2b8a10), status not_started."))
    }

    @Test func testUpdate_sendsOnlyTheChangedSetting() throws {
        let transport = ScriptedTransport { _ in ScriptedTransport.json(Fixtures.domain()) }
        let (commands, output) = makeCommands(transport)

        try commands.update("example.com", openTracking: nil, clickTracking: false)

        #expect(transport.requests.first?.method == "PATCH")
        #expect(transport.requests.first?.body == Data(#"{"click_tracking":false}"#.utf8))
        #expect(output.text == "example.com: open tracking on, click tracking off.")
    }

    @Test func testNames_arePercentEncodedInPaths() throws {
        let transport = ScriptedTransport { _ in ScriptedTransport.json(Fixtures.domain()) }
        let (commands, _) = makeCommands(transport)

        try commands.show("bücher.example")
        try commands.show("a/b c?d")
        try commands.show("..")

        #expect(transport.requests.map(\.target) == ["/domains/b%C3%BCcher.example", "/domains/a%2Fb%20c%3Fd", "/domains/%2E%2E"])
    }

    @Test func testRecordsZone_printsTheDaemonsTextAsIs() throws {
        let zone = "resend._domainkey.example.com. 3600 IN TXT \"p=AAAA\" \"BBBB\"\nsend.example.com. 3600 IN MX 10 feedback-smtp.us-east-1.amazonses.com.\n"
        let transport = ScriptedTransport { _ in HTTPResponse(status: 200, body: Data(zone.utf8)) }
        let (commands, output) = makeCommands(transport, json: true)

        try commands.records("example.com", zone: true)

        #expect(transport.requests.map(\.target) == ["/domains/example.com/zone"])
        #expect(output.text + "\n" == zone)
    }

    @Test func testReload_thatTheDaemonDeclined_fails() throws {
        let transport = ScriptedTransport { _ in ScriptedTransport.json(ReloadResponse(reloaded: false, changed: [])) }
        let (commands, _) = makeCommands(transport)

        #expect(throws: CommandError.self) { try commands.reload() }
    }

    @Test func testUnexpectedJSON_isUnexpectedAnswer_namingTheRequestAndTheMissingKey() throws {
        let transport = ScriptedTransport { _ in HTTPResponse(status: 200, body: Data(#"{"object":"status"}"#.utf8)) }
        let (commands, _) = makeCommands(transport)

        let thrown = #expect(throws: UnexpectedAnswer.self) { try commands.status() }

        #expect(thrown?.request == "GET /status")
        #expect(thrown?.description.contains("version is missing") == true)
    }

    @Test func testErrorWithoutJSONBody_stillRefuses_withTheStatus() throws {
        let transport = ScriptedTransport { _ in HTTPResponse(status: 502, reason: "Bad Gateway", body: Data("upstream down".utf8)) }
        let (commands, _) = makeCommands(transport)

        let thrown = #expect(throws: DaemonRefusal.self) { try commands.show("example.com") }

        #expect(thrown?.error.statusCode == 502)
        #expect(thrown?.description == "domain-verifierd answered 502 Bad Gateway: upstream down")
    }
}

@Suite("verify --wait")
struct VerifyWaitTests {
    /// POST answers `pending`; each GET answers the next of `statuses`, the last one from then on.
    func transport(_ statuses: [String]) -> ScriptedTransport {
        var remaining = statuses
        return ScriptedTransport { request in
            if request.method == "POST" { return ScriptedTransport.json(Fixtures.domain(status: "pending")) }
            let status = remaining.count > 1 ? remaining.removeFirst() : remaining[0]
            return ScriptedTransport.json(Fixtures.domain(status: status))
        }
    }

    @Test func testWait_pollsEverySecond_printsEachChange_andReturnsWhenVerified() throws {
        let transport = transport(["pending", "pending", "temporary_failure", "verified"])
        let clock = FakeClock(Fixtures.now)
        let (commands, output) = makeCommands(transport, clock: clock)

        try commands.verifyAndWait("example.com", timeout: 600)

        #expect(transport.requests.first?.summary == "POST /domains/example.com/verify")
        #expect(transport.requests.dropFirst().allSatisfy { $0.summary == "GET /domains/7d9c1a52-4f0e-4c59-9a51-1f7e3c2b8a10" })
        #expect(transport.requests.count == 5)
        #expect(clock.sleeps == [1, 1, 1, 1])
        #expect(output.lines == [
            "example.com: pending; waiting up to 10m for verified or failed.",
            "example.com: pending -> temporary_failure",
            "example.com: temporary_failure -> verified",
        ])
    }

    @Test func testWait_whenTheDomainFails_printsTheOutcomes_andFails() throws {
        let (commands, output) = makeCommands(transport(["failed"]))

        let thrown = #expect(throws: CommandError.self) { try commands.verifyAndWait("example.com", timeout: 600) }

        #expect(thrown?.status == .failure)
        #expect(thrown?.message == "example.com failed verification.")
        #expect(output.lines[1] == "example.com: pending -> failed")
        #expect(output.lines[2].contains("DKIM    TXT   resend._domainkey  pending   no_host"))
        #expect(output.lines[2].contains("Fix: Remove the quotation marks"))
    }

    @Test func testWait_givesUpAtTheTimeout_sayingTheDaemonGoesOn() throws {
        let transport = transport(["pending"])
        let clock = FakeClock(Fixtures.now)
        let (commands, _) = makeCommands(transport, clock: clock)

        let thrown = #expect(throws: CommandError.self) { try commands.verifyAndWait("example.com", timeout: 5.5) }

        #expect(thrown?.status == .failure)
        #expect(thrown?.message.hasPrefix("gave up waiting after 5500ms: example.com is still pending; domain-verifierd goes on checking it, until 2026-12-01T11:00:00.000Z") == true)
        #expect(clock.sleeps == [1, 1, 1, 1, 1, 0.5])
        #expect(transport.requests.count == 7)
    }

    @Test func testWait_onAnAlreadyVerifiedDomain_returnsAtOnce() throws {
        let transport = ScriptedTransport { _ in ScriptedTransport.json(Fixtures.domain(status: "verified")) }
        let clock = FakeClock(Fixtures.now)
        let (commands, _) = makeCommands(transport, clock: clock)

        try commands.verifyAndWait("example.com", timeout: 600)

        #expect(transport.requests.count == 1)
        #expect(clock.sleeps.isEmpty)
    }
}
