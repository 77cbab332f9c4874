import Diagnostics
import JSON

/// Where each field of one task came from: the layer that wrote it, the expression, and the inputs it used.
public struct Explanation: Sendable {
    /// A value an expression used: a matrix value, a var, an environment variable.
    public struct Input: Sendable {
        public var name: String
        public var value: JSONValue
        public var origin: String

        public init(name: String, value: JSONValue, origin: String) {
            self.name = name
            self.value = value
            self.origin = origin
        }
    }

    /// One field, or one key of a mapping field (`ParameterObject.region`).
    public struct Field: Sendable {
        public var path: String
        public var value: JSONValue
        /// "defaults", "template import", "the task", or the layers merged at evaluation time.
        public var layer: String
        public var location: SourceLocation?
        /// The scalar as written, when it holds `${...}`.
        public var expression: String?
        public var inputs: [Input]
        /// Earlier layers this field's value replaced or merged over.
        public var overrides: [String]

        public init(path: String, value: JSONValue, layer: String, location: SourceLocation?, expression: String?,
                    inputs: [Input], overrides: [String]) {
            self.path = path
            self.value = value
            self.layer = layer
            self.location = location
            self.expression = expression
            self.inputs = inputs
            self.overrides = overrides
        }
    }

    public var address: String
    public var source: SourceLocation
    public var matrix: [Input]
    public var fields: [Field]
    /// The declared inputs of the task's set: each value (secrets as `(sensitive)`), and in `origin` its type,
    /// description and where the value came from.
    public var inputs: [Input]

    public init(address: String, source: SourceLocation, matrix: [Input], fields: [Field], inputs: [Input] = []) {
        self.address = address
        self.source = source
        self.matrix = matrix
        self.fields = fields
        self.inputs = inputs
    }
}
