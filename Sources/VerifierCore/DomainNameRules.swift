// Normalisation and validation of a customer's domain name, return path and region (spec §2).
import Foundation


/// The rules a domain's inputs must follow before a domain is created.
public struct DomainNameRules: Sendable {
    public let services: any DomainNameServices
    /// Shared mailbox providers nobody may add (`gmail.com` and its subdomains).
    public let denyList: Set<String>
    public let regions: [String]

    public init(services: any DomainNameServices, denyList: [String], regions: [String]) {
        self.services = services
        self.denyList = Set(denyList.map { $0.lowercased().trimmingTrailingDot() })
        self.regions = regions
    }

    /// Normalises `raw` to a lower-case A-label without a trailing dot, or says what is wrong with it.
    public func normalizeName(_ raw: String) throws(ValidationError) -> String {
        let name = try Self.normalizeSyntax(raw, services: services, field: "name")
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count < 2 {
            throw ValidationError(field: "name", "\"\(raw)\" has a single label; add the full domain, such as example.com")
        }
        if labels.last!.allSatisfy(\.isNumber) {
            throw ValidationError(field: "name", "\"\(raw)\" ends in an all-numeric label, which no top-level domain is; check for a typo or an IP address")
        }
        if services.isPublicSuffix(name) {
            throw ValidationError(field: "name", "\"\(name)\" is a public suffix, which nobody owns on their own; add a domain registered under it, such as example.\(name)")
        }
        if let denied = deniedProvider(for: name) {
            throw ValidationError(field: "name", "\"\(name)\" belongs to the shared mailbox provider \(denied), whose domain no customer owns; add a domain you control")
        }
        return name
    }

    /// The deny-listed provider that `name` is, or is under.
    public func deniedProvider(for name: String) -> String? {
        var candidate = Substring(name)
        while true {
            if denyList.contains(String(candidate)) { return String(candidate) }
            guard let dot = candidate.firstIndex(of: ".") else { return nil }
            candidate = candidate[candidate.index(after: dot)...]
        }
    }

    /// Validates a custom return path label (`send`), returned lower-case.
    public func normalizeReturnPath(_ raw: String, domain: String) throws(ValidationError) -> String {
        let value = raw.lowercased()
        let field = "custom_return_path"
        if value.isEmpty {
            throw ValidationError(field: field, "custom_return_path is empty; use a subdomain label such as send")
        }
        if value.utf8.count > 63 {
            throw ValidationError(field: field, "custom_return_path is \(value.utf8.count) characters long; it must be 63 or less")
        }
        guard let first = value.unicodeScalars.first, first.isASCIILetter else {
            throw ValidationError(field: field, "custom_return_path \"\(raw)\" must start with a letter")
        }
        if let bad = value.unicodeScalars.first(where: { !($0.isASCIILetter || $0.isASCIIDigit || $0 == "-") }) {
            throw ValidationError(field: field, "custom_return_path \"\(raw)\" contains \"\(Character(bad))\"; use only letters, digits and hyphens (one label, no dots)")
        }
        guard let last = value.unicodeScalars.last, last.isASCIILetter || last.isASCIIDigit else {
            throw ValidationError(field: field, "custom_return_path \"\(raw)\" must end with a letter or a digit")
        }
        if value.utf8.count + 1 + domain.utf8.count > 253 {
            throw ValidationError(field: field, "custom_return_path \"\(raw)\" makes \(value).\(domain) longer than 253 characters; choose a shorter one")
        }
        return value
    }

    /// Validates a sending region against the configured list.
    public func validateRegion(_ raw: String) throws(ValidationError) -> String {
        guard regions.contains(raw) else {
            throw ValidationError(field: "region", "region \"\(raw)\" is not offered; use one of \(regions.joined(separator: ", "))")
        }
        return raw
    }

