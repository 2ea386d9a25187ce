// Proves the DNS test harness with dig as the client: KnotServer serves and edits zones,
// FaultDNSServer injects the faults the resolver must survive.
import Foundation
import Testing
import TestSupport

/// dig's output and exit status (0: a reply, whatever its rcode; 9: no reply accepted).
private struct Dig {
    let status: Int32
    let output: String

    init(_ port: UInt16, _ arguments: [String]) throws {
        (status, output) = try run("/usr/bin/dig", ["@127.0.0.1", "-p", String(port), "+time=2", "+tries=1"] + arguments)
    }

    /// The rcode in the header, e.g. "NOERROR".
    var rcode: String? {
        guard let range = output.range(of: "status: ") else { return nil }
        return String(output[range.upperBound...].prefix(while: { $0.isLetter }))
    }

    var answerCount: Int? {
        guard let range = output.range(of: "ANSWER: ") else { return nil }
        return Int(output[range.upperBound...].prefix(while: { $0.isNumber }))
    }

    var flags: [Substring] {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix(";; flags:") }) else { return [] }
        return line.dropFirst(";; flags:".count).prefix(while: { $0 != ";" }).split(separator: " ")
    }
}

/// The answer's record data, one line per record (`dig +short`).
private func short(_ port: UInt16, _ type: String, _ name: String, _ options: String...) throws -> [String] {
    try Dig(port, ["+short", type, name] + options).output.split(separator: "\n").map(String.init)
}

private func processIsGone(_ pid: Int32) -> Bool {
    kill(pid, 0) != 0 && errno == ESRCH
}

@Suite struct KnotServerHarnessTests {
    @Test func recordFromZoneBody_isServed() throws {
        let knot = try KnotServer(zones: ["example.test": """
            hello TXT "hello world"
            www.example.test. A 192.0.2.1
            """])
        #expect(try short(knot.port, "TXT", "hello.example.test") == [#""hello world""#])
        #expect(try short(knot.port, "A", "www.example.test") == ["192.0.2.1"])
        #expect(knot.address == "127.0.0.1@\(knot.port)")
    }

    @Test func set_addsAnsweredRecord_andUnset_leavesNoData() throws {
        let knot = try KnotServer(zones: ["example.test": "mail A 192.0.2.1"])
        try knot.set("example.test", "mail", "TXT", KnotServer.txt("v=spf1 -all"))
        #expect(try short(knot.port, "TXT", "mail.example.test") == [#""v=spf1 -all""#])
        try knot.set("example.test", "mail", "TXT", KnotServer.txt("v=spf1 -all"))

        try knot.unset("example.test", "mail", "TXT")
        let after = try Dig(knot.port, ["TXT", "mail.example.test"])
        #expect(after.rcode == "NOERROR")
        #expect(after.answerCount == 0)
        #expect(throws: TestServerError.self) { try knot.unset("example.test", "mail", "TXT") }
    }

