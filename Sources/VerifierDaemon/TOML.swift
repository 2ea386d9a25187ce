// A TOML 1.0 reader that remembers the line of every value, so configuration errors can name it.
//
// Written here because the one TOML package available (TOMLKit 0.6.0) needs a test dependency
// that cannot be fetched on these machines, and exposes no source positions for values; the
// daemon's configuration must say "key X, line N" for every mistake.
import Foundation

/// A parsed TOML value with the line it was written on.
public struct TOMLValue: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        case array([TOMLValue])
        case table([String: TOMLValue])
    }

    public var kind: Kind
    /// 1-based line of the value (for a table: where it was opened).
    public var line: Int

    /// The TOML name of the value's type, for error messages.
    public var typeName: String {
        switch kind {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .boolean: "a boolean"
        case .array: "an array"
        case .table: "a table"
        }
    }
}

/// A TOML syntax error at a line and column.
public struct TOMLError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let reason: String
    public var description: String { "line \(line), column \(column): \(reason)" }
}

public enum TOML {
    /// Parses a whole document into its root table.
    public static func parse(_ text: String) throws(TOMLError) -> [String: TOMLValue] {
        var parser = TOMLParser(Array(text.unicodeScalars))
        return try parser.document()
    }
}

private struct TOMLParser {
    let scalars: [Unicode.Scalar]
    var index = 0
    var line = 1
    var lineStart = 0
    var root = TOMLValue(kind: .table([:]), line: 1)
    /// The path of the table that key/value pairs currently go into.
    var current: [String] = []
    /// Tables defined by a header, and tables defined by dotted keys or inline, to refuse redefinitions.
    var explicitTables = Set<[String]>()
    var inlineOrValueTables = Set<[String]>()
    /// How many arrays and inline tables enclose the value being read. They are read by recursion,
    /// so without a bound a file of nested "[" overflows the stack and kills the daemon at start-up.
    var nesting = 0
    static let maxNesting = 64

    init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

    var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    func error(_ reason: String) -> TOMLError {
        TOMLError(line: line, column: index - lineStart + 1, reason: reason)
    }

    mutating func advance() {
        if scalars[index] == "\n" {
            line += 1
            lineStart = index + 1
        }
        index += 1
    }

    mutating func skipSpaces() {
        while let c = peek, c == " " || c == "\t" { advance() }
    }

    mutating func skipComment() throws(TOMLError) {
        guard peek == "#" else { return }
        while let c = peek, c != "\n" {
            if c.value < 0x20 && c != "\t" || c.value == 0x7F { throw error("control character in a comment") }
            advance()
        }
    }

    /// Spaces, a comment, then the end of the line or of the document.
    mutating func endOfLine() throws(TOMLError) {
        skipSpaces()
        try skipComment()
        if peek == "\r" { advance() }
        guard let c = peek else { return }
        guard c == "\n" else { throw error("expected the end of the line, found \"\(c)\"") }
        advance()
    }

    mutating func document() throws(TOMLError) -> [String: TOMLValue] {
        while peek != nil {
            skipSpaces()
            guard let c = peek else { break }
            switch c {
            case "#", "\n", "\r":
                try endOfLine()
            case "[":
                try tableHeader()
                try endOfLine()
            default:
                try keyValue(into: current)
                try endOfLine()
            }
        }
        guard case let .table(table) = root.kind else { return [:] }
        return table
    }

    mutating func tableHeader() throws(TOMLError) {
        let headerLine = line
        advance()
        if peek == "[" { throw error("arrays of tables ([[...]]) are not used in this configuration") }
        skipSpaces()
        let path = try key()
        skipSpaces()
        guard peek == "]" else { throw error("expected \"]\" to close the table header") }
        advance()
        guard explicitTables.insert(path).inserted, !inlineOrValueTables.contains(path) else {
            throw error("the table [\(path.joined(separator: "."))] is defined twice")
        }
        try ensureTable(path, line: headerLine)
        current = path
    }

    /// key = value, the key possibly dotted, relative to `base`.
    mutating func keyValue(into base: [String]) throws(TOMLError) {
        let keyPath = try key()
        skipSpaces()
        guard peek == "=" else { throw error("expected \"=\" after the key \(keyPath.joined(separator: "."))") }
        advance()
        skipSpaces()
        let valueLine = line
        var value = try self.value()
        value.line = valueLine
        let full = base + keyPath
        if keyPath.count > 1 {
            try ensureTable(Array(full.dropLast()), line: valueLine)
            // Tables made by dotted keys cannot be reopened by a header later.
            for depth in (base.count + 1)..<full.count { inlineOrValueTables.insert(Array(full.prefix(depth))) }
        }
        try insert(value, at: full)
        if case .table = value.kind { inlineOrValueTables.insert(full) }
    }

