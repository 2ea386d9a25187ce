// The error every input rule throws: which field is wrong, what is wrong with it, and how to fix it.

/// A refused input. `message` is a full sentence naming the problem and the fix; the API returns it
/// as a 422 `validation_error`, `domainctl` prints it as is.
public struct ValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input field the problem is in (`name`, `custom_return_path`, `region`, …).
    public let field: String
    public let message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { message }
}
