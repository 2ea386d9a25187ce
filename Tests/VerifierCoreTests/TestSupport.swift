// Shared fixtures for the core tests: a seeded random source, a fake name service, fixed times and keys.
import Foundation
import TestSupport
@testable import VerifierCore


/// A fixed IDNA table and public suffix set standing in for libidn2 and libpsl.
struct FakeNameServices: DomainNameServices {
    static let publicSuffixes: Set<String> = ["com", "co.uk", "uk", "github.io", "io", "example", "test"]
    static let aLabels: [String: String] = [
        "bücher.example": "xn--bcher-kva.example",
        "BÜCHER.example": "xn--bcher-kva.example",
        "xn--bcher-kva.example": "xn--bcher-kva.example",
        "münchen.test": "xn--mnchen-3ya.test",
        "bücher。example": "xn--bcher-kva.example",
    ]

    func toASCII(_ name: String) throws(IDNAError) -> String {
        guard let ascii = Self.aLabels[name] ?? Self.aLabels[name.lowercased()] else {
            throw IDNAError(reason: "disallowed code point in \(name)")
        }
        return ascii
    }

    func isPublicSuffix(_ name: String) -> Bool { Self.publicSuffixes.contains(name) }
}

/// A point in time tests start from; whole seconds so that encoding round-trips exactly.
let t0 = Date(timeIntervalSince1970: 1_750_000_000)

extension TimeInterval {
    static func seconds(_ n: Double) -> TimeInterval { n }
    static func minutes(_ n: Double) -> TimeInterval { n * 60 }
    static func hours(_ n: Double) -> TimeInterval { n * 3600 }
}

/// A 2048-bit RSA SubjectPublicKeyInfo, base64 (392 characters), as the daemon publishes it.
let rsa2048Key = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA6YyyRg6Vz9vDLocS3w69JmuqnA+JCyRXH25klir2tvGZXeUHMf7DRS97hRy4hdAyBGVPVXwWhEor6M3G3pVAXowVY2hskV06Gn6hNUzbLsYEL6b5GR0aDtQOqfEPJUPRXo9UqxJMOWa1Ektb00CRq5vh2PRXNcFCG2lyt8SB6U5yLFB8VQSluRX8Y0Tp4N2sR+xEOKbW9xANg1yfK5Lc4bsOgvZ5Xs9xCgR66rPfskH2icFQC+WPNf+mBCIl973j6g+4QUdZ1+NTp2y4H0A6i7IQSP93L656B+Ll91J/hGmkOadcSepX9FMYhVfqG8xphKhOI2JLfUEaUX4ohTAH6QIDAQAB"

/// Another key (1024-bit), standing for an old key or another provider's.
let otherKey = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDHKSNrl3Vk8yWIhziTwCi8RqeBkYc4oZPOKZZ+B4gddy3oCah8lMESIYsPfHd/pRafH51uo+KpeThCwB8vxBXebpfJAg4T1d/eUHNfRaMwzk43bXsayGt4rb6crhmrLCCry6MKDpRdm7tPcGR2HE5OKkSq489ZLGiUh69FdwToPwIDAQAB"

/// The records of `example.com` with the default policy, region us-east-1 and return path `send`.
func exampleRecords(policy: RecordPolicy = RecordPolicy()) -> [RecordSpec] {
    policy.records(for: DomainRecordInputs(name: "example.com", region: "us-east-1", returnPath: "send",
                                           dkimPublicKey: rsa2048Key, dkimSelector: "resend"))
}

func exampleSpec(_ kind: RecordKind) -> RecordSpec {
    exampleRecords().first { $0.kind == kind }!
}

/// Check summaries the machine is fed.
enum Summaries {
    static let allMatch = CheckSummary(outcomes: [.dkim: .match, .spfMX: .match, .spfTXT: .match, .dmarc: .noHost])
    static let miss = CheckSummary(outcomes: [.dkim: .match, .spfMX: .match, .spfTXT: .noRecord])
    static let dnsError = CheckSummary(outcomes: [.dkim: .dnsError, .spfMX: .match, .spfTXT: .match])
}
