// SPF records (RFC 7208 §4.5, §5, §6, §12): a real parser of mechanisms, qualifiers and modifiers.
import Foundation


/// A parsed SPF record.
public struct SPFRecord: Equatable, Sendable {
    public enum Qualifier: Character, Sendable {
        case pass = "+", fail = "-", softFail = "~", neutral = "?"
    }

    public enum Mechanism: Equatable, Sendable {
        case all
        case include(String)
        case a(String?, cidr: String?)
        case mx(String?, cidr: String?)
        case ptr(String?)
        case ip4(String)
        case ip6(String)
        case exists(String)

        /// Whether evaluating this mechanism costs a DNS lookup toward the limit of 10 (§4.6.4).
        public var countsAsLookup: Bool {
            switch self {
            case .include, .a, .mx, .ptr, .exists: true
            case .all, .ip4, .ip6: false
            }
        }
    }

    public enum Term: Equatable, Sendable {
        case directive(Qualifier, Mechanism)
        case modifier(name: String, value: String)
    }

    public var terms: [Term]

    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// Whether a TXT value is an SPF record: `v=spf1` (any case) followed by a space or nothing (§4.5).
    public static func isSPF(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower == "v=spf1" || lower.hasPrefix("v=spf1 ")
    }

    /// The `redirect=` target, if any.
    public var redirect: String? {
        for case let .modifier(name, value) in terms where name.lowercased() == "redirect" { return value }
        return nil
    }

    /// The directives in order.
    public var directives: [(qualifier: Qualifier, mechanism: Mechanism)] {
        terms.compactMap { term in
            if case let .directive(qualifier, mechanism) = term { return (qualifier, mechanism) }
            return nil
        }
    }

    public static func parse(_ text: String) throws(ParseError) -> SPFRecord {
        guard isSPF(text) else {
            throw ParseError(reason: "the record does not start with v=spf1")
        }
        if let bad = text.unicodeScalars.first(where: { $0.value < 0x20 || $0.value > 0x7E }) {
            throw ParseError(reason: "the record contains the character U+\(String(bad.value, radix: 16, uppercase: true)); SPF allows printable ASCII only")
        }
        var terms: [Term] = []
        var modifierNames = Set<String>()
        for token in text.split(separator: " ").dropFirst() {
            let term = try parseTerm(String(token))
            if case let .modifier(name, _) = term {
                let lower = name.lowercased()
                if (lower == "redirect" || lower == "exp"), !modifierNames.insert(lower).inserted {
                    throw ParseError(reason: "the modifier \(lower)= appears twice")
                }
            }
            terms.append(term)
        }
        return SPFRecord(terms: terms)
    }

