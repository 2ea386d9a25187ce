// domainctl's exit codes (spec §10) and the one place that decides which error exits with which.
import Foundation
import VerifierAPIModels

/// The process exit codes of spec §10.
public enum ExitStatus: Int32, Sendable {
    case success = 0
    /// The daemon refused (its message is printed), or the command's goal was not reached.
    case failure = 1
    /// The command line is wrong.
    case usage = 2
    /// The daemon cannot be reached or does not answer (EX_UNAVAILABLE).
    case unavailable = 69

    /// ArgumentParser exits 64 (EX_USAGE) for a usage error; domainctl's contract says 2.
    public static func forArgumentParser(_ code: Int32) -> Int32 {
        code == 64 ? usage.rawValue : code
    }
}

/// A command that ran but did not reach its goal: a domain that failed, a wait that timed out.
public struct CommandError: Error, Equatable, Sendable, CustomStringConvertible {
    public let status: ExitStatus
    public let message: String

    public init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }
}

/// What domainctl prints to stderr (after "domainctl: ") and exits with, for an error a command threw.
public struct Failure: Equatable, Sendable {
    public let status: ExitStatus
    public let message: String

    /// nil for errors that do not come from DomainCtlKit (ArgumentParser's own, for one).
    public init?(_ error: any Error) {
        switch error {
        case let error as HTTPClientError:
            switch error.code {
            case .unreachable, .timedOut, .connectionClosed: status = .unavailable
            case .malformedResponse, .responseTooLarge: status = .failure
            }
            message = error.description
        case let error as DaemonRefusal:
            status = .failure
            message = error.description
        case let error as UnexpectedAnswer:
            status = .failure
            message = error.description
        case let error as CommandError:
            status = error.status
            message = error.message
        default:
            return nil
        }
    }
}
