import BatchTask
import Diagnostics
import JSON
import State

/// One expanded task: what batchctl wants the API to hold at `address`.
public struct DesiredTask: Sendable {
    public var setName: String
    public var key: String
    /// `<set name>/<key>`: the task's identity in the state.
    public var address: String
    /// The task entry in the manifest that produced it.
    public var source: SourceLocation
    /// The fields to send, secrets in clear.
    public var info: BatchTaskInfo
    /// For fields that hold a `sensitive()` value: what to show instead (secrets as `(sensitive)`).
    public var redactions: [BatchTaskField: JSONValue]
    /// Addresses this task waits for.
    public var dependsOn: [String]
    public var lifecycle: Lifecycle
    /// When new runs start, and how many finished ones are kept.
    public var run: RunPolicy
    /// The fields that use `${run.*}`, absent from `info` until `forRun` evaluates them; nil for most tasks.
    public var runTime: RunTimeFields?

    /// What every output shows in place of a secret; the expression language redacts its values with the same text.
    public static let sensitiveMarker = "(sensitive)"
    /// What every output shows in place of a field that uses `${run.*}` before a run starts.
    public static let runTimeMarker = "(known at run time)"

    public init(setName: String, key: String, address: String, source: SourceLocation, info: BatchTaskInfo,
                redactions: [BatchTaskField: JSONValue] = [:], dependsOn: [String] = [], lifecycle: Lifecycle = Lifecycle(),
                run: RunPolicy = RunPolicy()) {
        self.setName = setName
        self.key = key
        self.address = address
        self.source = source
        self.info = info
        self.redactions = redactions
        self.dependsOn = dependsOn
        self.lifecycle = lifecycle
        self.run = run
    }

    /// The fields that use `${run.*}`: evaluated when a run starts.
    public var runTimeFields: [BatchTaskField] { runTime?.fields ?? [] }

    /// The task as a run sends it: its fields that use `${run.*}` evaluated for `context`. A task without such
    /// fields is itself. An error names the position of the expression or field at fault.
    public func forRun(_ context: RunContext) throws(Diagnostic) -> DesiredTask {
        guard let runTime else { return self }
        var task = self
        task.runTime = nil
        try runTime.resolve(context, into: &task.info, redactions: &task.redactions)
        return task
    }

    /// The fields as every output shows them: the BatchTaskInfo JSON with secrets redacted, and the fields that use
    /// `${run.*}` as `(known at run time)`.
    public var displayJSON: JSONValue {
        var json = info.json()
        guard !redactions.isEmpty || runTime != nil, case .object(var fields) = json else { return json }
        for (field, shown) in redactions { fields[field.rawValue] = shown }
        if let runTime {
            for field in runTime.fields { fields[field.rawValue] = .string(DesiredTask.runTimeMarker) }
            // In the API's order, as the fields known now are.
            var ordered = JSONValue.Object(minimumCapacity: fields.count)
            for field in BatchTaskField.allCases { if let value = fields[field.rawValue] { ordered[field.rawValue] = value } }
            fields = ordered
        }
        json = .object(fields)
        return json
    }

    /// Fields whose value contains a secret.
    public var sensitiveFields: Set<BatchTaskField> { Set(redactions.keys) }

    /// The secret values of the task as text, longest first: the leaves of its sensitive fields that are shown as
    /// `(sensitive)`. For taking out of text a server sends back (a job's Result may echo its Request).
    public var secretTexts: [String] {
        // A secret inside a field that uses `run.*` is known once the field is: it does not depend on the run, so any
        // run's context shows it.
        if runTime != nil {
            let anyRun = RunContext(slot: "", previousSlot: nil, lastSucceededSlot: nil, attempt: 1)
            return (try? forRun(anyRun))?.secretTexts ?? []
        }
        var texts: Set<String> = []
        func collect(_ clear: JSONValue, _ shown: JSONValue) {
            switch (clear, shown) {
            case (.object(let values), .object(let displayed)):
                for (key, value) in values { if let display = displayed[key] { collect(value, display) } }
            case (.array(let values), .array(let displayed)):
                for (value, display) in zip(values, displayed) { collect(value, display) }
            case (_, .string(let marker)) where marker == DesiredTask.sensitiveMarker:
                switch clear {
                case .string(let text): texts.insert(text)
                case .int(let n): texts.insert(String(n))
                case .double(let d): texts.insert(String(d))
                case .bool(let b): texts.insert(b ? "True" : "False")
                case .object, .array: texts.insert(clear.serialized())
                case .null: break
                }
            default: break
            }
        }
        for (field, shown) in redactions {
            if let clear = info[field] { collect(clear, shown) }
        }
        return texts.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
    }

    /// `text` with every secret of the task replaced by `(sensitive)`.
    public func redacting(_ text: String) -> String {
        guard !redactions.isEmpty || runTime != nil else { return text }
        var text = text
        for secret in secretTexts where text.contains(secret) {
            text = text.replacingOccurrences(of: secret, with: DesiredTask.sensitiveMarker)
        }
        return text
    }
}
