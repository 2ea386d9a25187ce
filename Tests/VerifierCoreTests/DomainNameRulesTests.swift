// Tests DomainNameRules: normalising and validating domain names, return paths and regions (spec §2).
import Testing
@testable import VerifierCore

struct DomainNameRulesTests {
    let rules = DomainNameRules(
        services: FakeNameServices(),
        denyList: ["gmail.com", "GoogleMail.com.", "outlook.com"],
        regions: ["us-east-1", "eu-west-1", "sa-east-1", "ap-northeast-1"])

    // MARK: names that are accepted

    @Test(arguments: [
        ("example.com", "example.com"),
        ("Example.COM", "example.com"),
        ("example.com.", "example.com"),
        ("  example.com\n", "example.com"),
        ("mail.example.co.uk", "mail.example.co.uk"),
        ("example.co.uk", "example.co.uk"),
        ("foo.github.io", "foo.github.io"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("BÜCHER.example", "xn--bcher-kva.example"),
        ("bücher。example", "xn--bcher-kva.example"),
        ("XN--BCHER-KVA.example", "xn--bcher-kva.example"),
        ("münchen.test", "xn--mnchen-3ya.test"),
        ("a-b.example.com", "a-b.example.com"),
        ("123.example.com", "123.example.com"),
        ("x1.io", "x1.io"),
        ("notgmail.com", "notgmail.com"),
        ("gmail.com.example.org", "gmail.com.example.org"),
    ])
    func normalizeName_acceptsValidNames_andReturnsLowerCaseALabel(raw: String, expected: String) throws {
        #expect(try rules.normalizeName(raw) == expected)
    }

    @Test func normalizeName_acceptsLabelOf63Characters() throws {
        let label = String(repeating: "a", count: 63)
        #expect(try rules.normalizeName("\(label).com") == "\(label).com")
    }

    @Test func normalizeName_acceptsNameOf253Characters_withOrWithoutTrailingDot() throws {
        let name = Self.name(length: 253)
        #expect(name.utf8.count == 253)
        #expect(try rules.normalizeName(name) == name)
        #expect(try rules.normalizeName(name + ".") == name)
    }

    // MARK: names that are refused

    @Test(arguments: [
        ("1.2.3.4", "IP address"),
        ("1.2.3.4.", "IP address"),
        ("::1", "IP address"),
        ("[::1]", "IP address"),
        ("2001:db8::1", "IP address"),
        ("co.uk", "\"co.uk\" is a public suffix"),
        ("github.io", "\"github.io\" is a public suffix"),
        ("CO.UK.", "\"co.uk\" is a public suffix"),
        ("localhost", "single label"),
        ("com", "single label"),
        ("example.123", "all-numeric label"),
        ("foo_bar.com", "label \"foo_bar\""),
        ("foo bar.com", "a space"),
        ("foo\tbar.com", "U+0009"),
        ("-foo.com", "label \"-foo\""),
        ("foo-.com", "label \"foo-\""),
        ("example.com..", "empty label"),
        ("foo..com", "empty label"),
        (".example.com", "empty label"),
        (".", "empty label"),
        ("", "name is empty"),
        ("   ", "name is empty"),
        ("exa!mple.com", "\"!\""),
        ("ex☃mple.example", "not a valid internationalised domain name"),
        ("xn--zz.example", "not a valid internationalised domain name"),
        ("gmail.com", "shared mailbox provider gmail.com"),
        ("GMAIL.COM.", "shared mailbox provider gmail.com"),
        ("mail.gmail.com", "shared mailbox provider gmail.com"),
        ("googlemail.com", "shared mailbox provider googlemail.com"),
    ])
    func normalizeName_refusesInvalidNames_onFieldNameWithSpecificMessage(raw: String, messagePart: String) {
        #expect {
            try rules.normalizeName(raw)
        } throws: { error in
            guard let error = error as? ValidationError else { return false }
            return error.field == "name" && error.message.contains(messagePart)
        }
    }

    @Test func normalizeName_refusesLabelOf64Characters_namingItsLength() {
        let label = String(repeating: "a", count: 64)
        let error = #expect(throws: ValidationError.self) { try rules.normalizeName("\(label).com") }
        #expect(error?.field == "name")
        #expect(error?.message.contains("64 characters long") == true)
        #expect(error?.message.contains("at most 63") == true)
    }

    @Test func normalizeName_refusesNameOf254Characters_namingTheLimit() {
        let name = Self.name(length: 254)
        let error = #expect(throws: ValidationError.self) { try rules.normalizeName(name) }
        #expect(error?.field == "name")
        #expect(error?.message.contains("254 characters long") == true)
        #expect(error?.message.contains("at most 253") == true)
    }

