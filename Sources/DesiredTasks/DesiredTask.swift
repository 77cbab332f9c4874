import BatchTask
import Diagnostics
import JSON

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

    /// What every output shows in place of a secret; the expression language redacts its values with the same text.
    public static let sensitiveMarker = "(sensitive)"

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

    /// The fields as every output shows them: the BatchTaskInfo JSON with secrets redacted.
    public var displayJSON: JSONValue {
        var json = info.json()
        guard !redactions.isEmpty, case .object(var fields) = json else { return json }
        for (field, shown) in redactions { fields[field.rawValue] = shown }
        json = .object(fields)
        return json
    }

    /// Fields whose value contains a secret.
    public var sensitiveFields: Set<BatchTaskField> { Set(redactions.keys) }

    /// The secret values of the task as text, longest first: the leaves of its sensitive fields that are shown as
    /// `(sensitive)`. For taking out of text a server sends back (a job's Result may echo its Request).
    public var secretTexts: [String] {
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
        guard !redactions.isEmpty else { return text }
        var text = text
        for secret in secretTexts where text.contains(secret) {
            text = text.replacingOccurrences(of: secret, with: DesiredTask.sensitiveMarker)
        }
        return text
    }
}
