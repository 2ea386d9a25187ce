// Fuzz entries for names and small texts: domain names (libidn2, libpsl), durations, zone-file TXT strings.
import Foundation
import VerifierCore
import VerifierNames

enum TextFuzzing {
    /// The real name services the daemon uses, loaded once: libpsl reads the whole list on load.
    static let services = SystemNameServices()
    static let rules = DomainNameRules(services: services, denyList: ["gmail.com", "googlemail.com", "outlook.com"],
                                       regions: ["us-east-1", "eu-west-1", "sa-east-1"])

    /// A name that normalises is a lower-case LDH A-label that passes the label checks, is no public
    /// suffix, and normalises to itself. A return path that validates is one LDH label.
    static func domainName(_ bytes: [UInt8]) throws(InvariantViolation) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = IPAddressSyntax.isIPAddress(text)
        _ = try? rules.validateRegion(text)
        if let name = try? rules.normalizeName(text) {
            try expect(name.utf8.allSatisfy { isLowerLDH($0) || $0 == UInt8(ascii: ".") }, "domain",
                       "\(shown(text)) normalised to \(shown(name)), which is not lower-case LDH")
            do {
                try DomainNameRules.checkLabels(name, raw: text, field: "name")
            } catch {
                throw InvariantViolation(target: "domain", message: "\(shown(text)) normalised to \(shown(name)), which fails the label checks: \(error)")
            }
            try expect(!services.isPublicSuffix(name), "domain", "\(shown(text)) normalised to the public suffix \(shown(name))")
            let again = Result { () throws(ValidationError) in try rules.normalizeName(name) }
            try expect((try? again.get()) == name, "domain", "\(shown(text)) normalised to \(shown(name)), which normalises to \(again)")
            if let label = try? rules.normalizeReturnPath("send", domain: name) {
                try expect(label == "send", "domain", "the return path send became \(shown(label))")
            }
        }
        if let label = try? rules.normalizeReturnPath(text, domain: "example.com") {
            try expect((1...63).contains(label.utf8.count) && label.utf8.allSatisfy(isLowerLDH), "domain",
                       "return path \(shown(text)) validated as \(shown(label)), which is not one LDH label")
        }
    }

    /// A duration that parses is finite and at most 100 years, and its printed form parses back to it
    /// (to the millisecond, the precision it is printed with).
    static func duration(_ bytes: [UInt8]) throws(InvariantViolation) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let seconds = try? DurationText.parse(text) else { return }
        try expect(seconds.isFinite && seconds >= 0 && seconds <= 100 * 365 * 86400, "duration", "\(shown(text)) parsed to \(seconds) s")
        let printed = DurationText.format(seconds)
        let again = try? DurationText.parse(printed)
        try expect(again.map { abs($0 - seconds) <= 0.0005 + seconds * 1e-12 } == true, "duration",
                   "\(shown(text)) is \(seconds) s, printed \(shown(printed)), which parses to \(again.map { "\($0) s" } ?? "an error")")
    }

    /// TXT values split into strings of at most 255 bytes that join back to the value; rendered for a
    /// zone file they are printable ASCII and unescape to the same strings.
    static func zoneFile(_ bytes: [UInt8]) throws(InvariantViolation) {
        let value = String(decoding: bytes, as: UTF8.self)
        let chunks = ZoneFile.splitTXT(value)
        try expect(chunks.allSatisfy { $0.count <= 255 }, "zonefile", "a string longer than 255 bytes")
        try expect(Array(chunks.joined()) == Array(value.utf8), "zonefile", "the strings do not join back to \(shown(value))")
        let rendered = ZoneFile.txtStrings(value)
        try expect(rendered.utf8.allSatisfy { (0x20...0x7E).contains($0) }, "zonefile", "\(shown(rendered)) is not printable ASCII")
        try expect(unescape(rendered) == chunks, "zonefile", "\(shown(rendered)) does not unescape to the strings of \(shown(value))")
        let spec = RecordSpec(kind: .spfTXT, name: "send", fqdn: "send.example.com", value: value)
        let zone = ZoneFile.render([spec], domain: "example.com")
        try expect(zone.hasSuffix("IN TXT \(rendered)\n"), "zonefile", "the zone file does not end with the TXT strings")
        _ = TXTRecord(strings: chunks).text
    }

    /// Reads master-file character-strings back: `"…" "…"`, with `\"`, `\\` and `\DDD` escapes.
    static func unescape(_ rendered: String) -> [[UInt8]]? {
        var strings: [[UInt8]] = []
        var bytes = Array(rendered.utf8)[...]
        while let quote = bytes.popFirst() {
            guard quote == UInt8(ascii: "\"") else { return nil }
            var string: [UInt8] = []
            while true {
                guard let byte = bytes.popFirst() else { return nil }
                if byte == UInt8(ascii: "\"") { break }
                guard byte == UInt8(ascii: "\\") else {
                    string.append(byte)
                    continue
                }
                guard let next = bytes.first else { return nil }
                if next == UInt8(ascii: "\"") || next == UInt8(ascii: "\\") {
                    string.append(next)
                    bytes = bytes.dropFirst()
                } else {
                    guard bytes.count >= 3, let code = UInt8(String(decoding: bytes.prefix(3), as: UTF8.self)) else { return nil }
                    string.append(code)
                    bytes = bytes.dropFirst(3)
                }
            }
            strings.append(string)
            if let separator = bytes.popFirst(), separator != UInt8(ascii: " ") || bytes.isEmpty { return nil }
        }
        return strings
    }

    private static func isLowerLDH(_ byte: UInt8) -> Bool {
        (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == UInt8(ascii: "-")
    }
}
