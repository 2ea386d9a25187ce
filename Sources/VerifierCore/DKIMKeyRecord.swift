// DKIM key records (RFC 6376 §3.6.1): parsing, and whether one publishes our key for e-mail.

/// A parsed DKIM key record.
public struct DKIMKeyRecord: Equatable, Sendable {
    public var tags: TagList
    /// The key type, `rsa` when absent.
    public var keyType: String
    /// The public key with white space removed; empty means revoked.
    public var publicKey: String
    /// Hash algorithms allowed (`h=`), nil when absent (all).
    public var hashAlgorithms: [String]?
    /// Service types (`s=`), nil when absent (`*`).
    public var serviceTypes: [String]?
    public var flags: [String]

    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// Whether a TXT record looks like a DKIM key record at all: starts with `v=DKIM1` or has a `p=` tag.
    /// Other TXT records at the selector name (verification tokens and the like) are not candidates.
    public static func looksLikeKeyRecord(_ text: String) -> Bool {
        if TagList.hasTag("p", in: text) { return true }
        let trimmed = text.trimmingFWS()
        if trimmed.lowercased().hasPrefix("v=dkim1") { return true }
        guard (try? TagList.parse(String(trimmed))) != nil else {
            // A quoted or otherwise damaged key record still counts as a candidate.
            return trimmed.contains("p=")
        }
        return false
    }

    public static func parse(_ text: String) throws(ParseError) -> DKIMKeyRecord {
        let tags: TagList
        do {
            tags = try TagList.parse(text)
        } catch {
            throw ParseError(reason: "the DKIM record does not parse: \(error.reason)")
        }
        if let version = tags["v"] {
            guard tags.tags.first?.name == "v" else {
                throw ParseError(reason: "v=\(version) must be the first tag")
            }
            guard version == "DKIM1" else {
                throw ParseError(reason: "v=\(version) is not DKIM1")
            }
        }
        guard let p = tags["p"] else {
            throw ParseError(reason: "the record has no p= tag")
        }
        let keyBytes = p.utf8.filter { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A) }
        let key = String(decoding: keyBytes, as: UTF8.self)
        let isBase64: (UInt8) -> Bool = { byte in
            (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
                || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=")
        }
        if !keyBytes.allSatisfy(isBase64), let bad = key.unicodeScalars.first(where: { !($0.isASCIILetter || $0.isASCIIDigit || $0 == "+" || $0 == "/" || $0 == "=") }) {
            throw ParseError(reason: "p= contains \"\(Character(bad))\", which is not base64")
        }
        func list(_ name: String) -> [String]? {
            tags[name].map { $0.split(separator: ":").map { String($0.trimmingFWS()).lowercased() } }
        }
        return DKIMKeyRecord(
            tags: tags,
            keyType: tags["k"].map { String($0.trimmingFWS()).lowercased() } ?? "rsa",
            publicKey: key,
            hashAlgorithms: list("h"),
            serviceTypes: list("s"),
            flags: list("t") ?? []
        )
    }

    /// Why this record cannot be used to verify our signatures (RSA, SHA-256, e-mail), or nil.
    public var unusableReason: String? {
        if publicKey.isEmpty { return "p= is empty: the key is revoked" }
        if keyType != "rsa" { return "k=\(keyType) is not rsa" }
        if let hashAlgorithms, !hashAlgorithms.contains("sha256") {
            return "h=\(hashAlgorithms.joined(separator: ":")) does not allow sha256"
        }
        if let serviceTypes, !serviceTypes.contains("*"), !serviceTypes.contains("email") {
            return "s=\(serviceTypes.joined(separator: ":")) does not allow email"
        }
        return nil
    }
}