    /// Shared syntax rules for a host name: trims, removes one trailing dot, refuses IP literals,
    /// converts to an A-label and checks labels. Used for domains and for configured host names.
    public static func normalizeSyntax(_ raw: String, services: any DomainNameServices, field: String) throws(ValidationError) -> String {
        var name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty {
            throw ValidationError(field: field, "\(field) is empty; give a domain such as example.com")
        }
        if let bad = name.unicodeScalars.first(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            throw ValidationError(field: field, "\(field) \(quoted(raw)) contains \(describe(bad)); remove it")
        }
        if IPAddressSyntax.isIPAddress(name) {
            throw ValidationError(field: field, "\(quoted(raw)) is an IP address; add a domain name such as example.com")
        }
        if name.hasSuffix(".") { name.removeLast() }
        let dots: Set<Character> = [".", "\u{3002}", "\u{FF0E}", "\u{FF61}"]
        let rawLabels = name.split(omittingEmptySubsequences: false) { dots.contains($0) }
        if name.isEmpty || rawLabels.contains(where: \.isEmpty) {
            throw ValidationError(field: field, "\(quoted(raw)) has an empty label (two dots in a row, or a dot at the start); remove the extra dot")
        }
        let ascii: String
        if name.unicodeScalars.allSatisfy(\.isASCII) && !rawLabels.contains(where: { $0.lowercased().hasPrefix("xn--") }) {
            ascii = name.lowercased()
        } else {
            do {
                ascii = try services.toASCII(name).lowercased()
            } catch {
                throw ValidationError(field: field, "\(quoted(raw)) is not a valid internationalised domain name (\(error.reason)); check the spelling or give its xn-- form")
            }
        }
        try checkLabels(ascii, raw: raw, field: field)
        return ascii
    }

    /// Checks LDH labels and lengths of an A-label name.
    package static func checkLabels(_ ascii: String, raw: String, field: String) throws(ValidationError) {
        if ascii.utf8.count > 253 {
            throw ValidationError(field: field, "\(quoted(raw)) is \(ascii.utf8.count) characters long as an A-label; a domain name can have at most 253")
        }
        for label in ascii.split(separator: ".", omittingEmptySubsequences: false) {
            if label.isEmpty {
                throw ValidationError(field: field, "\(quoted(raw)) has an empty label; remove the extra dot")
            }
            if label.utf8.count > 63 {
                throw ValidationError(field: field, "label \"\(label.prefix(20))…\" of \(quoted(raw)) is \(label.utf8.count) characters long; a label can have at most 63")
            }
            if let bad = label.unicodeScalars.first(where: { !($0.isASCIILetter || $0.isASCIIDigit || $0 == "-") }) {
                throw ValidationError(field: field, "label \"\(label)\" of \(quoted(raw)) contains \(describe(bad)); host names use only letters, digits and hyphens")
            }
            if label.hasPrefix("-") || label.hasSuffix("-") {
                throw ValidationError(field: field, "label \"\(label)\" of \(quoted(raw)) starts or ends with a hyphen; labels must start and end with a letter or digit")
            }
        }
    }

    private static func quoted(_ raw: String) -> String {
        let shown = raw.count > 80 ? String(raw.prefix(80)) + "…" : raw
        return "\"\(shown.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined())\""
    }

    private static func describe(_ scalar: Unicode.Scalar) -> String {
        if scalar == " " { return "a space" }
        if scalar.value < 0x20 || scalar.value == 0x7F || scalar.properties.isWhitespace {
            return "the control or space character U+\(String(format: "%04X", scalar.value))"
        }
        return "\"\(Character(scalar))\""
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value) }
    var isASCIIDigit: Bool { (0x30...0x39).contains(value) }
}

extension String {
    /// The name without one trailing dot.
    public func trimmingTrailingDot() -> String {
        hasSuffix(".") ? String(dropLast()) : self
    }

    /// Compares two DNS names as DNS does: ASCII case-insensitively, ignoring a trailing dot.
    /// Byte by byte, without copies: it runs for every record of every answer.
    public func dnsNameEquals(_ other: String) -> Bool {
        var a = utf8[...]
        var b = other.utf8[...]
        if a.last == UInt8(ascii: ".") { a = a.dropLast() }
        if b.last == UInt8(ascii: ".") { b = b.dropLast() }
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { x, y in
            x == y || (x | 0x20 == y | 0x20 && (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(x | 0x20))
        }
    }
}
