/// A BatchTaskInfo property whose value has the wrong type or range; the message is meant for the user.
public struct FieldError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The property as the API spells it (`ProgressPercent`); empty when the whole value is wrong.
    public var field: String
    /// For example "expected an integer between -2147483648 and 2147483647, got 3000000000".
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}
