// The one wrapper the socket client's POSIX calls go through: retries EINTR and names the call that failed.
import Foundation

/// A system call failed: which one, and the `errno` it left.
public struct SystemCallError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The C function, e.g. `connect`.
    public let function: String
    public let errno: Int32

    public init(function: String, errno: Int32) {
        self.function = function
        self.errno = errno
    }

    /// `connect: No such file or directory`
    public var description: String {
        "\(function): \(String(cString: strerror(errno)))"
    }
}

/// Calls `body` until it returns something other than -1 with `errno` EINTR; any other -1 throws.
@discardableResult
func systemCall<Result: BinaryInteger>(_ function: String, _ body: () -> Result) throws(SystemCallError) -> Result {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code != EINTR { throw SystemCallError(function: function, errno: code) }
    }
}
