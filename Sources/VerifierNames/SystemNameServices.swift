// Name services from the system's libraries: IDNA2008/UTS #46 with libidn2, public suffixes with libpsl.
import CIDN2
import CPSL
import VerifierCore

/// `DomainNameServices` backed by libidn2 and libpsl with Debian's Public Suffix List.
public final class SystemNameServices: DomainNameServices, @unchecked Sendable {
    /// Debian's copy of the Public Suffix List (package `publicsuffix`).
    public static let debianListPath = "/usr/share/publicsuffix/public_suffix_list.dat"

    // libpsl contexts are read-only once loaded and safe to share between threads.
    private let psl: OpaquePointer
    private let ownsPSL: Bool
    /// Where the list came from, for start-up logs.
    public let listSource: String

    /// Loads the list at `listPath`, or libpsl's built-in copy when that file is missing or unreadable.
    public init(listPath: String = SystemNameServices.debianListPath) {
        if let loaded = psl_load_file(listPath) {
            psl = loaded
            ownsPSL = true
            listSource = listPath
        } else {
            psl = psl_builtin()
            ownsPSL = false
            listSource = "libpsl built-in list"
        }
    }

    deinit {
        if ownsPSL { psl_free(psl) }
    }

    public func toASCII(_ name: String) throws(IDNAError) -> String {
        var output: UnsafeMutablePointer<CChar>?
        let flags = Int32(IDN2_NONTRANSITIONAL.rawValue | IDN2_NFC_INPUT.rawValue)
        let rc = idn2_to_ascii_8z(name, &output, flags)
        defer { idn2_free(output) }
        guard rc == IDN2_OK.rawValue, let output else {
            throw IDNAError(reason: String(cString: idn2_strerror(rc)))
        }
        return String(cString: output)
    }

    public func isPublicSuffix(_ name: String) -> Bool {
        psl_is_public_suffix2(psl, name, PSL_TYPE_ANY) != 0
    }
}
