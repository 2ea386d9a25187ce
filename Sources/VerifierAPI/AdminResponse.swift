// What a route answers: a status, a body and its type; and the API's errors (spec §9).
import Foundation
import JSONWriting
import VerifierAPIModels

/// An HTTP response from a route.
public struct AdminResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: Data
    public var headers: [(String, String)]

    public init(status: Int, contentType: String, body: Data, headers: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    /// A JSON body with snake_case keys.
    public static func json<T: Encodable>(_ status: Int, _ value: T) -> AdminResponse {
        do {
            return AdminResponse(status: status, contentType: "application/json", body: try APIJSON.encoder().encode(value))
        } catch {
            return .error(APIError(.internalError, "the response could not be encoded: \(error)"))
        }
    }

    /// The same JSON, written by the value itself: the API's frequent answers take this path.
    public static func json<T: Encodable & JSONWritable>(_ status: Int, _ value: T) -> AdminResponse {
        AdminResponse(status: status, contentType: "application/json", body: Data(value.jsonBytes()))
    }

    public static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> AdminResponse {
        AdminResponse(status: status, contentType: contentType, body: Data(text.utf8))
    }

    public static func error(_ error: APIError) -> AdminResponse {
        let body = ErrorResponse(statusCode: error.name.status, name: error.name.rawValue, message: error.message)
        // ErrorResponse keeps Resend's camelCase "statusCode": encoded without the snake_case strategy.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = (try? encoder.encode(body)) ?? Data("{\"statusCode\":500,\"name\":\"internal_error\",\"message\":\"\"}".utf8)
        return AdminResponse(status: error.name.status, contentType: "application/json", body: data, headers: error.headers)
    }
}

/// An error the API reports, with the name and status of spec §9.
public struct APIError: Error, Sendable {
    public enum Name: String, Sendable {
        case validationError = "validation_error"
        case invalidJSON = "invalid_json"
        /// Not valid HTTP/1.1 at all (a malformed request line or headers).
        case badRequest = "bad_request"
        case notFound = "not_found"
        case conflict
        case forbidden
        case payloadTooLarge = "payload_too_large"
        case rateLimited = "rate_limited"
        case methodNotAllowed = "method_not_allowed"
        case requestTimeout = "request_timeout"
        case headersTooLarge = "headers_too_large"
        case serviceUnavailable = "service_unavailable"
        case internalError = "internal_error"

        public var status: Int {
            switch self {
            case .validationError: 422
            case .invalidJSON, .badRequest: 400
            case .notFound: 404
            case .conflict: 409
            case .forbidden: 403
            case .payloadTooLarge: 413
            case .rateLimited: 429
            case .methodNotAllowed: 405
            case .requestTimeout: 408
            case .headersTooLarge: 431
            case .serviceUnavailable: 503
            case .internalError: 500
            }
        }
    }

    public let name: Name
    public let message: String
    public var headers: [(String, String)]

    public init(_ name: Name, _ message: String, headers: [(String, String)] = []) {
        self.name = name
        self.message = message
        self.headers = headers
    }
}
