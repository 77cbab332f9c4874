import Crypto
import BatchTask
import JSON
import Manifest
import State

/// How to plan: pruning, guards, and which addresses are in scope.
public struct PlanOptions: Sendable {
    public var prune = false
    public var allowMassDelete = false
    public var selection = TaskSelection.everything
    public var endpoint: String

    public init(endpoint: String) {
        self.endpoint = endpoint
    }
}

/// Why a plan cannot be made: a guard said no.
public struct PlanningError: Error, Sendable, CustomStringConvertible {
    public var messages: [String]
    public var description: String { messages.joined(separator: "\n") }
}

/// Decides what must change: a pure function of the desired tasks, the state and (when refreshing) the live tasks.
///
/// It knows nothing of HTTP or files, so it is tested without a server and stays fast at 100,000 tasks.
public enum Planner {
    /// `desired` holds each address once, as expansion guarantees.
    public static func plan(desired: [DesiredTask], moves: [Move] = [], sets: [TaskSetSummary] = [], state: State?,
                            live: [Int32: BatchTaskInfo]?, options: PlanOptions) throws(PlanningError) -> Plan {
        var problems: [String] = []
        var entries = state?.tasks ?? [:]
        var actions: [PlannedAction] = []
        actions.reserveCapacity(desired.count)
        var labels: [String: [String: String]] = [:]
        for set in sets { labels[set.name] = set.labels }
        let selection = options.selection
        func selected(_ address: String, set: String? = nil) -> Bool {
            selection.isEverything || selection.includes(address: address, labels: set.flatMap { labels[$0] } ?? [:])
        }

        var movedInto = Set<String>()
        for move in moves where selected(move.to) {
            guard let entry = entries[move.from] else { continue }  // already moved, or never applied
            if entries[move.to] != nil {
                problems.append("cannot move \(move.from) to \(move.to): the state has both (\(move.location)); remove one with `batchctl state rm`")
                continue
            }
            entries[move.to] = entry
            entries[move.from] = nil
            movedInto.insert(move.to)
            actions.append(PlannedAction(address: move.to, kind: .move, id: entry.id, reason: "moved from \(move.from)", movedFrom: move.from))
        }

        // Comparing fields is most of a large plan's work, and each task's comparison stands alone: every core
        // takes a share.
        let known = entries
        let compared = Parallel.map(desired, minimumPerChunk: 4096) { task in
            known[task.address].map { entry in (id: entry.id, changes: compare(task, entry)) }
        }

        for (index, task) in desired.enumerated() {
            guard selected(task.address, set: task.setName) else { continue }
            guard case .some((let id, var changes)) = compared[index] else {
                actions.append(PlannedAction(address: task.address, kind: .create, changes: creationChanges(task)))
                continue
            }
            let liveTask = live.map { $0[id] }
            if let liveTask, liveTask == nil {
                actions.append(PlannedAction(address: task.address, kind: .create, changes: creationChanges(task),
                                             reason: "missing from the API (id \(id) is gone)"))
                continue
            }
            var reason: String?
            if case .some(.some(let current)) = liveTask, let entry = entries[task.address] {
                let drifted = Drift.changes(entry: entry, live: current, ignoring: task.lifecycle.ignoreChanges)
                    .filter { change in !changes.contains { $0.field == change.field } }
                if !drifted.isEmpty {
                    reason = "changed outside batchctl: " + drifted.map(\.field).joined(separator: ", ")
                    // Shown as server value -> desired value: what applying will do.
                    for change in drifted {
                        guard let field = BatchTaskField(rawValue: change.field) else { continue }
                        changes.append(FieldChange(field: change.field, before: change.after, after: task.displayedValue(field)))
                    }
                }
            }
            if changes.isEmpty {
                if !movedInto.contains(task.address) {
                    actions.append(PlannedAction(address: task.address, kind: .noop, id: id))
                }
                continue
            }
            let inPlace = changes.allSatisfy { BatchTaskField(rawValue: $0.field)?.role == .updatable }
            if !inPlace && task.lifecycle.preventDestroy {
                let fields = changes.filter { BatchTaskField(rawValue: $0.field)?.role != .updatable }.map(\.field)
                problems.append("\(task.address) (\(task.source)) has lifecycle.preventDestroy, but \(fields.joined(separator: ", ")) changed, which needs a replace; change those fields back, or remove preventDestroy first")
                continue
            }
            actions.append(PlannedAction(address: task.address, kind: inPlace ? .update : .replace, id: id,
                                         changes: changes, reason: reason,
                                         createBeforeDestroy: task.lifecycle.createBeforeDestroy))
        }

        var orphans: [Orphan] = []
        var deletes = 0
        // Only the entries that left the manifests are sorted, not the whole state.
        var departed: [(address: String, entry: StateEntry)] = []
        // Addresses are unique, so when every entry was matched by a desired task, none has left.
        if compared.count(where: { $0 != nil }) < entries.count {
            let desiredAddresses = Set(desired.map(\.address))
            for (address, entry) in entries where !desiredAddresses.contains(address) { departed.append((address, entry)) }
            departed.sort { $0.address < $1.address }
        }
        for (address, entry) in departed {
            guard selection.isEverything || selection.includes(address: address, labels: [:]) else { continue }
            if options.prune {
                deletes += 1
                actions.append(PlannedAction(address: address, kind: .delete, id: entry.id,
                                             changes: entryChanges(entry), reason: "no longer in the manifests"))
            } else {
                orphans.append(Orphan(address: address, id: entry.id))
            }
        }
        let managed = entries.count
        if deletes > 0 && !options.allowMassDelete && (deletes == managed || deletes * 2 > managed) {
            problems.append("this plan would delete \(deletes) of the \(managed) managed tasks; if that is what you want, add --allow-mass-delete")
        }
        if !problems.isEmpty { throw PlanningError(messages: problems) }

        var drift: [DriftItem] = []
        if let live {
            for (address, entry) in entries.sorted(by: { $0.key < $1.key }) {
                guard selection.isEverything || selection.includes(address: address, labels: [:]) else { continue }
                let ignored = desired.isEmpty ? [] : (ignoreIndex(desired)[address] ?? [])
                if let current = live[entry.id] {
                    let changes = Drift.changes(entry: entry, live: current, ignoring: ignored)
                    if !changes.isEmpty { drift.append(DriftItem(address: address, id: entry.id, kind: .modified, changes: changes)) }
                } else {
                    drift.append(DriftItem(address: address, id: entry.id, kind: .missing, changes: []))
                }
            }
        }
        return Plan(actions: actions, orphans: orphans, drift: drift, stateLineage: state?.lineage, stateSerial: state?.serial,
                    endpoint: options.endpoint, refreshed: live != nil)
    }