    mutating func key() throws(TOMLError) -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            guard let c = peek else { throw error("expected a key") }
            if c == "\"" {
                parts.append(try basicString())
            } else if c == "'" {
                parts.append(try literalString())
            } else {
                var bare = ""
                while let c = peek, c.properties.isAlphabetic && c.isASCII || ("0"..."9").contains(c) || c == "_" || c == "-" {
                    bare.unicodeScalars.append(c)
                    advance()
                }
                guard !bare.isEmpty else { throw error("expected a key, found \"\(c)\"") }
                parts.append(bare)
            }
            skipSpaces()
            guard peek == "." else { return parts }
            advance()
        }
    }

    mutating func value() throws(TOMLError) -> TOMLValue {
        let valueLine = line
        guard let c = peek else { throw error("expected a value") }
        switch c {
        case "\"": return TOMLValue(kind: .string(try basicString()), line: valueLine)
        case "'": return TOMLValue(kind: .string(try literalString()), line: valueLine)
        case "[": return TOMLValue(kind: .array(try array()), line: valueLine)
        case "{": return TOMLValue(kind: .table(try inlineTable()), line: valueLine)
        default: return TOMLValue(kind: try scalarValue(), line: valueLine)
        }
    }

    mutating func scalarValue() throws(TOMLError) -> TOMLValue.Kind {
        var text = ""
        while let c = peek, !(c == " " || c == "\t" || c == "\n" || c == "\r" || c == "," || c == "]" || c == "}" || c == "#") {
            text.unicodeScalars.append(c)
            advance()
        }
        switch text {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        case "": throw error("expected a value")
        default: break
        }
        if text.contains("_") {
            guard !text.hasPrefix("_"), !text.hasSuffix("_"), !text.contains("__") else {
                throw error("\"\(text)\" has a misplaced underscore")
            }
        }
        let digits = text.replacingOccurrences(of: "_", with: "")
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where digits.hasPrefix(prefix) {
            guard let value = Int64(digits.dropFirst(2), radix: radix) else { throw error("\"\(text)\" is not a number") }
            return .integer(value)
        }
        if let value = Int64(digits) {
            let unsigned = digits.hasPrefix("+") || digits.hasPrefix("-") ? digits.dropFirst() : Substring(digits)
            guard unsigned == "0" || !unsigned.hasPrefix("0") else { throw error("\"\(text)\": leading zeros are not allowed") }
            return .integer(value)
        }
        if digits.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let value = Double(digits), value.isFinite {
            return .float(value)
        }
        if text.first?.isNumber == true, text.contains("-") || text.contains(":") {
            throw error("dates and times are not used in this configuration (\"\(text)\")")
        }
        throw error("\"\(text)\" is not a value; strings need quotes, like \"\(text)\"")
    }

    mutating func array() throws(TOMLError) -> [TOMLValue] {
        try enterNesting()
        defer { nesting -= 1 }
        advance()
        var items: [TOMLValue] = []
        while true {
            try skipBlankAndComments()
            if peek == "]" {
                advance()
                return items
            }
            items.append(try value())
            try skipBlankAndComments()
            if peek == "," {
                advance()
            } else if peek == "]" {
                advance()
                return items
            } else {
                throw error(peek == nil ? "the array is not closed with \"]\"" : "expected \",\" or \"]\" in the array")
            }
        }
    }

    mutating func enterNesting() throws(TOMLError) {
        guard nesting < Self.maxNesting else {
            throw error("arrays and inline tables are nested more than \(Self.maxNesting) levels deep")
        }
        nesting += 1
    }

    mutating func skipBlankAndComments() throws(TOMLError) {
        while let c = peek {
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                advance()
            } else if c == "#" {
                try skipComment()
            } else {
                return
            }
        }
    }

    mutating func inlineTable() throws(TOMLError) -> [String: TOMLValue] {
        try enterNesting()
        defer { nesting -= 1 }
        advance()
        var table: [String: TOMLValue] = [:]
        skipSpaces()
        if peek == "}" {
            advance()
            return table
        }
        while true {
            skipSpaces()
            let keyPath = try key()
            skipSpaces()
            guard peek == "=" else { throw error("expected \"=\" in the inline table") }
            advance()
            skipSpaces()
            let item = try value()
            guard keyPath.count == 1 else { throw error("dotted keys inside inline tables are not supported here") }
            guard table[keyPath[0]] == nil else { throw error("the key \(keyPath[0]) is defined twice") }
            table[keyPath[0]] = item
            skipSpaces()
            if peek == "," {
                advance()
            } else if peek == "}" {
                advance()
                return table
            } else {
                throw error("expected \",\" or \"}\" in the inline table")
            }
        }
    }

    mutating func basicString() throws(TOMLError) -> String {
        let multiline = matches("\"\"\"")
        index += multiline ? 3 : 1
        if multiline { skipFirstNewline() }
        var text = ""
        while true {
            guard let c = peek else { throw error("the string is not closed") }
            if multiline ? matches("\"\"\"") : c == "\"" {
                try closeString(&text, quote: "\"", multiline: multiline)
                return text
            }
            if c == "\n" && !multiline { throw error("a basic string cannot span lines; use \"\"\" for that") }
            if c == "\\" {
                advance()
                guard let escaped = peek else { throw error("the string ends after a backslash") }
                if multiline && (escaped == "\n" || escaped == " " || escaped == "\t" || escaped == "\r") {
                    // Line-ending backslash: trim the newline and following white space.
                    while let w = peek, w == " " || w == "\t" || w == "\n" || w == "\r" { advance() }
                    continue
                }
                advance()
                switch escaped {
                case "b": text += "\u{08}"
                case "t": text += "\t"
                case "n": text += "\n"
                case "f": text += "\u{0C}"
                case "r": text += "\r"
                case "\"": text += "\""
                case "\\": text += "\\"
                case "u", "U":
                    let count = escaped == "u" ? 4 : 8
                    var hex = ""
                    for _ in 0..<count {
                        guard let h = peek, h.properties.isASCIIHexDigit else { throw error("\\\(escaped) needs \(count) hex digits") }
                        hex.unicodeScalars.append(h)
                        advance()
                    }
                    guard let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) else {
                        throw error("\\\(escaped)\(hex) is not a Unicode scalar value")
                    }
                    text.unicodeScalars.append(scalar)
                default:
                    throw error("\\\(escaped) is not a TOML escape")
                }
                continue
            }
            if (c.value < 0x20 && c != "\t" && !(multiline && (c == "\n" || c == "\r"))) || c.value == 0x7F {
                throw error("control character U+\(String(c.value, radix: 16, uppercase: true)) in a string; escape it")
            }
            text.unicodeScalars.append(c)
            advance()
        }
    }

    mutating func literalString() throws(TOMLError) -> String {
        let multiline = matches("'''")
        index += multiline ? 3 : 1
        if multiline { skipFirstNewline() }
        var text = ""
        while true {
            guard let c = peek else { throw error("the string is not closed") }
            if multiline ? matches("'''") : c == "'" {
                try closeString(&text, quote: "'", multiline: multiline)
                return text
            }
            if c == "\n" && !multiline { throw error("a literal string cannot span lines; use ''' for that") }
            if (c.value < 0x20 && c != "\t" && !(multiline && (c == "\n" || c == "\r"))) || c.value == 0x7F {
                throw error("control character U+\(String(c.value, radix: 16, uppercase: true)) in a string")
            }
            text.unicodeScalars.append(c)
            advance()
        }
    }

    /// Consumes a closing delimiter; in a multi-line string up to two quotes before it belong to the content.
    mutating func closeString(_ text: inout String, quote: Unicode.Scalar, multiline: Bool) throws(TOMLError) {
        guard multiline else {
            index += 1
            return
        }
        var count = 0
        while index + count < scalars.count, scalars[index + count] == quote { count += 1 }
        guard count <= 5 else { throw error("too many quotes at the end of a multi-line string") }
        for _ in 0..<(count - 3) { text.unicodeScalars.append(quote) }
        index += count
    }

    func matches(_ text: String) -> Bool {
        var i = index
        for s in text.unicodeScalars {
            guard i < scalars.count, scalars[i] == s else { return false }
            i += 1
        }
        return true
    }

    /// A newline right after an opening """ or ''' is not part of the string.
    mutating func skipFirstNewline() {
        if peek == "\r", index + 1 < scalars.count, scalars[index + 1] == "\n" { advance() }
        if peek == "\n" { advance() }
    }

    /// Makes sure a table exists at `path`, creating missing ones.
    mutating func ensureTable(_ path: [String], line: Int) throws(TOMLError) {
        for depth in 1...max(path.count, 1) where !path.isEmpty {
            let prefix = Array(path.prefix(depth))
            switch lookup(prefix)?.kind {
            case nil:
                try insert(TOMLValue(kind: .table([:]), line: line), at: prefix)
            case .table:
                continue
            default:
                throw error("\(prefix.joined(separator: ".")) is already a value, not a table")
            }
        }
    }

    func lookup(_ path: [String]) -> TOMLValue? {
        var node = root
        for part in path {
            guard case let .table(table) = node.kind, let next = table[part] else { return nil }
            node = next
        }
        return node
    }

    mutating func insert(_ value: TOMLValue, at path: [String]) throws(TOMLError) {
        func put(_ node: inout TOMLValue, _ rest: ArraySlice<String>) -> Bool {
            guard case var .table(table) = node.kind else { return false }
            let head = rest.first!
            if rest.count == 1 {
                guard table[head] == nil else { return false }
                table[head] = value
            } else {
                guard var child = table[head] else { return false }
                guard put(&child, rest.dropFirst()) else { return false }
                table[head] = child
            }
            node.kind = .table(table)
            return true
        }
        guard put(&root, path[...]) else {
            throw error("the key \(path.joined(separator: ".")) is defined twice")
        }
    }
}
