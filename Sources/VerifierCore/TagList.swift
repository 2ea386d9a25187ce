// The tag=value list syntax shared by DKIM key records and DMARC records (RFC 6376 §3.2).

/// A parsed tag list: tags in the order written, names case-sensitive as the RFC says.
public struct TagList: Equatable, Sendable {
    public struct Tag: Equatable, Sendable {
        public var name: String
        public var value: String
    }

    public var tags: [Tag]

    public subscript(name: String) -> String? {
        tags.first { $0.name == name }?.value
    }

    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// Parses `text`. White space around names, `=` and values is folding white space and is dropped;
    /// white space inside a value is kept (callers that need it gone, like `p=`, remove it).
    /// Works on the UTF-8 bytes: key records are long and are parsed on every check.
    public static func parse(_ text: String) throws(ParseError) -> TagList {
        let bytes = Array(text.utf8)
        var specs: [Range<Int>] = []
        var specStart = 0
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: ";") {
            specs.append(specStart..<index)
            specStart = index + 1
        }
        specs.append(specStart..<bytes.count)
        var tags: [Tag] = []
        for (index, range) in specs.enumerated() {
            let spec = trimFWS(bytes, range)
            if spec.isEmpty {
                // Only the last spec may be empty: a trailing ";" is allowed, ";;" is not.
                if index == specs.count - 1 && index > 0 { continue }
                throw ParseError(reason: index == 0 && specs.count == 1 ? "the record is empty" : "an empty tag between two \";\"")
            }
            guard let equals = bytes[spec].firstIndex(of: UInt8(ascii: "=")) else {
                throw ParseError(reason: "\"\(String(decoding: bytes[spec].prefix(40), as: UTF8.self))\" is not a tag=value pair")
            }
            let nameRange = trimFWS(bytes, spec.lowerBound..<equals)
            let valueRange = trimFWS(bytes, (equals + 1)..<spec.upperBound)
            let name = String(decoding: bytes[nameRange], as: UTF8.self)
            guard let first = bytes[nameRange].first, isLetter(first),
                  bytes[nameRange].allSatisfy({ isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") }) else {
                throw ParseError(reason: "\"\(name.prefix(40))\" is not a valid tag name")
            }
            let value = String(decoding: bytes[valueRange], as: UTF8.self)
            if !bytes[valueRange].allSatisfy(isValueByte), let bad = value.unicodeScalars.first(where: { !isValueScalar($0) }) {
                throw ParseError(reason: "the value of tag \"\(name)\" contains the character U+\(String(bad.value, radix: 16, uppercase: true))")
            }
            guard !tags.contains(where: { $0.name == name }) else {
                throw ParseError(reason: "the tag \"\(name)\" appears twice")
            }
            tags.append(Tag(name: name, value: value))
        }
        return TagList(tags: tags)
    }

    /// Whether the tag list has a tag named `name`, found without parsing the values.
    package static func hasTag(_ name: String, in text: String) -> Bool {
        let bytes = Array(text.utf8)
        let wanted = Array(name.utf8)
        var position = 0
        while position <= bytes.count {
            let end = bytes[position...].firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
            let spec = trimFWS(bytes, position..<end)
            if let equals = bytes[spec].firstIndex(of: UInt8(ascii: "=")),
               bytes[trimFWS(bytes, spec.lowerBound..<equals)].elementsEqual(wanted) {
                return true
            }
            position = end + 1
        }
        return false
    }

    private static func trimFWS(_ bytes: [UInt8], _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isFWS(bytes[lower]) { lower += 1 }
        while upper > lower, isFWS(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    private static func isFWS(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    private static func isValueByte(_ byte: UInt8) -> Bool {
        (0x21...0x3A).contains(byte) || (0x3C...0x7E).contains(byte) || isFWS(byte)
    }

    /// tval = %x21-3A / %x3C-7E, plus folding white space inside values.
    private static func isValueScalar(_ s: Unicode.Scalar) -> Bool {
        (0x21...0x3A).contains(s.value) || (0x3C...0x7E).contains(s.value) || s == " " || s == "\t" || s == "\r" || s == "\n"
    }
}

extension StringProtocol {
    /// Drops spaces, tabs and line breaks at both ends.
    func trimmingFWS() -> SubSequence {
        let isFWS: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r\n" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isFWS($0) }) else { return self[endIndex...] }
        let end = lastIndex(where: { !isFWS($0) })!
        return self[start...end]
    }
}
