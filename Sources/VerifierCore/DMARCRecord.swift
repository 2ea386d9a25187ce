// DMARC policy records (RFC 7489 §6.3): parsing and the policy they state.

/// A parsed DMARC record.
public struct DMARCRecord: Equatable, Sendable {
    public enum Policy: String, Sendable, Codable {
        case none, quarantine, reject
    }

    public var tags: TagList
    public var policy: Policy
    public var subdomainPolicy: Policy?
    /// Percentage of mail the policy applies to (0–100, default 100).
    public var percent: Int
    public var reportURIs: [String]

    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// Whether a TXT value is meant as a DMARC record (starts with `v=DMARC1`).
    public static func looksLikeDMARC(_ text: String) -> Bool {
        let trimmed = text.trimmingFWS()
        guard trimmed.hasPrefix("v") else { return false }
        let afterV = trimmed.dropFirst().trimmingFWS()
        guard afterV.hasPrefix("=") else { return false }
        return afterV.dropFirst().trimmingFWS().uppercased().hasPrefix("DMARC1")
    }

    public static func parse(_ text: String) throws(ParseError) -> DMARCRecord {
        let tags: TagList
        do {
            tags = try TagList.parse(text)
        } catch {
            throw ParseError(reason: "the DMARC record does not parse: \(error.reason)")
        }
        guard let first = tags.tags.first, first.name == "v", first.value == "DMARC1" else {
            throw ParseError(reason: "the first tag must be v=DMARC1")
        }
        guard let p = tags["p"] else {
            throw ParseError(reason: "the record has no p= policy")
        }
        guard let policy = Policy(rawValue: p.lowercased()) else {
            throw ParseError(reason: "p=\(p) is not none, quarantine or reject")
        }
        var subdomainPolicy: Policy?
        if let sp = tags["sp"] {
            guard let parsed = Policy(rawValue: sp.lowercased()) else {
                throw ParseError(reason: "sp=\(sp) is not none, quarantine or reject")
            }
            subdomainPolicy = parsed
        }
        var percent = 100
        if let pct = tags["pct"] {
            guard let value = Int(pct), (0...100).contains(value) else {
                throw ParseError(reason: "pct=\(pct) is not a number from 0 to 100")
            }
            percent = value
        }
        for name in ["adkim", "aspf"] {
            if let value = tags[name], value.lowercased() != "r", value.lowercased() != "s" {
                throw ParseError(reason: "\(name)=\(value) is not r or s")
            }
        }
        let reportURIs = (tags["rua"] ?? "").split(separator: ",").map { String($0.trimmingFWS()) }
        return DMARCRecord(tags: tags, policy: policy, subdomainPolicy: subdomainPolicy, percent: percent, reportURIs: reportURIs)
    }

    /// "p=none", "p=reject; sp=none; pct=50" — the policy as one line for the operator.
    public var summary: String {
        var parts = ["p=\(policy.rawValue)"]
        if let subdomainPolicy { parts.append("sp=\(subdomainPolicy.rawValue)") }
        if percent != 100 { parts.append("pct=\(percent)") }
        return parts.joined(separator: "; ")
    }
}
