// The admin API's route table: each route names its method, path, access (read or write) and handler.
import Foundation

/// Whether a route only reads, or changes something (and so needs a writer).
public enum Access: Sendable {
    case read
    case write
}

/// A request as a route sees it.
public struct RouteRequest: Sendable {
    public var method: String
    /// The percent-decoded values of the path's `{…}` segments, in order.
    public var parameters: [String]
    public var query: [String: String]
    public var body: Data
    public var peer: PeerCredentials
    public var mayWrite: Bool

    public init(method: String, parameters: [String], query: [String: String], body: Data, peer: PeerCredentials, mayWrite: Bool) {
        self.method = method
        self.parameters = parameters
        self.query = query
        self.body = body
        self.peer = peer
        self.mayWrite = mayWrite
    }
}

/// One route: `POST /domains/{id}/verify`, write access, its handler.
public struct Route: Sendable {
    public let method: String
    /// Path segments; `{}` matches one segment.
    public let segments: [String]
    public let access: Access
    /// The audit action name (`domain.verify`).
    public let action: String
    public let handler: @Sendable (RouteRequest) -> AdminResponse

    public init(_ method: String, _ path: String, _ access: Access, action: String,
                _ handler: @escaping @Sendable (RouteRequest) -> AdminResponse) {
        self.method = method
        self.segments = path.split(separator: "/").map(String.init)
        self.access = access
        self.action = action
        self.handler = handler
    }

    func match(_ path: [String]) -> [String]? {
        guard path.count == segments.count else { return nil }
        var parameters: [String] = []
        for (pattern, segment) in zip(segments, path) {
            if pattern == "{}" {
                parameters.append(segment)
            } else if pattern != segment {
                return nil
            }
        }
        return parameters
    }
}

/// Finds the route for a request, enforces its access, and runs it.
public struct Router: Sendable {
    public let routes: [Route]
    /// Called for every write refused to a reader, so that it is audited.
    public let refused: @Sendable (Route, RouteRequest) -> Void

    public init(routes: [Route], refused: @escaping @Sendable (Route, RouteRequest) -> Void) {
        self.routes = routes
        self.refused = refused
    }

    /// Answers a request for `target` (path and query, as on the request line).
    public func handle(method: String, target: String, body: Data, peer: PeerCredentials, mayWrite: Bool) -> AdminResponse {
        let (rawPath, rawQuery) = Self.split(target)
        guard let path = Self.segments(rawPath) else {
            return .error(APIError(.notFound, "the path \(rawPath.prefix(200)) is not valid (bad percent-encoding)"))
        }
        let candidates = routes.compactMap { route in route.match(path).map { (route, $0) } }
        guard !candidates.isEmpty else {
            return .error(APIError(.notFound, "there is no \(rawPath.prefix(200)); see the API's routes in openapi.yaml"))
        }
        guard let (route, parameters) = candidates.first(where: { $0.0.method == method }) else {
            let allowed = candidates.map(\.0.method)
            return .error(APIError(.methodNotAllowed, "\(method.prefix(20)) is not allowed on \(rawPath.prefix(200)); use \(allowed.joined(separator: " or "))",
                                   headers: [("Allow", allowed.joined(separator: ", "))]))
        }
        guard let query = Self.query(rawQuery) else {
            return .error(APIError(.validationError, "the query string is not valid (bad percent-encoding)"))
        }
        let request = RouteRequest(method: method, parameters: parameters, query: query, body: body, peer: peer, mayWrite: mayWrite)
        if route.access == .write && !mayWrite {
            refused(route, request)
            return .error(APIError(.forbidden, "uid \(peer.uid) may only read; changes need uid 0, the daemon's user, or membership of the write group"))
        }
        return route.handler(request)
    }

    static func split(_ target: String) -> (path: Substring, query: Substring) {
        guard let mark = target.firstIndex(of: "?") else { return (target[...], "") }
        return (target[..<mark], target[target.index(after: mark)...])
    }

    /// Percent-decoded path segments; nil when the encoding is broken or decodes to invalid UTF-8.
    static func segments(_ path: Substring) -> [String]? {
        var result: [String] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard let decoded = String(part).removingPercentEncoding else { return nil }
            result.append(decoded)
        }
        return result
    }

    static func query(_ raw: Substring) -> [String: String]? {
        var result: [String: String] = [:]
        for pair in raw.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = String(parts[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding,
                  let value = String(parts.count > 1 ? parts[1] : "").replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                return nil
            }
            result[key] = value
        }
        return result
    }
}
