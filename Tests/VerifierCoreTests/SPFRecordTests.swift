// Tests SPFRecord: recognising SPF records and parsing mechanisms, qualifiers, CIDR lengths, macros and modifiers.
import Testing
@testable import VerifierCore

struct SPFRecordTests {
    typealias M = SPFRecord.Mechanism

    @Test(arguments: [
        ("v=spf1", true),
        ("v=spf1 -all", true),
        ("V=SPF1 include:amazonses.com ~all", true),
        ("v=Spf1 a", true),
        ("v=spf10", false),
        ("v=spf10 -all", false),
        ("v=spf1-all", false),
        (" v=spf1 -all", false),
        ("\"v=spf1 -all\"", false),
        ("v=spf2.0/pra -all", false),
        ("spf1 -all", false),
    ])
    func isSPF_needsVSpf1FollowedBySpaceOrNothing(text: String, expected: Bool) {
        #expect(SPFRecord.isSPF(text) == expected)
    }

    @Test func parse_versionAlone_hasNoTerms() throws {
        #expect(try SPFRecord.parse("v=spf1").terms.isEmpty)
    }

    @Test func parse_theRecordWeAskFor() throws {
        let record = try SPFRecord.parse("v=spf1 include:amazonses.com ~all")
        #expect(record.terms == [.directive(.pass, .include("amazonses.com")), .directive(.softFail, .all)])
    }

    @Test(arguments: [
        ("all", M.all),
        ("include:_spf.example.com", .include("_spf.example.com")),
        ("include:example.com.", .include("example.com.")),
        ("a", .a(nil, cidr: nil)),
        ("a:mail.example.com", .a("mail.example.com", cidr: nil)),
        ("a/24", .a(nil, cidr: "/24")),
        ("a//64", .a(nil, cidr: "//64")),
        ("a/24//64", .a(nil, cidr: "/24//64")),
        ("a:mail.example.com/28", .a("mail.example.com", cidr: "/28")),
        ("A:Mail.Example.com", .a("Mail.Example.com", cidr: nil)),
        ("mx", .mx(nil, cidr: nil)),
        ("mx:example.com", .mx("example.com", cidr: nil)),
        ("mx/30", .mx(nil, cidr: "/30")),
        ("mx:example.com/30//120", .mx("example.com", cidr: "/30//120")),
        ("ptr", .ptr(nil)),
        ("ptr:example.com", .ptr("example.com")),
        ("ip4:192.0.2.1", .ip4("192.0.2.1")),
        ("ip4:192.0.2.0/24", .ip4("192.0.2.0/24")),
        ("ip4:0.0.0.0/0", .ip4("0.0.0.0/0")),
        ("ip6:2001:db8::/32", .ip6("2001:db8::/32")),
        ("ip6:::1", .ip6("::1")),
        ("ip6:2001:db8:0:0:0:0:0:1", .ip6("2001:db8:0:0:0:0:0:1")),
        ("ip6:::ffff:192.0.2.1", .ip6("::ffff:192.0.2.1")),
        ("ip6:2001:db8::1/128", .ip6("2001:db8::1/128")),
        ("ip6:::", .ip6("::")),
        ("ip6:1:2:3:4:5:6:192.0.2.1", .ip6("1:2:3:4:5:6:192.0.2.1")),
        ("ip6:FE80::ABCD", .ip6("FE80::ABCD")),
        ("exists:%{i}._spf.example.com", .exists("%{i}._spf.example.com")),
        ("INCLUDE:amazonses.com", .include("amazonses.com")),
    ])
    func parse_readsEveryMechanism(token: String, mechanism: M) throws {
        let record = try SPFRecord.parse("v=spf1 \(token)")
        #expect(record.terms == [.directive(.pass, mechanism)])
    }

    @Test(arguments: [
        ("+", SPFRecord.Qualifier.pass),
        ("-", .fail),
        ("~", .softFail),
        ("?", .neutral),
        ("", .pass),
    ])
    func parse_readsQualifiers(prefix: String, qualifier: SPFRecord.Qualifier) throws {
        let record = try SPFRecord.parse("v=spf1 \(prefix)include:amazonses.com \(prefix)all")
        #expect(record.directives.map(\.qualifier) == [qualifier, qualifier])
    }

    @Test(arguments: [
        "exists:%{i}._spf.%{d}",
        "include:%{d2r}.example.com",
        "exists:%{ir}.%{l1r-}.%{D}.example.com",
        "exists:%{s}.%{o}.%{h}.%{c}.%{r}.%{t}.%{v}.%{p}.example.com",
        "include:100%%.example.com",
        "exists:%_%-.%{i}.example.com",
        "exp=explain.%{d}",
        "x-note=%{i}%%",
    ])
    func parse_acceptsValidMacros(token: String) throws {
        #expect(try SPFRecord.parse("v=spf1 \(token) -all").terms.count == 2)
    }

    @Test(arguments: [
        ("exists:%{x}.example.com", "is not a known macro"),
        ("exists:%{i.example.com", "unclosed macro"),
        ("exists:%a.example.com", "is not a macro"),
        ("exists:example.com%", "lone \"%\""),
        ("exists:%{}.example.com", "is not a known macro"),
        ("exists:%{i2x}.example.com", "is not a valid macro"),
    ])
    func parse_refusesInvalidMacros(token: String, reasonPart: String) {
        expectParseError("v=spf1 \(token) -all", reasonPart)
    }