    /// A digest of everything the manifests ask for: one SHA-256 over every task's address, fields (as sent),
    /// dependencies and lifecycle, streamed task by task. The same manifests give the same bytes in the same order.
    public static func digest(_ desired: [DesiredTask]) -> String {
        // Fixed chunks hashed on every core, then the chunk hashes hashed in order: the same tasks always give the
        // same digest, whatever the machine.
        let chunk = 4096
        let ranges = stride(from: 0, to: desired.count, by: chunk).map { $0..<min($0 + chunk, desired.count) }
        let parts = Parallel.map(ranges, minimumPerChunk: 1) { range -> [UInt8] in
            var hasher = SHA256()
            var writer = JSONWriter()
            for task in desired[range] {
                writer.bytes.removeAll(keepingCapacity: true)
                writer.beginArray()
                writer.writeString(task.address)
                task.info.write(to: &writer)
                writer.beginArray()
                for dependency in task.dependsOn { writer.writeString(dependency) }
                writer.endArray()
                writer.writeBool(task.lifecycle.preventDestroy)
                writer.writeBool(task.lifecycle.createBeforeDestroy)
                writer.beginArray()
                for field in task.lifecycle.ignoreChanges.map(\.rawValue).sorted() { writer.writeString(field) }
                writer.endArray()
                writer.endArray()
                writer.bytes.append(10)
                hasher.update(data: writer.bytes)
            }
            return Array(hasher.finalize())
        }
        return Fingerprint.sha256(parts.flatMap { $0 })
    }

