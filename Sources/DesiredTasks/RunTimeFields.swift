import BatchTask
import Diagnostics
import JSON
import State

/// The fields of a task that use `${run.*}`: known only when a run starts, so they are evaluated then, once per
/// run, over the templates and the names the task was expanded with.
///
/// A class, so a task without such fields carries one nil reference and nothing else.
public final class RunTimeFields: Sendable {
    /// Sets the fields' values for one run in a task's fields, and the redactions of those that hold a secret.
    public typealias Evaluate = @Sendable (RunContext, inout BatchTaskInfo, inout [BatchTaskField: JSONValue]) throws(Diagnostic) -> Void

    /// The fields, in the API's order.
    public let fields: [BatchTaskField]
    /// The fields' templates as written, for the manifests' digest: a changed template is a change.
    public let templates: String
    private let evaluate: Evaluate

    public init(fields: [BatchTaskField], templates: String, evaluate: @escaping Evaluate) {
        self.fields = fields
        self.templates = templates
        self.evaluate = evaluate
    }

    /// Evaluates the fields for the run `context` into `info` and `redactions`; an error names the field's position.
    public func resolve(_ context: RunContext, into info: inout BatchTaskInfo,
                        redactions: inout [BatchTaskField: JSONValue]) throws(Diagnostic) {
        try evaluate(context, &info, &redactions)
    }
}
