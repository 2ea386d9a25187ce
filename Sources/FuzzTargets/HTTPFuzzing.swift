// Fuzz entries for HTTP bodies and messages: the API's JSON request bodies, domainctl's response reader.
import DomainCtlKit
import Foundation
import VerifierAPI
import VerifierDaemon

enum HTTPFuzzing {
    static let createFields = ["name", "region", "custom_return_path", "open_tracking", "click_tracking", "dkim_key_size"]

    /// A body is refused with an API error that says something, or read into known fields only, each
    /// of which its typed readers either return or refuse.
    static func jsonBody(_ bytes: [UInt8]) throws(InvariantViolation) {
        let body: JSONBody
        do {
            body = try JSONBody(Data(bytes), allowed: createFields, requireBody: bytes.count % 2 == 0)
        } catch {
            try expect(!error.message.isEmpty && (error.name == .invalidJSON || error.name == .validationError), "json",
                       "the refusal \(error.name.rawValue) \(shown(error.message)) of \(shown(String(decoding: bytes, as: UTF8.self)))")
            return
        }
        try expect(body.fields.keys.allSatisfy(createFields.contains), "json", "unknown fields accepted: \(body.fields.keys.sorted())")
        for key in createFields {
            _ = try? body.string(key)
            _ = try? body.bool(key)
            _ = try? body.integer(key)
        }
    }

    /// The first byte seeds the sizes of the pieces the rest arrives in. The reader returns a response
    /// within its bounds or throws its own framing error; it never reads past the end of the stream.
    static func httpResponse(_ bytes: [UInt8]) throws(InvariantViolation) {
        guard let seed = bytes.first else { return }
        let stream = Array(bytes.dropFirst())
        let maxBodyBytes = 4096
        var position = 0
        var state = UInt32(seed) | 1
        var endsSeen = 0
        var parser = HTTPResponseParser(maxBodyBytes: maxBodyBytes) {
            guard position < stream.count else {
                endsSeen += 1
                return []
            }
            // xorshift32: piece sizes from 1 to 64 bytes, the same for the same input.
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            let size = min(Int(state % 64) + 1, stream.count - position)
            defer { position += size }
            return Array(stream[position..<(position + size)])
        }
        switch Result(catching: { try parser.parse() }) {
        case let .success(response):
            try expect(response.body.count <= maxBodyBytes, "http", "a body of \(response.body.count) bytes passed the bound of \(maxBodyBytes)")
            try expect((100...999).contains(response.status), "http", "status \(response.status)")
        case let .failure(error as HTTPFramingError):
            try expect(!error.detail.isEmpty, "http", "a framing error without detail")
        case let .failure(error):
            throw InvariantViolation(target: "http", message: "an error that is not a framing error: \(error)")
        }
        try expect(endsSeen <= 2, "http", "the end of the stream was read \(endsSeen) times")
    }
}