    // MARK: - Comparing

    /// `differences`, with a shortcut for the common case of a large plan: an entry read from the state file whose
    /// text is byte for byte what this task would record has no differences, and its fields need not be read.
    static func compare(_ task: DesiredTask, _ entry: StateEntry) -> [FieldChange] {
        guard entry.appliedIsText, entry.appliedText(is: task.recordText) else { return differences(task, entry) }
        return []
    }

    /// Fields whose desired value differs from what was applied; `ignoreChanges` fields are left alone.
    static func differences(_ task: DesiredTask, _ entry: StateEntry) -> [FieldChange] {
        guard case .object(let applied) = entry.applied else { return creationChanges(task) }
        let ignored = task.lifecycle.ignoreChanges
        var changes: [FieldChange] = []
        // Fields that were applied: changed or removed.
        for (name, before) in applied {
            guard let field = BatchTaskField(rawValue: name), field.role != .serverAssigned, field.role != .serverManaged,
                  !ignored.contains(field) else { continue }
            if let wanted = task.recordedValue(field), Fingerprint.same(wanted, before) { continue }
            changes.append(FieldChange(field: name, before: Drift.displayed(before), after: task.displayedValue(field)))
        }
        // Fields that are new.
        for field in task.info.presentFields where applied[field.rawValue] == nil && !ignored.contains(field)
            && field.role != .serverAssigned && field.role != .serverManaged {
            changes.append(FieldChange(field: field.rawValue, before: nil, after: task.displayedValue(field)))
        }
        if changes.count > 1 { changes.sort { ($0.field.fieldOrder) < ($1.field.fieldOrder) } }
        return changes
    }

    static func creationChanges(_ task: DesiredTask) -> [FieldChange] {
        task.info.presentFields.map { FieldChange(field: $0.rawValue, before: nil, after: task.displayedValue($0)) }
    }

    static func entryChanges(_ entry: StateEntry) -> [FieldChange] {
        guard case .object(let applied) = entry.applied else { return [] }
        return applied.map { FieldChange(field: $0.key, before: Drift.displayed($0.value), after: nil) }
    }

    private static func ignoreIndex(_ desired: [DesiredTask]) -> [String: Set<BatchTaskField>] {
        var index: [String: Set<BatchTaskField>] = [:]
        for task in desired where !task.lifecycle.ignoreChanges.isEmpty { index[task.address] = task.lifecycle.ignoreChanges }
        return index
    }
}

/// Differences between what was applied and what the server holds.
public enum Drift {
    /// Fields the state recorded whose live value differs; before = as applied, after = as live.
    ///
    /// State is left out: it moves on its own as the job runs. Secrets compare by hash and show as `(sensitive)`.
    public static func changes(entry: StateEntry, live: BatchTaskInfo, ignoring: Set<BatchTaskField>) -> [FieldChange] {
        guard case .object(let applied) = entry.applied else { return [] }
        var changes: [FieldChange] = []
        for (name, recorded) in applied {
            guard let field = BatchTaskField(rawValue: name), field != .state, field.role != .serverManaged,
                  field.role != .serverAssigned, !ignoring.contains(field) else { continue }
            let current = live[field]
            if Fingerprint.isSensitiveMarker(recorded) {
                let same = current.map { Fingerprint.sensitiveMarker(for: $0) == recorded } ?? false
                if !same {
                    changes.append(FieldChange(field: name, before: displayed(recorded), after: current.map { _ in .string("(sensitive, changed)") }))
                }
                continue
            }
            if let current, Fingerprint.same(current, recorded) { continue }
            changes.append(FieldChange(field: name, before: recorded, after: current))
        }
        return changes
    }

    /// A recorded value as people may see it.
    static func displayed(_ value: JSONValue) -> JSONValue {
        Fingerprint.isSensitiveMarker(value) ? .string("(sensitive)") : value
    }
}

extension String {
    /// A field name's position in the API's property order, for listing changes the way the API lists fields.
    var fieldOrder: Int {
        BatchTaskField(rawValue: self).flatMap { BatchTaskField.allCases.firstIndex(of: $0) } ?? Int.max
    }
}
