// JSON written straight to bytes, for the answers the API gives most and the check rows the store writes.
//
// Why hand-written: Foundation's JSONEncoder builds a tree of boxed values, casts every value
// through existentials and sorts the keys of every object; for a page of 100 domains that was a
// third of the daemon's time per request (`make bench`, scale part), and encoding each check's records was
// most of the cost of storing a check (`make bench`, store part). No package this project may
// use writes JSON faster from Codable. The writer emits the same bytes as a JSONEncoder
// with sorted keys and slashes unescaped, as long as its callers write keys in sorted order;
// `JSONWriterTests` (API) and `StoreJSONTests` (store) check it on random values.

/// A value that can write itself as JSON, byte for byte what a sorted-keys JSONEncoder would produce.
public protocol JSONWritable {
    func write(to json: inout JSONWriter)
}

extension JSONWritable {
    /// The value as JSON bytes.
    public func jsonBytes() -> [UInt8] {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.bytes
    }
}

/// Appends JSON to a byte array; commas are placed by the writer.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// True right after `{`, `[` or a key: the next value needs no comma before it.
    private var atStart = true

    public init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    private mutating func separate() {
        if !atStart { bytes.append(UInt8(ascii: ",")) }
        atStart = false
    }

    public mutating func object(_ members: (inout JSONWriter) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "{"))
        atStart = true
        members(&self)
        bytes.append(UInt8(ascii: "}"))
        atStart = false
    }

    public mutating func array<Elements: Sequence>(_ elements: Elements, _ element: (inout JSONWriter, Elements.Element) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "["))
        atStart = true
        for each in elements { element(&self, each) }
        bytes.append(UInt8(ascii: "]"))
        atStart = false
    }

    /// A member's key; its value follows.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        atStart = true
    }

    public mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var clean = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean..<index]))
                escape(byte)
                clean = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The escapes JSONEncoder writes: the short forms, else `\u00XX` with lowercase hex.
    private mutating func escape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        }
    }

    public mutating func string(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    public mutating func integer<Value: BinaryInteger>(_ value: Value) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func integer<Value: BinaryInteger>(_ value: Value?) {
        if let value { integer(value) } else { null() }
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: value ? "true".utf8 : "false".utf8)
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    public mutating func strings(_ values: [String]) {
        array(values) { json, value in json.string(value) }
    }

    public mutating func value(_ value: some JSONWritable) {
        value.write(to: &self)
    }

    public mutating func values(_ values: [some JSONWritable]) {
        array(values) { json, value in value.write(to: &json) }
    }
}
