// The error the test servers throw: what failed, and the output that says why.
import Foundation

/// A test server failed to start, to apply an edit, or to answer in time.
public struct TestServerError: Error, CustomStringConvertible {
    /// What was being done, e.g. "knotc zone-set example.test www A 192.0.2.1".
    public let operation: String
    /// The tool's output or the server's log, as evidence.
    public let output: String

    public init(_ operation: String, output: String) {
        self.operation = operation
        self.output = output
    }

    public var description: String {
        output.isEmpty ? "\(operation) failed" : "\(operation) failed:\n\(output)"
    }
}