    @Test func parse_keepsModifiers_andExposesRedirect() throws {
        let record = try SPFRecord.parse("v=spf1 a redirect=_spf.example.com exp=explain.example.com x-custom=1")
        #expect(record.redirect == "_spf.example.com")
        #expect(record.terms == [
            .directive(.pass, .a(nil, cidr: nil)),
            .modifier(name: "redirect", value: "_spf.example.com"),
            .modifier(name: "exp", value: "explain.example.com"),
            .modifier(name: "x-custom", value: "1"),
        ])
        #expect(record.directives.count == 1)
    }

    @Test func redirect_isCaseInsensitive_andNilWhenAbsent() throws {
        #expect(try SPFRecord.parse("v=spf1 Redirect=_spf.example.com").redirect == "_spf.example.com")
        #expect(try SPFRecord.parse("v=spf1 -all").redirect == nil)
    }

    @Test func parse_ignoresRepeatedSpaces() throws {
        #expect(try SPFRecord.parse("v=spf1   a    -all ").terms.count == 2)
    }

    @Test(arguments: [
        ("v=spf1 redirect=a.example.com redirect=b.example.com", "redirect= appears twice"),
        ("v=spf1 redirect=a.example.com REDIRECT=b.example.com", "redirect= appears twice"),
        ("v=spf1 exp=a.example.com exp=b.example.com", "exp= appears twice"),
        ("v=spf1 foo -all", "\"foo\" is not an SPF mechanism"),
        ("v=spf1 include2:example.com", "is not an SPF mechanism"),
        ("v=spf1 *all", "is not an SPF mechanism"),
        ("v=spf1 include:", "include needs a domain"),
        ("v=spf1 include", "include needs a domain"),
        ("v=spf1 exists", "exists needs a domain"),
        ("v=spf1 include:localhost", "is not a fully qualified domain"),
        ("v=spf1 include:example.123", "does not end in a valid top-level label"),
        ("v=spf1 include:example.-com", "does not end in a valid top-level label"),
        ("v=spf1 all:example.com", "all takes no argument"),
        ("v=spf1 all/24", "all takes no argument"),
        ("v=spf1 ptr/24", "ptr takes no prefix length"),
        ("v=spf1 a/33", "not a prefix length from 0 to 32"),
        ("v=spf1 a//129", "not a prefix length from 0 to 128"),
        ("v=spf1 a/", "not a prefix length"),
        ("v=spf1 a/24/", "not a prefix length"),
        ("v=spf1 mx:example.com/x", "not a prefix length"),
        ("v=spf1 ip4", "ip4 needs an IPv4 network"),
        ("v=spf1 ip4:256.0.0.1", "is not an IPv4 address"),
        ("v=spf1 ip4:192.0.2", "is not an IPv4 address"),
        ("v=spf1 ip4:192.0.2.1.5", "is not an IPv4 address"),
        ("v=spf1 ip4:192.0.2.x", "is not an IPv4 address"),
        ("v=spf1 ip4:192.0.2.0/33", "not a prefix length from 0 to 32"),
        ("v=spf1 ip4:192.0.2.0/", "not a prefix length from 0 to 32"),
        ("v=spf1 ip4:example.com", "is not an IPv4 address"),
        ("v=spf1 ip6:192.0.2.1", "is not an IPv6 address"),
        ("v=spf1 ip6:2001:db8::1::2", "is not an IPv6 address"),
        ("v=spf1 ip6:12345::1", "is not an IPv6 address"),
        ("v=spf1 ip6:gggg::1", "is not an IPv6 address"),
        ("v=spf1 ip6:1:2:3:4:5:6:7:8:9", "is not an IPv6 address"),
        ("v=spf1 ip6:1:2:3:4:5:6:7", "is not an IPv6 address"),
        ("v=spf1 ip6:1::2:3:4:5:6:7:8", "is not an IPv6 address"),
        ("v=spf1 ip6:2001:db8:::1", "is not an IPv6 address"),
        ("v=spf1 ip6::::1", "is not an IPv6 address"),
        ("v=spf1 ip6:::ffff:999.0.2.1", "is not an IPv6 address"),
        ("v=spf1 ip6:1:2:3:4:5:6:7:192.0.2.1", "is not an IPv6 address"),
        ("v=spf1 ip6:1.2.3.4::1", "is not an IPv6 address"),
        ("v=spf1 ip6:2001:db8::/129", "not a prefix length from 0 to 128"),
        ("v=spf1 1bad=x", "is not a valid modifier"),
        ("v=spf1 redirect=", "has an empty domain"),
        ("v=spf1 include:amazonses.com ~all\u{E9}", "U+E9"),
        ("v=spf1\tinclude:amazonses.com", "does not start with v=spf1"),
        ("v=spf10 -all", "does not start with v=spf1"),
        ("include:amazonses.com", "does not start with v=spf1"),
    ])
    func parse_refusesInvalidRecords_sayingWhy(text: String, reasonPart: String) {
        expectParseError(text, reasonPart)
    }

    @Test(arguments: [
        (M.include("a.example.com"), "a.example.com" as String?, true),
        (.exists("%{i}.example.com"), "%{i}.example.com", true),
        (.a("a.example.com", cidr: "/24"), "a.example.com", true),
        (.a(nil, cidr: nil), nil, true),
        (.mx("mx.example.com", cidr: nil), "mx.example.com", true),
        (.ptr(nil), nil, true),
        (.ip4("192.0.2.1"), nil, false),
        (.ip6("::1"), nil, false),
        (.all, nil, false),
    ])
    func mechanism_targetDomainAndLookupCost(mechanism: M, target: String?, costsLookup: Bool) {
        #expect(mechanism.targetDomain == target)
        #expect(mechanism.countsAsLookup == costsLookup)
    }

    private func expectParseError(_ text: String, _ reasonPart: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) {
            try SPFRecord.parse(text)
        } throws: { error in
            (error as? SPFRecord.ParseError)?.reason.contains(reasonPart) == true
        }
    }
}
