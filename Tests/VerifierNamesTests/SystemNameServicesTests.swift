// Domain name validation against the real libidn2 and libpsl with Debian's Public Suffix List.
import Testing
import VerifierCore
import VerifierNames

private let services = SystemNameServices()
private let rules = DomainNameRules(services: services, denyList: ["gmail.com", "outlook.com"],
                                    regions: ["us-east-1", "eu-west-1", "sa-east-1", "ap-northeast-1"])

@Test func publicSuffixList_isDebiansFile() {
    #expect(services.listSource == SystemNameServices.debianListPath)
}

@Test(arguments: [
    ("bücher.example", "xn--bcher-kva.example"),
    ("BÜCHER.example", "xn--bcher-kva.example"),
    ("Bücher.Example.", "xn--bcher-kva.example"),
    ("straße.de", "xn--strae-oqa.de"),
    ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ("例え.jp", "xn--r8jz45g.jp"),
    ("mail.example.co.uk", "mail.example.co.uk"),
    ("example.test", "example.test"),
    ("blog.github.io", "blog.github.io"),
])
func internationalNames_becomeLowerCaseALabels(input: String, expected: String) throws {
    #expect(try rules.normalizeName(input) == expected)
}

@Test(arguments: ["co.uk", "github.io", "s3.amazonaws.com", "appspot.com", "pvt.k12.ma.us", "kobe.jp"])
func publicSuffixes_areRefused(name: String) {
    #expect {
        try rules.normalizeName(name)
    } throws: { error in
        guard let error = error as? ValidationError else { return false }
        return error.field == "name" && error.message.contains("public suffix")
    }
}

@Test(arguments: ["☃.example", "xn--bcher-kv.example", "a\u{200D}b.example"])
func invalidInternationalNames_areRefusedWithTheLibraryReason(name: String) {
    #expect {
        try rules.normalizeName(name)
    } throws: { error in
        guard let error = error as? ValidationError else { return false }
        return error.field == "name" && error.message.contains("not a valid internationalised domain name")
    }
}

@Test func toASCII_reportsLibidn2Errors() {
    #expect(throws: IDNAError.self) { try services.toASCII("☃.example") }
}

@Test(arguments: ["gmail.com", "GMAIL.com", "eu.gmail.com", "outlook.com."])
func mailboxProviders_areRefused(name: String) {
    #expect {
        try rules.normalizeName(name)
    } throws: { error in
        (error as? ValidationError)?.message.contains("shared mailbox provider") == true
    }
}
