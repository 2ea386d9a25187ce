// What DNS answered for one name and type: the core's only view of the network.

/// A DNS response code (RFC 1035, RFC 6895).
public struct DNSRCode: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let noError = DNSRCode(rawValue: 0)
    public static let formErr = DNSRCode(rawValue: 1)
    public static let servFail = DNSRCode(rawValue: 2)
    public static let nxDomain = DNSRCode(rawValue: 3)
    public static let notImp = DNSRCode(rawValue: 4)
    public static let refused = DNSRCode(rawValue: 5)

    public var description: String {
        switch rawValue {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        case 6: "YXDOMAIN"
        case 7: "YXRRSET"
        case 8: "NXRRSET"
        case 9: "NOTAUTH"
        case 10: "NOTZONE"
        default: "RCODE\(rawValue)"
        }
    }
}

/// Whether a DNSSEC-validating resolver could prove the answer.
public enum DNSSECState: String, Codable, Sendable {
    /// Signed and validated.
    case secure
    /// Provably unsigned, or not validated (forward mode to a test zone).
    case insecure
    /// Signed but failed validation: treated as a DNS error.
    case bogus
}

/// One TXT record: its character-strings kept apart, as bytes (RFC 1035 §3.3.14).
public struct TXTRecord: Hashable, Codable, Sendable {
    public var strings: [[UInt8]]
    public init(strings: [[UInt8]]) { self.strings = strings }
    public init(_ strings: String...) { self.strings = strings.map { Array($0.utf8) } }

    /// The strings joined with nothing between them (RFC 7208 §3.3, RFC 6376 §3.6.2.2), printable
    /// ASCII kept and every other byte written `\DDD` as in a master file.
    public var text: String {
        // Almost every record is plain printable ASCII: join the bytes as they are.
        if strings.allSatisfy({ $0.allSatisfy { (0x20...0x7E).contains($0) && $0 != UInt8(ascii: "\\") } }) {
            return strings.count == 1 ? String(decoding: strings[0], as: UTF8.self) : String(decoding: strings.joined(), as: UTF8.self)
        }
        var out = ""
        for string in strings {
            for byte in string {
                if (0x20...0x7E).contains(byte) && byte != UInt8(ascii: "\\") {
                    out.unicodeScalars.append(UnicodeScalar(byte))
                } else {
                    out += "\\" + String(format3: byte)
                }
            }
        }
        return out
    }
}

/// One MX record.
public struct MXRecord: Hashable, Codable, Sendable {
    public var preference: UInt16
    public var exchange: String
    public init(preference: UInt16, exchange: String) {
        self.preference = preference
        self.exchange = exchange
    }
}

/// Everything one DNS question produced, as the resolver adapter reports it.
public struct DNSObservation: Equatable, Codable, Sendable {
    /// The name asked for, without a trailing dot.
    public var name: String
    public var type: RecordType
    /// The response code, or nil when no response came (timeout, network error).
    public var rcode: DNSRCode?
    /// Why there is no usable answer when the resolver itself failed ("timeout after 5s").
    public var failure: String?
    /// TXT records at the end of the CNAME chain (when `type` is TXT).
    public var txt: [TXTRecord]
    /// MX records at the end of the CNAME chain (when `type` is MX).
    public var mx: [MXRecord]
    /// The CNAME targets followed, in order.
    public var cnameChain: [String]
    public var dnssec: DNSSECState
    /// The validator's reason when `dnssec` is bogus.
    public var whyBogus: String?

    public init(name: String, type: RecordType, rcode: DNSRCode?, failure: String? = nil,
                txt: [TXTRecord] = [], mx: [MXRecord] = [], cnameChain: [String] = [],
                dnssec: DNSSECState = .insecure, whyBogus: String? = nil) {
        self.name = name
        self.type = type
        self.rcode = rcode
        self.failure = failure
        self.txt = txt
        self.mx = mx
        self.cnameChain = cnameChain
        self.dnssec = dnssec
        self.whyBogus = whyBogus
    }

    /// A resolver failure with no response (timeout, network error, cancelled).
    public static func failure(_ name: String, _ type: RecordType, _ reason: String) -> DNSObservation {
        DNSObservation(name: name, type: type, rcode: nil, failure: reason)
    }

    /// Whether any record of the asked type came back.
    public var hasRecords: Bool { type == .mx ? !mx.isEmpty : !txt.isEmpty }

    /// The error that makes this answer unusable as evidence, or nil when it is a real answer.
    public var errorDetail: String? {
        if let failure { return failure }
        guard let rcode else { return "no response" }
        if dnssec == .bogus { return "DNSSEC validation failed" + (whyBogus.map { ": \($0)" } ?? "") }
        if rcode != .noError && rcode != .nxDomain { return "the server answered \(rcode)" }
        return nil
    }
}
