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
}

/// A `moved` entry, resolved to addresses: carry the state entry at `from` to `to` without an API call.
public struct Move: Hashable, Sendable {
    public var from: String
    public var to: String
    public var location: SourceLocation

    public init(from: String, to: String, location: SourceLocation) {
        self.from = from
        self.to = to
        self.location = location
    }
}

/// A task set as loaded, for selection by label and for listings.
public struct TaskSetSummary: Hashable, Sendable {
    public var name: String
    public var labels: [String: String]
    public var location: SourceLocation
    public var taskCount: Int
}