    private static func parseTerm(_ token: String) throws(ParseError) -> Term {
        // A modifier is name "=" value, with a name made of ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
        if let equals = token.firstIndex(of: "="), !token[..<equals].contains(":"), !token[..<equals].contains("/") {
            let name = String(token[..<equals])
            let value = String(token[token.index(after: equals)...])
            guard let first = name.unicodeScalars.first, first.isASCIILetter,
                  name.unicodeScalars.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || "-_.".unicodeScalars.contains($0) }) else {
                throw ParseError(reason: "\"\(token)\" is not a valid modifier")
            }
            let lower = name.lowercased()
            if lower == "redirect" || lower == "exp" {
                try checkDomainSpec(value, in: token)
            } else {
                try checkMacroString(value, in: token)
            }
            return .modifier(name: name, value: value)
        }
        var rest = Substring(token)
        var qualifier = Qualifier.pass
        if let first = rest.first, let q = Qualifier(rawValue: first) {
            qualifier = q
            rest = rest.dropFirst()
        }
        let nameEnd = rest.firstIndex { $0 == ":" || $0 == "/" } ?? rest.endIndex
        let name = rest[..<nameEnd].lowercased()
        let argument: String? = rest[nameEnd...].first == ":" ? String(rest[rest.index(after: nameEnd)...]) : nil
        let cidrOnly: String? = rest[nameEnd...].first == "/" ? String(rest[nameEnd...]) : nil

        func required(_ what: String) throws(ParseError) -> String {
            guard let argument, !argument.isEmpty else {
                throw ParseError(reason: "\"\(token)\": \(name) needs \(what) after \":\"")
            }
            return argument
        }
        func domainAndCIDR() throws(ParseError) -> (String?, String?) {
            if let cidrOnly {
                try checkDualCIDR(cidrOnly, in: token)
                return (nil, cidrOnly)
            }
            guard let argument else { return (nil, nil) }
            let (domain, cidr) = splitCIDR(argument)
            try checkDomainSpec(domain, in: token)
            if let cidr { try checkDualCIDR(cidr, in: token) }
            return (domain, cidr)
        }

        switch name {
        case "all":
            guard argument == nil, cidrOnly == nil else { throw ParseError(reason: "\"\(token)\": all takes no argument") }
            return .directive(qualifier, .all)
        case "include":
            let domain = try required("a domain")
            try checkDomainSpec(domain, in: token)
            return .directive(qualifier, .include(domain))
        case "exists":
            let domain = try required("a domain")
            try checkDomainSpec(domain, in: token)
            return .directive(qualifier, .exists(domain))
        case "a":
            let (domain, cidr) = try domainAndCIDR()
            return .directive(qualifier, .a(domain, cidr: cidr))
        case "mx":
            let (domain, cidr) = try domainAndCIDR()
            return .directive(qualifier, .mx(domain, cidr: cidr))
        case "ptr":
            guard cidrOnly == nil else { throw ParseError(reason: "\"\(token)\": ptr takes no prefix length") }
            if let argument { try checkDomainSpec(argument, in: token) }
            return .directive(qualifier, .ptr(argument))
        case "ip4":
            let network = try required("an IPv4 network")
            try checkIP4(network, in: token)
            return .directive(qualifier, .ip4(network))
        case "ip6":
            let network = try required("an IPv6 network")
            try checkIP6(network, in: token)
            return .directive(qualifier, .ip6(network))
        default:
            throw ParseError(reason: "\"\(token)\" is not an SPF mechanism (all, include, a, mx, ptr, ip4, ip6, exists)")
        }
    }

    private static func splitCIDR(_ argument: String) -> (String, String?) {
        guard let slash = argument.firstIndex(of: "/") else { return (argument, nil) }
        return (String(argument[..<slash]), String(argument[slash...]))
    }

    private static func checkDualCIDR(_ cidr: String, in token: String) throws(ParseError) {
        // "/n", "//m" or "/n//m"
        let parts = cidr.components(separatedBy: "//")
        func check(_ text: String, max: Int) throws(ParseError) {
            guard let value = Int(text), value >= 0, value <= max, text.allSatisfy(\.isNumber), text.count <= 3 else {
                throw ParseError(reason: "\"\(token)\": \"\(text)\" is not a prefix length from 0 to \(max)")
            }
        }
        switch parts.count {
        case 1:
            guard cidr.hasPrefix("/") else { throw ParseError(reason: "\"\(token)\": bad prefix length") }
            try check(String(cidr.dropFirst()), max: 32)
        case 2:
            if !parts[0].isEmpty {
                guard parts[0].hasPrefix("/") else { throw ParseError(reason: "\"\(token)\": bad prefix length") }
                try check(String(parts[0].dropFirst()), max: 32)
            }
            try check(parts[1], max: 128)
        default:
            throw ParseError(reason: "\"\(token)\": bad prefix length")
        }
    }

    private static func checkIP4(_ network: String, in token: String) throws(ParseError) {
        let (address, cidr) = splitCIDR(network)
        let octets = address.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) && Int($0)! <= 255 }) else {
            throw ParseError(reason: "\"\(token)\": \"\(address)\" is not an IPv4 address")
        }
        if let cidr {
            guard let length = Int(cidr.dropFirst()), cidr.dropFirst().allSatisfy(\.isNumber), (0...32).contains(length) else {
                throw ParseError(reason: "\"\(token)\": \"\(cidr)\" is not a prefix length from 0 to 32")
            }
        }
    }

    private static func checkIP6(_ network: String, in token: String) throws(ParseError) {
        let (address, cidr) = splitCIDR(network)
        guard isIPv6Address(address) else {
            throw ParseError(reason: "\"\(token)\": \"\(address)\" is not an IPv6 address")
        }
        if let cidr {
            guard let length = Int(cidr.dropFirst()), cidr.dropFirst().allSatisfy(\.isNumber), (0...128).contains(length) else {
                throw ParseError(reason: "\"\(token)\": \"\(cidr)\" is not a prefix length from 0 to 128")
            }
        }
    }

    /// RFC 4291 §2.2 text form: eight groups of 1–4 hex digits, the last two of which may be written as
    /// a dotted IPv4 address, with at most one "::" standing for one or more groups of zeros.
    private static func isIPv6Address(_ address: String) -> Bool {
        let halves = address.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        var groups = 0
        for (index, half) in halves.enumerated() where !half.isEmpty {
            let parts = half.split(separator: ":", omittingEmptySubsequences: false)
            for (position, part) in parts.enumerated() {
                if index == halves.count - 1, position == parts.count - 1, part.contains(".") {
                    let octets = part.split(separator: ".", omittingEmptySubsequences: false)
                    guard octets.count == 4, octets.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) && Int($0)! <= 255 }) else {
                        return false
                    }
                    groups += 2
                } else {
                    guard (1...4).contains(part.count), part.allSatisfy(\.isHexDigit) else { return false }
                    groups += 1
                }
            }
        }
        return halves.count == 2 ? groups <= 7 : groups == 8
    }

    /// macro-string: literals %x21-24 / %x26-7E and macro-expands.
    private static func checkMacroString(_ text: String, in token: String) throws(ParseError) {
        var scalars = text.unicodeScalars[...]
        while let scalar = scalars.popFirst() {
            guard scalar == "%" else {
                guard (0x21...0x7E).contains(scalar.value) else {
                    throw ParseError(reason: "\"\(token)\" contains a character SPF does not allow")
                }
                continue
            }
            guard let next = scalars.popFirst() else {
                throw ParseError(reason: "\"\(token)\" ends with a lone \"%\"")
            }
            switch next {
            case "%", "_", "-":
                continue
            case "{":
                guard let close = scalars.firstIndex(of: "}") else {
                    throw ParseError(reason: "\"\(token)\" has an unclosed macro \"%{\"")
                }
                let body = String(scalars[..<close])
                scalars = scalars[scalars.index(after: close)...]
                guard let letter = body.first, "slodiphcrtv".contains(letter.lowercased()) else {
                    throw ParseError(reason: "\"\(token)\": \"%{\(body)}\" is not a known macro")
                }
                var rest = body.dropFirst().drop { $0.isNumber }
                if rest.first == "r" || rest.first == "R" { rest = rest.dropFirst() }
                guard rest.allSatisfy({ ".-+,/_=".contains($0) }) else {
                    throw ParseError(reason: "\"\(token)\": \"%{\(body)}\" is not a valid macro")
                }
            default:
                throw ParseError(reason: "\"\(token)\": \"%\(Character(next))\" is not a macro; write %% for a literal %")
            }
        }
    }

    /// domain-spec: a macro-string ending in a top label or a macro.
    private static func checkDomainSpec(_ domain: String, in token: String) throws(ParseError) {
        guard !domain.isEmpty else { throw ParseError(reason: "\"\(token)\" has an empty domain") }
        try checkMacroString(domain, in: token)
        if domain.hasSuffix("}") { return }
        let body = domain.hasSuffix(".") ? String(domain.dropLast()) : domain
        guard let lastDot = body.lastIndex(of: ".") else {
            throw ParseError(reason: "\"\(token)\": \"\(domain)\" is not a fully qualified domain")
        }
        let top = body[body.index(after: lastDot)...]
        let isAlnum: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber) }
        guard !top.isEmpty, top.allSatisfy({ isAlnum($0) || $0 == "-" }), top.contains(where: { $0.isLetter }) || top.contains("-"),
              !top.hasPrefix("-"), !top.hasSuffix("-") else {
            throw ParseError(reason: "\"\(token)\": \"\(domain)\" does not end in a valid top-level label")
        }
    }
}

extension SPFRecord.Mechanism {
    /// The domain this mechanism names, when it names one without macros.
    public var targetDomain: String? {
        switch self {
        case let .include(domain), let .exists(domain): domain
        case let .a(domain, _), let .mx(domain, _): domain
        case let .ptr(domain): domain
        case .all, .ip4, .ip6: nil
        }
    }
}
