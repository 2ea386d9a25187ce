// What name validation needs from outside the core: IDNA conversion and the Public Suffix List.

/// Why an internationalised name could not be converted to an A-label.
public struct IDNAError: Error, Equatable, Sendable {
    public let reason: String
    public init(reason: String) { self.reason = reason }
}

/// The two facts about names that come from libraries (libidn2, libpsl) rather than from rules.
public protocol DomainNameServices: Sendable {
    /// Converts `name` to its A-label form by IDNA2008 / UTS #46 (non-transitional), lower-cased.
    func toASCII(_ name: String) throws(IDNAError) -> String
    /// Whether `name` (an A-label, lower-case) is a public suffix, including private ones such as `github.io`.
    func isPublicSuffix(_ name: String) -> Bool
}
