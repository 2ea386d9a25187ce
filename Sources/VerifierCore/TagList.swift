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
    public static func parse(_ text: String) throws(ParseError) -> TagList {
        var tags: [Tag] = []
        var seen = Set<String>()
        let specs = text.split(separator: ";", omittingEmptySubsequences: false)
        for (index, rawSpec) in specs.enumerated() {
            let spec = rawSpec.trimmingFWS()
            if spec.isEmpty {
                // Only the last spec may be empty: a trailing ";" is allowed, ";;" is not.
                if index == specs.count - 1 && index > 0 { continue }
                throw ParseError(reason: index == 0 && specs.count == 1 ? "the record is empty" : "an empty tag between two \";\"")
            }
            guard let equals = spec.firstIndex(of: "=") else {
                throw ParseError(reason: "\"\(spec.prefix(40))\" is not a tag=value pair")
            }
            let name = String(spec[..<equals].trimmingFWS())
            let value = String(spec[spec.index(after: equals)...].trimmingFWS())
            guard let first = name.unicodeScalars.first, first.isASCIILetter,
                  name.unicodeScalars.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }) else {
                throw ParseError(reason: "\"\(name.prefix(40))\" is not a valid tag name")
            }
            if let bad = value.unicodeScalars.first(where: { !isValueScalar($0) }) {
                throw ParseError(reason: "the value of tag \"\(name)\" contains the character U+\(String(bad.value, radix: 16, uppercase: true))")
            }
            guard seen.insert(name).inserted else {
                throw ParseError(reason: "the tag \"\(name)\" appears twice")
            }
            tags.append(Tag(name: name, value: value))
        }
        return TagList(tags: tags)
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
