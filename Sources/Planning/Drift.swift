import BatchTask
import DesiredTasks
import JSON
import State

/// What the server holds that differs from what was applied: the `drift` command's answer, and a refreshed plan's.
public struct DriftReport: Hashable, Sendable {
    /// Sorted by address.
    public var items: [DriftItem]
    /// The state entries the report was made over.
    public var managed: Int

    public init(items: [DriftItem], managed: Int) {
        self.items = items
        self.managed = managed
    }

    public var modified: Int { items.count { $0.kind == .modified } }
    public var missing: Int { items.count { $0.kind == .missing } }
}

/// Differences between what was applied and what the server holds.
public enum Drift {
    /// The drift of every entry `selection` includes (by address), each read once; the `lifecycle.ignoreChanges` of
    /// the desired task at an entry's address is honoured.
    public static func report(entries: [String: StateEntry], live: [Int32: BatchTaskInfo], desired: [DesiredTask],
                              selection: TaskSelection = .everything, secrets: SecretHasher,
                              fields: FieldModel = .standard) -> DriftReport {
        var ignored: [String: Set<BatchTaskField>] = [:]
        for task in desired where !task.lifecycle.ignoreChanges.isEmpty { ignored[task.address] = task.lifecycle.ignoreChanges }
        var selected: [(address: String, entry: StateEntry)] = []
        selected.reserveCapacity(entries.count)
        for (address, entry) in entries where selection.includes(address: address) {
            selected.append((address, entry))
        }
        selected.sort { $0.address < $1.address }
        // Each entry's applied fields are read (from a state file: parsed) to compare them: at 100,000 entries
        // that is the report's work, and every core takes a share.
        let index = ignored
        let items = Parallel.map(selected, minimumPerChunk: 2048) { item -> DriftItem? in
            let (address, entry) = item
            guard let current = live[entry.id] else {
                return DriftItem(address: address, id: entry.id, kind: .missing, changes: [])
            }
            let changed = Drift.changes(entry: entry, live: current, ignoring: index[address] ?? [], secrets: secrets, fields: fields)
            return changed.isEmpty ? nil : DriftItem(address: address, id: entry.id, kind: .modified, changes: changed)
        }
        return DriftReport(items: items.compactMap { $0 }, managed: entries.count)
    }

    /// Fields the state recorded whose live value differs; before = as applied, after = as live.
    ///
    /// State is left out: it moves on its own as the job runs; so are the fields the server sets (`FieldModel`).
    /// Secrets compare by hash and show as `(sensitive)`.
    public static func changes(entry: StateEntry, live: BatchTaskInfo, ignoring: Set<BatchTaskField>,
                               secrets: SecretHasher, fields model: FieldModel = .standard) -> [FieldChange] {
        guard case .object(let applied) = entry.applied else { return [] }
        let withParameters = applied[BatchTaskField.parameterObject.rawValue].map { !$0.isNull } == true
        var changes: [FieldChange] = []
        for (name, recorded) in applied {
            guard let field = BatchTaskField(rawValue: name), field != .state,
                  model.isCompared(field, withParameterObject: withParameters), !ignoring.contains(field) else { continue }
            let current = live[field]
            if Fingerprint.isSensitiveMarker(recorded) {
                let same = current.map { secrets.matches($0, recorded) } ?? false
                if !same {
                    changes.append(FieldChange(field: field, before: displayed(recorded),
                                               after: current.map { _ in .string("(sensitive, changed)") }))
                }
                continue
            }
            if let current, model.same(field, recorded, current) { continue }
            changes.append(FieldChange(field: field, before: recorded, after: current))
        }
        return changes
    }

    /// A recorded value as people may see it.
    static func displayed(_ value: JSONValue) -> JSONValue {
        Fingerprint.isSensitiveMarker(value) ? .string(DesiredTask.sensitiveMarker) : value
    }
}
