// A bounds-checked reader of DNS wire-format answers (RFC 1035 §4): the CNAME chain, TXT strings kept apart, MX.
//
// Written here rather than taken from a library: libunbound's result structure flattens the chain
// and its public API exposes no parser, ldns is not otherwise needed, and what the checks need is a
// small reader that never traps on hostile input.
import VerifierCore

/// One resource record of a message's answer section.
package struct WireRecord {
    package var owner: String
    package var type: UInt16
    package var rdata: ArraySlice<UInt8>
    /// Where `rdata` starts in the message, for names compressed inside it.
    package var rdataOffset: Int
}

/// A parsed DNS message, as far as the checks need it.
package struct DNSMessage {
    package var id: UInt16
    package var rcode: Int
    package var truncated: Bool
    package var answers: [WireRecord]
    package let bytes: [UInt8]

    package struct ParseError: Error, Equatable, CustomStringConvertible {
        package let reason: String
        package var description: String { reason }
    }

    package init(_ bytes: [UInt8]) throws(ParseError) {
        self.bytes = bytes
        var reader = Reader(bytes: bytes)
        id = try reader.u16()
        let flags = try reader.u16()
        truncated = flags & 0x0200 != 0
        rcode = Int(flags & 0x000F)
        let questions = try reader.u16()
        let answerCount = try reader.u16()
        let authorityCount = try reader.u16()
        let additionalCount = try reader.u16()
        for _ in 0..<questions {
            _ = try reader.name()
            try reader.skip(4)
        }
        var answers: [WireRecord] = []
        for _ in 0..<answerCount { answers.append(try reader.record()) }
        for _ in 0..<authorityCount { _ = try reader.record() }
        for _ in 0..<additionalCount { _ = try reader.record() }
        self.answers = answers
    }

    /// The name at `offset` in this message (compression pointers allowed).
    package func name(at offset: Int) throws(ParseError) -> String {
        var reader = Reader(bytes: bytes, position: offset)
        return try reader.name()
    }

    /// Follows CNAMEs from `name` through the answer section; returns the chain and the final name.
    package func cnameChain(from name: String) throws(ParseError) -> (chain: [String], final: String) {
        var current = name
        var chain: [String] = []
        while let cname = answers.first(where: { $0.type == 5 && $0.owner.dnsNameEquals(current) }) {
            let target = try self.name(at: cname.rdataOffset)
            guard chain.count < 16, !chain.contains(where: { $0.dnsNameEquals(target) }), !target.dnsNameEquals(name) else {
                throw ParseError(reason: "CNAME loop at \(target)")
            }
            chain.append(target)
            current = target
        }
        return (chain, current)
    }
}

/// TXT and MX RDATA.
package enum RData {
    /// The character-strings of a TXT RDATA; nil when the lengths do not add up.
    package static func txtStrings(_ rdata: ArraySlice<UInt8>) -> [[UInt8]]? {
        var strings: [[UInt8]] = []
        var rest = rdata
        while let length = rest.first {
            rest = rest.dropFirst()
            guard rest.count >= Int(length) else { return nil }
            strings.append(Array(rest.prefix(Int(length))))
            rest = rest.dropFirst(Int(length))
        }
        return strings
    }
}

private struct Reader {
    let bytes: [UInt8]
    var position = 0

    mutating func u8() throws(DNSMessage.ParseError) -> UInt8 {
        guard position < bytes.count else { throw DNSMessage.ParseError(reason: "the message ends early") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16() throws(DNSMessage.ParseError) -> UInt16 {
        UInt16(try u8()) << 8 | UInt16(try u8())
    }

    mutating func skip(_ count: Int) throws(DNSMessage.ParseError) {
        guard count <= bytes.count - position else { throw DNSMessage.ParseError(reason: "the message ends early") }
        position += count
    }

    mutating func record() throws(DNSMessage.ParseError) -> WireRecord {
        let owner = try name()
        let type = try u16()
        try skip(6)  // class, TTL
        let length = Int(try u16())
        let start = position
        try skip(length)
        return WireRecord(owner: owner, type: type, rdata: bytes[start..<start + length], rdataOffset: start)
    }

    /// A domain name in presentation form without the trailing dot ("" for the root).
    mutating func name() throws(DNSMessage.ParseError) -> String {
        var labels: [String] = []
        var cursor = position
        var jumped = false
        var jumps = 0
        var total = 0
        while true {
            guard cursor < bytes.count else { throw DNSMessage.ParseError(reason: "a name runs past the message") }
            let length = Int(bytes[cursor])
            switch length & 0xC0 {
            case 0xC0:
                guard cursor + 1 < bytes.count else { throw DNSMessage.ParseError(reason: "a compression pointer is cut off") }
                let target = (length & 0x3F) << 8 | Int(bytes[cursor + 1])
                jumps += 1
                guard jumps <= 64, target < cursor || jumped else {
                    throw DNSMessage.ParseError(reason: "a compression pointer loops or points forward")
                }
                if !jumped { position = cursor + 2 }
                jumped = true
                cursor = target
            case 0x00:
                if length == 0 {
                    if !jumped { position = cursor + 1 }
                    return labels.joined(separator: ".")
                }
                guard cursor + 1 + length <= bytes.count else { throw DNSMessage.ParseError(reason: "a label runs past the message") }
                total += length + 1
                guard total <= 255 else { throw DNSMessage.ParseError(reason: "a name is longer than 255 bytes") }
                labels.append(Self.presentation(bytes[(cursor + 1)...(cursor + length)]))
                cursor += 1 + length
            default:
                throw DNSMessage.ParseError(reason: "a label has the reserved type bits \(length >> 6)")
            }
        }
    }

    /// A label with dots, backslashes and non-printable bytes escaped as in master files.
    static func presentation(_ label: ArraySlice<UInt8>) -> String {
        if label.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: ".") && $0 != UInt8(ascii: "\\") }) {
            return String(decoding: label, as: UTF8.self)
        }
        var text = ""
        for byte in label {
            switch byte {
            case UInt8(ascii: "."), UInt8(ascii: "\\"):
                text += "\\" + String(UnicodeScalar(byte))
            case 0x21...0x7E:
                text.unicodeScalars.append(UnicodeScalar(byte))
            default:
                let digits = String(byte)
                text += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
            }
        }
        return text
    }
}
