// Recognises IP address literals so that they are refused as domain names.

package enum IPAddressSyntax {
    /// Whether `text` is an IPv4 or IPv6 literal (also bracketed, or with a trailing dot on IPv4).
    package static func isIPAddress(_ text: String) -> Bool {
        var body = Substring(text)
        if body.hasPrefix("[") && body.hasSuffix("]") { return true }
        if body.contains(":") { return isIPv6(body) }
        if body.hasSuffix(".") { body = body.dropLast() }
        return isIPv4(body)
    }

    private static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count), parts.count == 4 || text.allSatisfy(\.isNumber) else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.count <= 10 && (part.allSatisfy { $0.isASCII && $0.isNumber }
                || (part.lowercased().hasPrefix("0x") && part.count > 2 && part.dropFirst(2).allSatisfy(\.isHexDigit)))
        }
    }

    private static func isIPv6(_ text: Substring) -> Bool {
        let address = text.split(separator: "%", maxSplits: 1).first ?? text
        guard !address.isEmpty else { return false }
        return address.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }
}