    @Test func unsetOfTheLastRecordAtAName_makesItNXDOMAIN() throws {
        let knot = try KnotServer(zones: ["example.test": #"_dmarc TXT "v=DMARC1; p=none""#])
        try knot.unset("example.test", "_dmarc", "TXT")
        #expect(try Dig(knot.port, ["TXT", "_dmarc.example.test"]).rcode == "NXDOMAIN")
    }

    @Test func replace_swapsTheWholeRRset() throws {
        let knot = try KnotServer(zones: ["example.test": """
            @ TXT "old one"
            @ TXT "old two"
            """])
        try knot.replace("example.test", "@", "TXT", [KnotServer.txt("new")])
        #expect(try short(knot.port, "TXT", "example.test") == [#""new""#])
        try knot.replace("example.test", "fresh", "TXT", [KnotServer.txt("a"), KnotServer.txt("b")])
        #expect(try short(knot.port, "TXT", "fresh.example.test").sorted() == [#""a""#, #""b""#])
    }

    @Test func failedEdit_throwsWithKnotcOutput_andLeavesNoOpenTransaction() throws {
        let knot = try KnotServer(zones: ["example.test": ""])
        let error = #expect(throws: TestServerError.self) {
            try knot.set("example.test", "bad", "A", "not-an-address")
        }
        #expect(error?.output.contains("error") == true)
        try knot.set("example.test", "good", "A", "192.0.2.7")
        #expect(try short(knot.port, "A", "good.example.test") == ["192.0.2.7"])
    }

    @Test func bulkLoad_takesZoneFileLines_andThrowsOnABadOne() throws {
        let knot = try KnotServer(zones: ["example.test": ""])
        try knot.load("example.test", lines: ["; a comment", "", "ok 300 IN A 192.0.2.1", "@ MX 10 mail"])
        #expect(try short(knot.port, "A", "ok.example.test") == ["192.0.2.1"])
        #expect(try short(knot.port, "MX", "example.test") == ["10 mail.example.test."])
        #expect(throws: TestServerError.self) { try knot.load("example.test", lines: ["bad A not-an-address"]) }
        #expect(throws: TestServerError.self) { try knot.load("example.test", lines: ["no-rdata TXT"]) }
        #expect(throws: TestServerError.self) { try knot.load("unserved.test", lines: ["www A 192.0.2.1"]) }
    }

    @Test func nameOutsideEveryZone_isNXDOMAIN() throws {
        let knot = try KnotServer(zones: ["example.test": ""])
        #expect(try Dig(knot.port, ["TXT", "nothing.elsewhere.invalid"]).rcode == "NXDOMAIN")
        #expect(try Dig(knot.port, ["TXT", "missing.example.test"]).rcode == "NXDOMAIN")
    }

    @Test func brokenZone_answersSERVFAIL() throws {
        let knot = try KnotServer(zones: ["example.test": ""], brokenZones: ["broken.test"])
        #expect(try Dig(knot.port, ["TXT", "_dmarc.broken.test"]).rcode == "SERVFAIL")
    }

    @Test func truncatedZone_setsTCOverUDP_andAnswersInFullOverTCP() throws {
        let knot = try KnotServer(zones: ["tc.test": #"big TXT "over tcp only""#], truncatedZones: ["tc.test"])
        let udp = try Dig(knot.port, ["+ignore", "TXT", "big.tc.test"])
        #expect(udp.flags.contains("tc"))
        #expect(udp.answerCount == 0)
        #expect(try short(knot.port, "TXT", "big.tc.test", "+tcp") == [#""over tcp only""#])
    }

    @Test func txt_escapesQuotesAndBackslashes() throws {
        #expect(KnotServer.txt(#"say "hi" \o/"#) == #""say \"hi\" \\o/""#)
        #expect(KnotServer.txt("") == #""""#)
        #expect(KnotServer.txt("é") == #""\195\169""#)
        let knot = try KnotServer(zones: ["example.test": ""])
        try knot.set("example.test", "quoted", "TXT", KnotServer.txt(#"say "hi" \o/"#))
        #expect(try short(knot.port, "TXT", "quoted.example.test") == [#""say \"hi\" \\o/""#])
        try knot.set("example.test", "accent", "TXT", KnotServer.txt("café"))
        #expect(try short(knot.port, "TXT", "accent.example.test") == [#""caf\195\169""#])
    }

    @Test func dkimSizedTXT_setViaTxt_isServedIntactAsTwoStrings() throws {
        // A 2048-bit RSA public key in base64 is 392 characters.
        let key = String((0..<392).map { index in Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")[index * 7 % 64] })
        let value = "v=DKIM1; k=rsa; p=" + key
        let knot = try KnotServer(zones: ["example.test": ""])
        try knot.set("example.test", "resend._domainkey", "TXT", KnotServer.txt(value))
        let answer = try short(knot.port, "TXT", "resend._domainkey.example.test")
        let bytes = Array(value.utf8)
        let first = String(decoding: bytes[..<255], as: UTF8.self)
        let rest = String(decoding: bytes[255...], as: UTF8.self)
        #expect(answer == ["\"\(first)\" \"\(rest)\""])
    }

    @Test func addZone_servesTheNewZone() throws {
        let knot = try KnotServer(zones: ["example.test": ""])
        #expect(try Dig(knot.port, ["A", "www.acme.test"]).rcode == "NXDOMAIN")
        try knot.addZone("acme.test", body: "www A 192.0.2.9")
        #expect(try short(knot.port, "A", "www.acme.test") == ["192.0.2.9"])
        try knot.set("acme.test", "mail", "A", "192.0.2.10")
        #expect(try short(knot.port, "A", "mail.acme.test") == ["192.0.2.10"])
    }

    @Test func queryCount_countsAnsweredQueries() throws {
        let knot = try KnotServer(zones: ["example.test": "a TXT \"x\""])
        let before = try #require(knot.queryCount)
        for _ in 0..<3 { _ = try Dig(knot.port, ["TXT", "a.example.test"]) }
        #expect(try #require(knot.queryCount) == before + 3)
    }

    @Test func stop_endsKnotd() throws {
        let knot = try KnotServer(zones: ["example.test": ""])
        let pid = knot.processID
        #expect(!processIsGone(pid))
        knot.stop()
        #expect(processIsGone(pid))
        knot.stop()
        #expect(try Dig(knot.port, ["+time=1", "SOA", "example.test"]).status == 9)
    }

    @Test func bulkLoad_of20000DKIMSizedTXTRecords_isServed() throws {
        let knot = try KnotServer(zones: ["example.test": ""])
        // About 410 bytes each, like a 2048-bit DKIM key record: two strings per record.
        func value(_ index: Int) -> String {
            "v=DKIM1; k=rsa; p=" + String(repeating: "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A", count: 12) + "\(index)"
        }
        let lines = (0..<20_000).map { "s\($0)._domainkey TXT " + KnotServer.txt(value($0)) }
        let elapsed = try ContinuousClock().measure { try knot.load("example.test", lines: lines) }
        print("KnotServer.load: 20,000 TXT records in \(elapsed.formatted(.units(allowed: [.milliseconds])))")
        for index in [0, 1, 9_999, 12_345, 19_999] {
            let answer = try short(knot.port, "TXT", "s\(index)._domainkey.example.test")
            #expect(answer.map { $0.replacingOccurrences(of: "\" \"", with: "") } == ["\"\(value(index))\""])
        }
    }
}

@Suite struct FaultDNSServerHarnessTests {
    @Test func rcodeRules_answerPerRule() throws {
        let fault = try FaultDNSServer(rules: FaultRules([
            .init(suffix: "servfail.test", action: .servfail),
            .init(suffix: "refused.test", action: .refused),
            .init(suffix: "nx.test", action: .nxdomain),
            .init(suffix: "typed.test", qtype: "TXT", action: .formerr),
        ], default: .servfail))
        #expect(try Dig(fault.port, ["TXT", "_dmarc.SERVFAIL.test"]).rcode == "SERVFAIL")
        #expect(try Dig(fault.port, ["TXT", "refused.test"]).rcode == "REFUSED")
        #expect(try Dig(fault.port, ["TXT", "a.b.nx.test"]).rcode == "NXDOMAIN")
        #expect(try Dig(fault.port, ["TXT", "typed.test"]).rcode == "FORMERR")
        #expect(try Dig(fault.port, ["A", "typed.test"]).rcode == "SERVFAIL")
        // A label boundary is required: "notnx.test" does not end in ".nx.test".
        #expect(try Dig(fault.port, ["TXT", "notnx.test"]).rcode == "SERVFAIL")
    }

    @Test func drop_makesDigTimeOut() throws {
        let fault = try FaultDNSServer(rules: FaultRules([.init(suffix: "", action: .drop)]))
        let dig = try Dig(fault.port, ["+time=1", "+tries=1", "TXT", "example.test"])
        #expect(dig.status == 9)
        #expect(dig.output.contains("timed out"))
    }

    @Test func proxy_relaysKnotsAnswer_overUDPAndTCP() throws {
        let knot = try KnotServer(
            zones: ["example.test": #"hello TXT "from knot""#, "tc.test": #"big TXT "needs tcp""#],
            truncatedZones: ["tc.test"])
        let fault = try FaultDNSServer(rules: FaultRules(default: .proxy), upstream: knot.address)
        #expect(try short(fault.port, "TXT", "hello.example.test") == [#""from knot""#])
        #expect(try Dig(fault.port, ["TXT", "nothing.example.test"]).rcode == "NXDOMAIN")
        #expect(try Dig(fault.port, ["+ignore", "TXT", "big.tc.test"]).flags.contains("tc"))
        #expect(try short(fault.port, "TXT", "big.tc.test") == [#""needs tcp""#])
    }

    @Test func slow_answersAfterTheDelay() throws {
        let knot = try KnotServer(zones: ["example.test": #"hello TXT "late""#])
        let fault = try FaultDNSServer(
            rules: FaultRules([.init(suffix: "example.test", action: .slow(milliseconds: 300))]),
            upstream: knot.address)
        var answer: [String] = []
        let elapsed = try ContinuousClock().measure { answer = try short(fault.port, "TXT", "hello.example.test") }
        #expect(answer == [#""late""#])
        #expect(elapsed >= .milliseconds(300))
    }

    @Test func garbageAndWrongID_areNotAcceptedByDig() throws {
        let knot = try KnotServer(zones: ["example.test": #"hello TXT "real""#])
        let fault = try FaultDNSServer(rules: FaultRules([
            .init(suffix: "garbage.test", action: .garbage),
            .init(suffix: "example.test", action: .wrongID),
        ]), upstream: knot.address)
        for name in ["x.garbage.test", "hello.example.test"] {
            let dig = try Dig(fault.port, ["+time=1", "+tries=1", "TXT", name])
            #expect(dig.status == 9, "dig accepted an answer for \(name): \(dig.output)")
            #expect(dig.rcode == nil)
        }
    }

    @Test func truncateTCPFail_truncatesUDP_andClosesTCP() throws {
        let fault = try FaultDNSServer(rules: FaultRules([.init(suffix: "", action: .truncateTCPFail)]))
        let udp = try Dig(fault.port, ["+ignore", "TXT", "example.test"])
        #expect(udp.flags.contains("tc"))
        #expect(udp.answerCount == 0)
        #expect(try Dig(fault.port, ["+tcp", "+time=1", "TXT", "example.test"]).status != 0)
    }

    @Test func answer_servesTheGivenRecords() throws {
        let fault = try FaultDNSServer(rules: FaultRules([
            .init(suffix: "spf.test", action: .answer([#"@ TXT "v=spf1 -all""#, #"@ 30 TXT "second""#])),
        ]))
        #expect(try short(fault.port, "TXT", "mail.spf.test").sorted() == [#""second""#, #""v=spf1 -all""#])
    }

    @Test func unknownAction_answersSERVFAIL_andIsLogged() throws {
        let fault = try FaultDNSServer(rules: FaultRules([.init(suffix: "", action: .raw("explode"))]))
        #expect(try Dig(fault.port, ["TXT", "example.test"]).rcode == "SERVFAIL")
        #expect(fault.log.contains("unknown action 'explode'"))
    }

    @Test func update_changesTheAnswerToTheNextQuery() throws {
        let fault = try FaultDNSServer(rules: FaultRules([.init(suffix: "example.test", action: .servfail)]))
        #expect(try Dig(fault.port, ["TXT", "example.test"]).rcode == "SERVFAIL")
        try fault.update(FaultRules([.init(suffix: "example.test", action: .nxdomain)]))
        #expect(try Dig(fault.port, ["TXT", "example.test"]).rcode == "NXDOMAIN")
        try fault.update(FaultRules(default: .refused))
        #expect(try Dig(fault.port, ["TXT", "example.test"]).rcode == "REFUSED")
        #expect(try short(fault.port, "TXT", "_generation.faultdns") == [#""3""#])
    }

    @Test func stop_endsTheScript() throws {
        let fault = try FaultDNSServer(rules: FaultRules())
        let pid = fault.processID
        #expect(!processIsGone(pid))
        fault.stop()
        #expect(processIsGone(pid))
        fault.stop()
    }
}
