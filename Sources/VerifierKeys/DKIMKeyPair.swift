// DKIM signing keys made with OpenSSL: RSA 2048 (or 1024), public half as base64 SubjectPublicKeyInfo.
import COpenSSL
import Foundation
import VerifierCore

/// A DKIM key pair. The private key is held as PEM and never printed: `description` is redacted so
/// that interpolating a key into a log line cannot leak it.
public struct DKIMKeyPair: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// RSA modulus sizes a domain may ask for.
    public static let allowedSizes = [1024, 2048]

    public let bits: Int
    /// Base64 of the DER SubjectPublicKeyInfo: the value of the DKIM record's `p=`.
    public let publicKeyBase64: String
    /// PKCS #8 PEM of the private key.
    public let privateKeyPEM: String

    public var description: String { "DKIMKeyPair(rsa \(bits), p=\(publicKeyBase64.prefix(12))…, private key redacted)" }
    public var debugDescription: String { description }

    public init(bits: Int, publicKeyBase64: String, privateKeyPEM: String) {
        self.bits = bits
        self.publicKeyBase64 = publicKeyBase64
        self.privateKeyPEM = privateKeyPEM
    }

    /// Generates a new RSA key of `bits` (1024 or 2048). Takes a fraction of a second: keep it off hot paths.
    public static func generate(bits: Int = 2048) throws(KeyError) -> DKIMKeyPair {
        guard allowedSizes.contains(bits) else {
            throw KeyError("a DKIM key must be 1024 or 2048 bits, not \(bits)")
        }
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nil) else { throw KeyError.openSSL("EVP_PKEY_CTX_new_id") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else { throw KeyError.openSSL("EVP_PKEY_keygen_init") }
        guard EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) == 1 else { throw KeyError.openSSL("EVP_PKEY_CTX_set_rsa_keygen_bits") }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen(context, &key) == 1, let key else { throw KeyError.openSSL("EVP_PKEY_keygen") }
        defer { EVP_PKEY_free(key) }
        return DKIMKeyPair(bits: bits,
                           publicKeyBase64: try subjectPublicKeyInfo(key).base64EncodedString(),
                           privateKeyPEM: try privatePEM(key))
    }

    /// Reads a private key PEM back (from the store) and checks it is an RSA key of an allowed size.
    public static func load(privateKeyPEM: String) throws(KeyError) -> DKIMKeyPair {
        guard let bio = privateKeyPEM.withCString({ BIO_new_mem_buf($0, Int32(strlen($0))) }) else {
            throw KeyError.openSSL("BIO_new_mem_buf")
        }
        defer { BIO_free(bio) }
        guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
            throw KeyError.openSSL("PEM_read_bio_PrivateKey")
        }
        defer { EVP_PKEY_free(key) }
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA else { throw KeyError("the private key is not an RSA key") }
        return DKIMKeyPair(bits: Int(EVP_PKEY_get_bits(key)),
                           publicKeyBase64: try subjectPublicKeyInfo(key).base64EncodedString(),
                           privateKeyPEM: try privatePEM(key))
    }

    /// Writes the private key to `path` with mode 0600, replacing the file atomically.
    public func writePrivateKey(to path: String) throws(KeyError) {
        let temporary = path + ".tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw KeyError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array(privateKeyPEM.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw KeyError("cannot write \(temporary): \(reason)")
            }
            written += n
        }
        // fchmod as well: the umask may have narrowed, never widened, the mode given to open.
        guard fchmod(fd, 0o600) == 0, fsync(fd) == 0, close(fd) == 0 else {
            unlink(temporary)
            throw KeyError("cannot finish \(temporary): \(String(cString: strerror(errno)))")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw KeyError("cannot move the key to \(path): \(reason)")
        }
    }

    private static func subjectPublicKeyInfo(_ key: OpaquePointer) throws(KeyError) -> Data {
        let length = i2d_PUBKEY(key, nil)
        guard length > 0 else { throw KeyError.openSSL("i2d_PUBKEY") }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_PUBKEY(key, &cursor)
        }
        guard written == length else { throw KeyError.openSSL("i2d_PUBKEY") }
        return Data(der)
    }

    private static func privatePEM(_ key: OpaquePointer) throws(KeyError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw KeyError.openSSL("BIO_new") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PrivateKey(bio, key, nil, nil, 0, nil, nil) == 1 else {
            throw KeyError.openSSL("PEM_write_bio_PrivateKey")
        }
        var pointer: UnsafeMutablePointer<CChar>?
        // BIO_get_mem_data is a macro: BIO_ctrl(bio, BIO_CTRL_INFO, 0, &pointer).
        let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &pointer)
        guard length > 0, let pointer else { throw KeyError.openSSL("BIO_get_mem_data") }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }
}

/// A key could not be made, read or written.
public struct KeyError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// An OpenSSL call failed; the message carries OpenSSL's own reason.
    static func openSSL(_ function: String) -> KeyError {
        let code = ERR_get_error()
        guard code != 0 else { return KeyError("\(function) failed") }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        ERR_clear_error()
        return KeyError("\(function) failed: \(buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })")
    }
}
