// Why no complete response came back from the daemon's socket, naming the socket and the system error.
import Foundation

/// A request that did not produce a complete HTTP response.
public struct HTTPClientError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: Equatable, Sendable {
        /// The socket could not be opened or connected: no such file, nobody listening, no permission.
        case unreachable
        /// The daemon did not accept, read or answer within the timeout.
        case timedOut
        /// The daemon closed the connection (or reset it) before the response was complete.
        case connectionClosed
        /// What came back is not HTTP/1.x as this client reads it.
        case malformedResponse
        /// The response is larger than the client's bound.
        case responseTooLarge
    }

    public let code: Code
    /// The socket the request went to.
    public let socketPath: String
    /// What happened, e.g. `connect: No such file or directory`.
    public let detail: String
    /// The failed system call, when one did.
    public let systemError: SystemCallError?

    public init(_ code: Code, socketPath: String, detail: String, systemError: SystemCallError? = nil) {
        self.code = code
        self.socketPath = socketPath
        self.detail = detail
        self.systemError = systemError
    }

    public var description: String {
        switch code {
        case .unreachable:
            return "cannot reach domain-verifierd at \(socketPath): \(detail)\(hint)"
        case .timedOut:
            return "domain-verifierd at \(socketPath) did not answer in time: \(detail)"
        case .connectionClosed:
            return "domain-verifierd at \(socketPath) closed the connection \(detail)"
        case .malformedResponse:
            return "domain-verifierd at \(socketPath) sent a response domainctl cannot read: \(detail)"
        case .responseTooLarge:
            return "the response from domain-verifierd at \(socketPath) is too large: \(detail)"
        }
    }

    /// What an operator most likely has to do about a failed connect.
    private var hint: String {
        switch systemError?.errno {
        case ENOENT?, ECONNREFUSED?:
            return " (is domain-verifierd running? --socket or $DOMAINCTL_SOCKET name another socket)"
        case EACCES?, EPERM?:
            return " (only root and members of group domain-verifier may use the socket)"
        default:
            return ""
        }
    }
}
