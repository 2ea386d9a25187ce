// Tests the DKIM/DMARC tag-list syntax (TagList) and DKIM key records (DKIMKeyRecord).
import Testing
@testable import VerifierCore

struct TagListTests {
    @Test func parse_keepsTagsInOrder() throws {
        let list = try TagList.parse("v=DKIM1; k=rsa; p=ABC")
        #expect(list.tags.map(\.name) == ["v", "k", "p"])
        #expect(list.tags.map(\.value) == ["DKIM1", "rsa", "ABC"])
        #expect(list["k"] == "rsa")
    }

    @Test(arguments: ["v=DKIM1; p=ABC;", "v=DKIM1; p=ABC;  ", "v=DKIM1;p=ABC;\t"])
    func parse_allowsATrailingSemicolon(text: String) throws {
        #expect(try TagList.parse(text).tags.count == 2)
    }

    @Test func parse_dropsFoldingWhiteSpaceAroundNamesAndValues_butKeepsItInside() throws {
        let list = try TagList.parse(" v = DKIM1 ;\r\n\tp= AB CD\t; n = a note ")
        #expect(list["v"] == "DKIM1")
        #expect(list["p"] == "AB CD")
        #expect(list["n"] == "a note")
    }

    @Test func parse_keepsAnEmptyValue() throws {
        #expect(try TagList.parse("v=DKIM1; p=")["p"] == "")
    }

    @Test func parse_keepsQuotesInsideValues_asRFC6376Allows() throws {
        // VALCHAR is %x21-3A / %x3C-7E, which includes '"'; the DKIM and DMARC parsers judge the value.
        #expect(try TagList.parse("n=\"quoted\"; p=ABC")["n"] == "\"quoted\"")
        #expect(throws: DKIMKeyRecord.ParseError.self) { try DKIMKeyRecord.parse("p=\"ABC\"") }
    }

    @Test func subscript_isCaseSensitive() throws {
        let list = try TagList.parse("V=DKIM1; p=ABC")
        #expect(list["v"] == nil)
        #expect(list["V"] == "DKIM1")
    }

    @Test(arguments: [
        ("v=DKIM1;; p=ABC", "an empty tag between two"),
        (";p=ABC", "an empty tag between two"),
        (";", "an empty tag between two"),
        ("", "the record is empty"),
        ("  ", "the record is empty"),
        ("v=DKIM1; p=ABC; p=DEF", "the tag \"p\" appears twice"),
        ("v=DKIM1; garbage", "\"garbage\" is not a tag=value pair"),
        ("1v=DKIM1", "\"1v\" is not a valid tag name"),
        ("=value", "\"\" is not a valid tag name"),
        ("a-b=c", "\"a-b\" is not a valid tag name"),
        ("\"p=ABC\"", "is not a valid tag name"),
        ("n=caf\u{E9}", "U+E9"),
    ])
    func parse_refusesBadSyntax_sayingWhy(text: String, reasonPart: String) {
        #expect {
            try TagList.parse(text)
        } throws: { error in
            (error as? TagList.ParseError)?.reason.contains(reasonPart) == true
        }
    }
}

struct DKIMKeyRecordTests {
    @Test func parse_readsAFullRecord() throws {
        let record = try DKIMKeyRecord.parse("v=DKIM1; k=rsa; h=sha256; s=email; t=y:s; p=\(rsa2048Key)")
        #expect(record.keyType == "rsa")
        #expect(record.publicKey == rsa2048Key)
        #expect(record.hashAlgorithms == ["sha256"])
        #expect(record.serviceTypes == ["email"])
        #expect(record.flags == ["y", "s"])
        #expect(record.unusableReason == nil)
    }

    @Test func parse_defaultsKeyTypeToRSA_andLeavesHashAndServiceOpen() throws {
        let record = try DKIMKeyRecord.parse("p=\(rsa2048Key)")
        #expect(record.keyType == "rsa")
        #expect(record.hashAlgorithms == nil)
        #expect(record.serviceTypes == nil)
        #expect(record.flags == [])
        #expect(record.unusableReason == nil)
    }

    @Test func parse_removesWhiteSpaceInsideTheKey() throws {
        let spaced = stride(from: 0, to: rsa2048Key.count, by: 64).map { start -> String in
            let from = rsa2048Key.index(rsa2048Key.startIndex, offsetBy: start)
            let to = rsa2048Key.index(from, offsetBy: min(64, rsa2048Key.count - start))
            return String(rsa2048Key[from..<to])
        }.joined(separator: " \t")
        #expect(try DKIMKeyRecord.parse("v=DKIM1; p=\(spaced)").publicKey == rsa2048Key)
    }

    @Test func parse_lowerCasesKeyTypeAndLists() throws {
        let record = try DKIMKeyRecord.parse("k=RSA; h=SHA1:SHA256; s=Email; p=ABC")
        #expect(record.keyType == "rsa")
        #expect(record.hashAlgorithms == ["sha1", "sha256"])
        #expect(record.serviceTypes == ["email"])
    }

    @Test(arguments: [
        ("k=rsa; v=DKIM1; p=ABC", "must be the first tag"),
        ("v=DKIM2; p=ABC", "is not DKIM1"),
        ("v=DKIM1; k=rsa", "no p= tag"),
        ("v=DKIM1; p=AB$C", "\"$\", which is not base64"),
        ("v=DKIM1;; p=ABC", "does not parse"),
    ])
    func parse_refusesInvalidRecords_sayingWhy(text: String, reasonPart: String) {
        #expect {
            try DKIMKeyRecord.parse(text)
        } throws: { error in
            (error as? DKIMKeyRecord.ParseError)?.reason.contains(reasonPart) == true
        }
    }

    @Test(arguments: [
        ("p=", "revoked"),
        ("v=DKIM1; p= ", "revoked"),
        ("k=ed25519; p=ABC", "k=ed25519 is not rsa"),
        ("h=sha1; p=ABC", "h=sha1 does not allow sha256"),
        ("s=other; p=ABC", "s=other does not allow email"),
    ])
    func unusableReason_namesWhatKeepsTheKeyFromSigningOurMail(text: String, reasonPart: String) throws {
        let reason = try DKIMKeyRecord.parse(text).unusableReason
        #expect(reason?.contains(reasonPart) == true)
    }

    @Test(arguments: ["h=sha1:sha256; p=ABC", "s=*; p=ABC", "s=email:other; p=ABC", "k=rsa; p=ABC"])
    func unusableReason_isNilForUsableKeys(text: String) throws {
        #expect(try DKIMKeyRecord.parse(text).unusableReason == nil)
    }

    @Test(arguments: [
        ("v=DKIM1; p=ABC", true),
        ("V=dkim1; k=rsa", true),
        ("p=ABC", true),
        ("k=rsa; p=", true),
        ("\"v=DKIM1; p=ABC\"", true),
        ("\"p=ABC\"", true),
        ("google-site-verification=abc123", false),
        ("v=spf1 -all", false),
        ("k=rsa", false),
    ])
    func looksLikeKeyRecord_separatesKeyRecordsFromOtherTXT(text: String, expected: Bool) {
        #expect(DKIMKeyRecord.looksLikeKeyRecord(text) == expected)
    }
}
