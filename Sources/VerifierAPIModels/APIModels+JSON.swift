// The frequent answers of the API written by `JSONWriter`, byte for byte what `APIJSON.encoder()` writes.
import JSONWriting

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