    @Test func normalizeName_publicSuffixMessage_suggestsADomainUnderIt() {
        let error = #expect(throws: ValidationError.self) { try rules.normalizeName("co.uk") }
        #expect(error?.message.contains("example.co.uk") == true)
    }

    @Test func normalizeSyntax_usesTheFieldItIsGiven() {
        let error = #expect(throws: ValidationError.self) {
            try DomainNameRules.normalizeSyntax("bad_host.example", services: FakeNameServices(), field: "sending.mx_host")
        }
        #expect(error?.field == "sending.mx_host")
    }

    // MARK: deny-list

    @Test(arguments: [
        ("gmail.com", "gmail.com"),
        ("mail.gmail.com", "gmail.com"),
        ("a.b.outlook.com", "outlook.com"),
        ("googlemail.com", "googlemail.com"),
        ("notgmail.com", nil),
        ("gmail.com.example.org", nil),
        ("example.com", nil),
    ] as [(String, String?)])
    func deniedProvider_matchesTheProviderAndItsSubdomains(name: String, provider: String?) {
        #expect(rules.deniedProvider(for: name) == provider)
    }

    // MARK: return path

    @Test(arguments: [
        ("send", "send"),
        ("SEND", "send"),
        ("Bounce-1", "bounce-1"),
        ("a", "a"),
        ("b2", "b2"),
        ("mail-from", "mail-from"),
        (String(repeating: "r", count: 63), String(repeating: "r", count: 63)),
    ])
    func normalizeReturnPath_acceptsLDHLabels_lowerCased(raw: String, expected: String) throws {
        #expect(try rules.normalizeReturnPath(raw, domain: "example.com") == expected)
    }

    @Test(arguments: [
        ("", "is empty"),
        (String(repeating: "r", count: 64), "64 characters long"),
        ("1send", "must start with a letter"),
        ("-send", "must start with a letter"),
        ("send-", "must end with a letter or a digit"),
        ("se.nd", "contains \".\""),
        ("se_nd", "contains \"_\""),
        ("se nd", "contains \" \""),
        ("sénd", "contains \"é\""),
    ])
    func normalizeReturnPath_refusesBadLabels_onItsField(raw: String, messagePart: String) {
        #expect {
            try rules.normalizeReturnPath(raw, domain: "example.com")
        } throws: { error in
            guard let error = error as? ValidationError else { return false }
            return error.field == "custom_return_path" && error.message.contains(messagePart)
        }
    }

    @Test func normalizeReturnPath_refusesOneThatMakesTheHostLongerThan253() throws {
        let domain = Self.name(length: 240)
        #expect(try rules.normalizeReturnPath("abcdefghijkl", domain: domain) == "abcdefghijkl") // 12 + 1 + 240 = 253
        let error = #expect(throws: ValidationError.self) {
            try rules.normalizeReturnPath("abcdefghijklm", domain: domain)
        }
        #expect(error?.field == "custom_return_path")
        #expect(error?.message.contains("longer than 253") == true)
    }

    // MARK: region

    @Test(arguments: ["us-east-1", "eu-west-1", "sa-east-1", "ap-northeast-1"])
    func validateRegion_acceptsConfiguredRegions(region: String) throws {
        #expect(try rules.validateRegion(region) == region)
    }

    @Test(arguments: ["", "mars-1", "us-east-2", "US-EAST-1"])
    func validateRegion_refusesOthers_listingTheOffer(region: String) {
        let error = #expect(throws: ValidationError.self) { try rules.validateRegion(region) }
        #expect(error?.field == "region")
        #expect(error?.message.contains("\"\(region)\" is not offered") == true)
        #expect(error?.message.contains("us-east-1, eu-west-1, sa-east-1, ap-northeast-1") == true)
    }

    // MARK: helpers

    @Test(arguments: [
        ("Example.COM.", "example.com", true),
        ("example.com", "EXAMPLE.com.", true),
        ("example.com", "example.org", false),
        ("example.com..", "example.com", false),
    ])
    func dnsNameEquals_ignoresCaseAndOneTrailingDot(lhs: String, rhs: String, equal: Bool) {
        #expect(lhs.dnsNameEquals(rhs) == equal)
    }

    /// A valid name under `.com` of exactly `length` characters, made of labels of at most 63.
    static func name(length: Int) -> String {
        var remaining = length - 4 // ".com"
        var labels: [String] = []
        while remaining > 63 {
            // Leave at least one character for the label after the dot.
            let size = min(63, remaining - 2)
            labels.append(String(repeating: "x", count: size))
            remaining -= size + 1
        }
        labels.append(String(repeating: "y", count: remaining))
        return (labels + ["com"]).joined(separator: ".")
    }
}
