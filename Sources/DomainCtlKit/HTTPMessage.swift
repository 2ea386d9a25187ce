// The request domainctl sends and the response it reads: plain values, independent of the socket.
import Foundation

/// An HTTP/1.1 request, as `HTTPTransport.send` takes it.
public struct HTTPRequest: Equatable, Sendable {
    public var method: String
    /// The request target, already percent-encoded, query included: `/domains?limit=100`.
    public var target: String
    /// A JSON body, sent with `Content-Type: application/json`.
    public var body: Data?

    public init(method: String, target: String, body: Data? = nil) {
        self.method = method
        self.target = target
        self.body = body
    }

    /// `GET /domains/example.com`, for messages.
    public var summary: String { "\(method) \(target)" }
}

/// One header line as received.
public struct HTTPHeader: Equatable, Sendable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A complete HTTP response: status, headers in order, and the decoded body (chunking removed).
public struct HTTPResponse: Equatable, Sendable {
    public var status: Int
    public var reason: String
    public var headers: [HTTPHeader]
    public var body: Data

    public init(status: Int, reason: String = "", headers: [HTTPHeader] = [], body: Data = Data()) {
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
    }

    /// The values of every header called `name` (case-insensitive), joined with ", " as RFC 9110 §5.3 allows.
    public func header(_ name: String) -> String? {
        let values = headers.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
        return values.isEmpty ? nil : values.joined(separator: ", ")
    }
}

/// Sends one request and returns the whole response: the Unix socket client, or a stand-in in tests.
public protocol HTTPTransport: Sendable {
    /// Throws `HTTPClientError` when no complete response arrives; an error status is a response, not a throw.
    func send(_ request: HTTPRequest) throws -> HTTPResponse
}
