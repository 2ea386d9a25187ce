// The admin API's routes (spec §9) as typed calls over any HTTPTransport.
import Foundation
import VerifierAPIModels

/// A decoded answer together with the JSON it came from, which `--json` prints.
public struct APIAnswer<Value: Sendable>: Sendable {
    public let value: Value
    public let body: Data

    public init(value: Value, body: Data) {
        self.value = value
        self.body = body
    }
}

/// Calls the daemon's admin API: builds paths and JSON bodies, turns error statuses into `DaemonRefusal`.
public struct AdminClient: Sendable {
    /// The most the API returns in one page of `GET /domains` or of a history.
    public static let maxPageSize = 100

    public let transport: any HTTPTransport

    public init(transport: any HTTPTransport) {
        self.transport = transport
    }

    public func createDomain(_ request: CreateDomainRequest) throws -> APIAnswer<DomainResponse> {
        try call("POST", "/domains", body: request)
    }

    /// One page of domains, oldest first, after the domain with id `after`.
    public func listDomains(limit: Int, after: String? = nil, status: String? = nil) throws -> APIAnswer<ListResponse<DomainResponse>> {
        try call("GET", "/domains" + Self.query([("limit", String(limit)), ("after", after), ("status", status)]))
    }

    public func domain(_ nameOrID: String) throws -> APIAnswer<DomainResponse> {
        try call("GET", Self.domainPath(nameOrID))
    }

    public func updateDomain(_ nameOrID: String, _ request: UpdateDomainRequest) throws -> APIAnswer<DomainResponse> {
        try call("PATCH", Self.domainPath(nameOrID), body: request)
    }

    public func verify(_ nameOrID: String) throws -> APIAnswer<DomainResponse> {
        try call("POST", Self.domainPath(nameOrID, "verify"))
    }

    public func deleteDomain(_ nameOrID: String) throws -> APIAnswer<DeletedResponse> {
        try call("DELETE", Self.domainPath(nameOrID))
    }

    /// One page of a domain's history, newest first, older than the entry whose `cursor` is `after`.
    public func history(_ nameOrID: String, limit: Int, after: String? = nil) throws -> APIAnswer<ListResponse<HistoryEntryResponse>> {
        try call("GET", Self.domainPath(nameOrID, "history") + Self.query([("limit", String(limit)), ("after", after)]))
    }

    /// The records as BIND zone-file lines, exactly as the daemon wrote them.
    public func zone(_ nameOrID: String) throws -> String {
        let response = try exchange(HTTPRequest(method: "GET", target: Self.domainPath(nameOrID, "zone")))
        return String(decoding: response.body, as: UTF8.self)
    }

    public func status() throws -> APIAnswer<StatusResponse> {
        try call("GET", "/status")
    }

    public func reload() throws -> APIAnswer<ReloadResponse> {
        try call("POST", "/reload")
    }

    // MARK: Paths

    /// RFC 3986 unreserved characters: everything else in a name is percent-encoded.
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// One path segment or query value, percent-encoded; `.` and `..` too, so that no server
    /// normalizes them into another route.
    public static func percentEncoded(_ text: String) -> String {
        if !text.isEmpty && text.allSatisfy({ $0 == "." }) {
            return String(repeating: "%2E", count: text.count)
        }
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// `/domains/{name or id}[/suffix]`
    static func domainPath(_ nameOrID: String, _ suffix: String? = nil) -> String {
        "/domains/" + percentEncoded(nameOrID) + (suffix.map { "/" + $0 } ?? "")
    }

    /// `?a=1&b=2`, leaving out absent values; "" when none is present.
    static func query(_ items: [(String, String?)]) -> String {
        let present = items.compactMap { name, value in value.map { "\(name)=\(percentEncoded($0))" } }
        return present.isEmpty ? "" : "?" + present.joined(separator: "&")
    }

    // MARK: Exchange

    private func call<Value: Decodable & Sendable>(_ method: String, _ target: String) throws -> APIAnswer<Value> {
        try decode(exchange(HTTPRequest(method: method, target: target)), of: "\(method) \(target)")
    }

    private func call<Body: Encodable, Value: Decodable & Sendable>(_ method: String, _ target: String, body: Body) throws -> APIAnswer<Value> {
        let data = try APIJSON.encoder().encode(body)
        return try decode(exchange(HTTPRequest(method: method, target: target, body: data)), of: "\(method) \(target)")
    }

    private func decode<Value: Decodable & Sendable>(_ response: HTTPResponse, of request: String) throws -> APIAnswer<Value> {
        do {
            return APIAnswer(value: try APIJSON.decoder().decode(Value.self, from: response.body), body: response.body)
        } catch let error as DecodingError {
            throw UnexpectedAnswer(request: request, detail: Self.describe(error))
        }
    }

    /// Sends `request`; a 2xx answer is returned, an error status thrown as `DaemonRefusal`.
    private func exchange(_ request: HTTPRequest) throws -> HTTPResponse {
        let response = try transport.send(request)
        switch response.status {
        case 200..<300:
            return response
        case 400...:
            throw DaemonRefusal(error: Self.errorResponse(from: response), retryAfter: response.header("Retry-After"),
                                request: request.summary)
        default:
            throw UnexpectedAnswer(request: request.summary, detail: "status \(response.status) \(response.reason)")
        }
    }

    /// The error body, decoded with a plain decoder: its keys are camelCase (`statusCode`), as Resend has them.
    static func errorResponse(from response: HTTPResponse) -> ErrorResponse {
        if let error = try? JSONDecoder().decode(ErrorResponse.self, from: response.body) {
            return error
        }
        let text = String(decoding: response.body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let message = "domain-verifierd answered \(response.status) \(response.reason)" + (text.isEmpty ? "" : ": \(text)")
        return ErrorResponse(statusCode: response.status, name: "http_error", message: message)
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "the top level" : keys
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context)).\(key.stringValue) is missing"
        case .valueNotFound(_, let context): return "\(path(context)) is null"
        case .typeMismatch(let type, let context): return "\(path(context)) is not a \(type)"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return String(describing: error)
        }
    }
}
