// DKIM keys from OpenSSL, checked by openssl(1) and by an independent DKIM implementation (dkimpy).
import Foundation
import Testing
import VerifierCore
import VerifierKeys
import TestSupport

@Suite struct DKIMKeyPairTests {
    static let key2048 = try! DKIMKeyPair.generate()

    @Test func defaultKey_isRSA2048() {
        #expect(Self.key2048.bits == 2048)
        #expect(Self.key2048.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
    }

    @Test(arguments: [1024, 2048])
    func publicKey_isASubjectPublicKeyInfoThatOpenSSLReads(bits: Int) throws {
        let key = bits == 2048 ? Self.key2048 : try DKIMKeyPair.generate(bits: 1024)
        let der = try #require(Data(base64Encoded: key.publicKeyBase64))
        let directory = try TemporaryDirectory()
        let file = try directory.file("pub.der", contents: der)
        let text = try run("/usr/bin/openssl", ["pkey", "-pubin", "-inform", "DER", "-in", file, "-noout", "-text"])
        #expect(text.status == 0)
        #expect(text.output.contains("Public-Key: (\(bits) bit)"))
    }

    @Test(arguments: [512, 4096, 0])
    func unsupportedSizes_areRefused(bits: Int) {
        #expect(throws: KeyError.self) { try DKIMKeyPair.generate(bits: bits) }
    }

    @Test func privateKey_roundTripsThroughPEM() throws {
        let loaded = try DKIMKeyPair.load(privateKeyPEM: Self.key2048.privateKeyPEM)
        #expect(loaded.publicKeyBase64 == Self.key2048.publicKeyBase64)
        #expect(loaded.bits == 2048)
    }

    @Test func garbagePEM_isRefused() {
        #expect(throws: KeyError.self) { try DKIMKeyPair.load(privateKeyPEM: "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n") }
    }

    @Test func writtenPrivateKey_hasMode0600_evenUnderAPermissiveUmask() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/key.pem"
        let old = umask(0)
        defer { umask(old) }
        try Self.key2048.writePrivateKey(to: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == Self.key2048.privateKeyPEM)
    }

    @Test func description_neverShowsThePrivateKey() {
        let body = Self.key2048.privateKeyPEM.split(separator: "\n")[1]
        for text in ["\(Self.key2048)", String(describing: Self.key2048), String(reflecting: Self.key2048)] {
            #expect(!text.contains("PRIVATE KEY"))
            #expect(!text.contains(body))
        }
    }

    @Test func signature_verifiesWithDkimpy_againstOurRecord() throws {
        let record = RecordPolicy().records(for: DomainRecordInputs(
            name: "example.com", region: "us-east-1", returnPath: "send",
            dkimPublicKey: Self.key2048.publicKeyBase64, dkimSelector: "resend"))[0]
        let result = try dkimpy(privateKey: Self.key2048.privateKeyPEM, record: record.value)
        #expect(result == "verified")
    }

    @Test func signature_failsWithDkimpy_againstAnotherKey() throws {
        let other = try DKIMKeyPair.generate(bits: 1024)
        let result = try dkimpy(privateKey: Self.key2048.privateKeyPEM, record: "p=\(other.publicKeyBase64)")
        #expect(result == "failed")
    }

    /// Signs a message with `privateKey` and verifies it with a dnsfunc that serves `record`.
    private func dkimpy(privateKey: String, record: String) throws -> String {
        let directory = try TemporaryDirectory()
        let keyFile = try directory.file("key.pem", contents: Data(privateKey.utf8))
        let recordFile = try directory.file("record.txt", contents: Data(record.utf8))
        let script = """
            import sys, dkim
            key = open(sys.argv[1], 'rb').read()
            record = open(sys.argv[2], 'rb').read()
            message = b"From: a@example.com\\r\\nTo: b@example.org\\r\\nSubject: test\\r\\n\\r\\nHello.\\r\\n"
            signature = dkim.sign(message, b"resend", b"example.com", key, include_headers=[b"from", b"to", b"subject"])
            def dnsfunc(name, timeout=5):
                assert name == b"resend._domainkey.example.com.", name
                return record
            print("verified" if dkim.verify(signature + message, dnsfunc=dnsfunc) else "failed")
            """
        let result = try run("/usr/bin/env", ["python3", "-c", script, keyFile, recordFile])
        #expect(result.status == 0, "python3 failed: \(result.output)")
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
