// The answers the API gives most — domains, their lists and their history — written straight to bytes.
//
// Why hand-written: Foundation's JSONEncoder builds a tree of boxed values, casts every value
// through existentials and sorts the keys of every object; for a page of 100 domains that was a
// third of the daemon's time per request (`make bench`, scale part). No package this project may
// use writes JSON faster from Codable. The writer below emits the same bytes as
// `APIJSON.encoder()` (sorted keys, slashes unescaped), which `JSONWriterTests` checks on random
// values; the Codable conformances stay for decoding and for every other answer.

/// A value that can write itself as JSON, byte for byte what `APIJSON.encoder()` would produce.
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

// Keys in sorted order, as `.sortedKeys` has them; optional members as their Codable conformance
// writes them (left out when nil, or null where the spec lists the key always).

extension DomainResponse: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("click_tracking"); json.bool(clickTracking)
            json.key("created_at"); json.string(createdAt)
            json.key("custom_return_path"); json.string(customReturnPath)
            if let diagnostics { json.key("diagnostics"); json.values(diagnostics) }
            json.key("dkim"); json.value(dkim)
            json.key("id"); json.string(id)
            json.key("name"); json.string(name)
            json.key("object"); json.string(object)
            json.key("open_tracking"); json.bool(openTracking)
            if let records { json.key("records"); json.values(records) }
            json.key("region"); json.string(region)
            json.key("status"); json.string(status)
            json.key("verification"); json.value(verification)
        }
    }
}

extension DKIMInfo: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("key_size"); json.integer(keySize)
            json.key("selector"); json.string(selector)
        }
    }
}

extension RecordResponse: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("detail"); json.string(detail)
            json.key("fqdn"); json.string(fqdn)
            json.key("last_checked_at"); json.string(lastCheckedAt)
            json.key("last_outcome"); json.string(lastOutcome)
            json.key("name"); json.string(name)
            json.key("observed"); json.strings(observed)
            if let priority { json.key("priority"); json.integer(priority) }
            json.key("record"); json.string(record)
            json.key("required"); json.bool(required)
            json.key("status"); json.string(status)
            json.key("ttl"); json.string(ttl)
            json.key("type"); json.string(type)
            json.key("value"); json.string(value)
        }
    }
}

extension DiagnosticResponse: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("code"); json.string(code)
            json.key("fix"); json.string(fix)
            json.key("message"); json.string(message)
            json.key("record"); json.string(record)
        }
    }
}

extension VerificationResponse: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("deadline_at"); json.string(deadlineAt)
            json.key("last_checked_at"); json.string(lastCheckedAt)
            json.key("next_check_at"); json.string(nextCheckAt)
            json.key("started_at"); json.string(startedAt)
            json.key("verified_at"); json.string(verifiedAt)
        }
    }
}

extension ListResponse: JSONWritable where Item: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("data"); json.values(data)
            json.key("has_more"); json.bool(hasMore)
            json.key("object"); json.string(object)
        }
    }
}

extension HistoryEntryResponse: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("at"); json.string(at)
            if let checkId { json.key("check_id"); json.integer(checkId) }
            json.key("cursor"); json.string(cursor)
            if let diagnostics { json.key("diagnostics"); json.values(diagnostics) }
            if let durationMs { json.key("duration_ms"); json.integer(durationMs) }
            if let from { json.key("from"); json.string(from) }
            json.key("id"); json.integer(id)
            json.key("object"); json.string(object)
            if let reason { json.key("reason"); json.string(reason) }
            if let records { json.key("records"); json.values(records) }
            if let to { json.key("to"); json.string(to) }
            if let verdict { json.key("verdict"); json.string(verdict) }
        }
    }
}

extension CheckRecordResponse: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("cname_chain"); json.strings(cnameChain)
            if let detail { json.key("detail"); json.string(detail) }
            json.key("name"); json.string(name)
            json.key("observed"); json.strings(observed)
            json.key("outcome"); json.string(outcome)
            if let rcode { json.key("rcode"); json.string(rcode) }
            json.key("record"); json.string(record)
            json.key("type"); json.string(type)
        }
    }
}
