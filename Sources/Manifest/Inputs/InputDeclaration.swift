import Diagnostics
import YAML

/// One entry of `inputs:`, in a TaskSet or the project file: a var whose values are checked against a type and
/// validation rules where they are given.
public struct InputDeclaration: Sendable {
    /// A `validation` entry: an expression that must give true, and the message printed when it gives false.
    public struct Validation: Sendable {
        public var rule: Node
        public var message: String
    }

    /// A key of one input's mapping; `InputReader` reads by these and `ManifestSchema` describes them.
    public enum Key: String, CaseIterable, Sendable {
        case type, `default`, description, validation, sensitive

        public var summary: String {
            switch self {
            case .type: return "string, integer, number, boolean, any, or list(T) / map(T) around them (default any); an integer is accepted for a number, nothing else converts"
            case .default: return "the value when none is given; without one, a value must come from --var, a var file, BATCHCTL_VAR_<name> or the environment's vars"
            case .description: return "what the input is for, shown by explain and in the var-file schema"
            case .validation: return "{rule: ${...}, message: ...} or a list of them: the rule must give true, else the message is printed where the value was given"
            case .sensitive: return "true: the value is secret wherever it is used, as sensitive() makes it"
            }
        }
    }

    public var name: String
    /// Where the input's name is written.
    public var location: SourceLocation
    public var type: InputType
    public var defaultValue: Node?
    public var description: String?
    public var validations: [Validation]
    public var isSensitive: Bool
}
