// The daemon answered with an error status: its ErrorResponse, and when to retry if it said.
import Foundation
import VerifierCore
import VerifierAPIModels

/// A request the daemon refused (status ≥ 400), with the message it gave.
public struct DaemonRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// `{"statusCode":…,"name":…,"message":…}`, or one made up when the body was not that JSON.
    public let error: ErrorResponse
    /// The `Retry-After` header as sent: seconds, or an HTTP date.
    public let retryAfter: String?
    /// `POST /domains/example.com/verify`, for messages.
    public let request: String

    public init(error: ErrorResponse, retryAfter: String?, request: String) {
        self.error = error
        self.retryAfter = retryAfter
        self.request = request
    }

    /// The daemon's message, and for a rate limit when to try again.
    public var description: String {
        guard let retryAfter else { return error.message }
        let trimmed = retryAfter.trimmingCharacters(in: .whitespaces)
        let when = Int(trimmed).map { "in \(DurationText.format(TimeInterval($0)))" } ?? "after \(trimmed)"
        return "\(error.message) (retry \(when))"
    }
}

/// The daemon answered, but not with what domainctl expects of that route.
public struct UnexpectedAnswer: Error, Equatable, Sendable, CustomStringConvertible {
    public let request: String
    public let detail: String

    public init(request: String, detail: String) {
        self.request = request
        self.detail = detail
    }

    public var description: String {
        "domain-verifierd's answer to \(request) is not what domainctl expects: \(detail)"
    }
}
