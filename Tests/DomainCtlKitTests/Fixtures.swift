// Model values the formatting and command tests build their expectations on, and a fixed "now".
import Foundation
import VerifierAPIModels
@testable import DomainCtlKit

enum Fixtures {
    /// 2026-11-28T12:00:00Z
    static let now = Date(timeIntervalSince1970: 1_795_867_200)

    static let dkimValue = "p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmwIDAQAB"

    static let records = [
        RecordResponse(record: "DKIM", name: "resend._domainkey", fqdn: "resend._domainkey.example.com", type: "TXT",
                       status: "pending", value: dkimValue, priority: nil, required: true, lastOutcome: "no_host",
                       observed: [], detail: nil, lastCheckedAt: "2026-11-28T11:58:00.000Z"),
        RecordResponse(record: "SPF", name: "send", fqdn: "send.example.com", type: "MX", status: "verified",
                       value: "feedback-smtp.us-east-1.amazonses.com", priority: 10, required: true, lastOutcome: "match",
                       observed: [], detail: nil, lastCheckedAt: "2026-11-28T11:58:00.000Z"),
        RecordResponse(record: "SPF", name: "send", fqdn: "send.example.com", type: "TXT", status: "pending",
                       value: "v=spf1 include:amazonses.com ~all", priority: nil, required: true, lastOutcome: "wrong_value",
                       observed: ["\"v=spf1 include:amazonses.com ~all\""], detail: nil, lastCheckedAt: "2026-11-28T11:58:00.000Z"),
        RecordResponse(record: "DMARC", name: "_dmarc", fqdn: "_dmarc.example.com", type: "TXT", status: "pending",
                       value: "v=DMARC1; p=none;", priority: nil, required: false, lastOutcome: "dns_error",
                       observed: [], detail: "SERVFAIL from 127.0.0.1@5300", lastCheckedAt: "2026-11-28T11:58:00.000Z"),
    ]

    static let diagnostics = [
        DiagnosticResponse(code: "quoted_value", record: "SPF",
                           message: "The TXT record at send.example.com contains literal quotes.",
                           fix: "Remove the quotation marks around the value in your DNS host's form."),
    ]

    static func domain(name: String = "example.com", id: String = "7d9c1a52-4f0e-4c59-9a51-1f7e3c2b8a10",
                       status: String = "pending", withDetails: Bool = true) -> DomainResponse {
        DomainResponse(
            id: id, name: name, status: status, createdAt: "2026-11-28T09:00:00.000Z", region: "us-east-1",
            customReturnPath: "send", openTracking: true, clickTracking: false,
            dkim: DKIMInfo(selector: "resend", keySize: 2048),
            records: withDetails ? records : nil, diagnostics: withDetails ? diagnostics : nil,
            verification: VerificationResponse(
                startedAt: "2026-11-28T11:00:00.000Z", deadlineAt: "2026-12-01T11:00:00.000Z",
                lastCheckedAt: "2026-11-28T11:58:00.000Z", nextCheckAt: "2026-11-28T12:04:30.000Z", verifiedAt: nil))
    }

    static func json<Value: Encodable>(_ value: Value) -> String {
        String(decoding: try! APIJSON.encoder().encode(value), as: UTF8.self)
    }
}
