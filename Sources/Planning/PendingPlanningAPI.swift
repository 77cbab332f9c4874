import BatchTask
import Foundation
import JSON
import Manifest
import State

// Interim forms of the planning operations the session uses; the Planning module's own versions replace them.

public struct DriftReport: Sendable {
    public var items: [DriftItem]
    public var managed: Int
    public var modified: Int { items.count { $0.kind == .modified } }
    public var missing: Int { items.count { $0.kind == .missing } }
}

extension Drift {
    public static func report(entries: [String: StateEntry], live: [Int32: BatchTaskInfo], desired: [DesiredTask],
                              selection: TaskSelection = .everything) -> DriftReport {
        var ignored: [String: Set<BatchTaskField>] = [:]
        for task in desired where !task.lifecycle.ignoreChanges.isEmpty { ignored[task.address] = task.lifecycle.ignoreChanges }
        var items: [DriftItem] = []
        for (address, entry) in entries.sorted(by: { $0.key < $1.key }) {
            guard selection.isEverything || selection.includes(address: address, labels: [:]) else { continue }
            if let current = live[entry.id] {
                let changes = changes(entry: entry, live: current, ignoring: ignored[address] ?? [])
                if !changes.isEmpty { items.append(DriftItem(address: address, id: entry.id, kind: .modified, changes: changes)) }
            } else {
                items.append(DriftItem(address: address, id: entry.id, kind: .missing, changes: []))
            }
        }
        return DriftReport(items: items, managed: entries.count)
    }
}

public enum DriftDocument {
    public static func json(_ report: DriftReport) -> JSONValue {
        .object([
            "formatVersion": 1, "managed": .int(Int64(report.managed)),
            "drift": PlanDocument.json(Plan(actions: [], orphans: [], drift: report.items, stateLineage: nil, stateSerial: nil,
                                            endpoint: "", refreshed: true))["drift"] ?? .array([]),
        ])
    }
}

public enum SavedPlan {
    public static func read(_ bytes: [UInt8], path: String) throws(PlanFileError) -> Plan {
        do {
            return try PlanDocument.decode(JSONValue.parse(bytes))
        } catch let error as PlanFileError {
            throw PlanFileError(message: "\(path): \(error.message)")
        } catch {
            throw PlanFileError(message: "\(path) is not a plan file: \(error)")
        }
    }

    public static func verify(_ plan: Plan, path: String, state: State?, desired: [DesiredTask], endpoint: String) throws(PlanFileError) {
        guard plan.endpoint == endpoint else {
            throw PlanFileError(message: "\(path) was made for endpoint \(plan.endpoint), not \(endpoint)")
        }
        guard plan.stateLineage == state?.lineage, plan.stateSerial == state?.serial else {
            throw PlanFileError(message: "\(path) is stale: the state changed since the plan was made (serial \(plan.stateSerial.map(String.init) ?? "none") then, \(state.map { String($0.serial) } ?? "none") now); make a new plan")
        }
        guard plan.manifestDigest == Planner.digest(desired) else {
            throw PlanFileError(message: "\(path) is stale: the manifests changed since the plan was made; make a new plan")
        }
    }
}

extension Planner {
    public static func destroy(state: State, targets: TaskSelection, sets: Set<String>?, endpoint: String) -> Plan {
        let actions = state.tasks.sorted { $0.key < $1.key }
            .filter { targets.isEverything || targets.includes(address: $0.key, labels: [:]) }
            .filter { entry in sets.map { $0.contains(String(entry.key.prefix { $0 != "/" })) } ?? true }
            .map { PlannedAction(address: $0.key, kind: .delete, id: $0.value.id, reason: "destroy") }
        return Plan(actions: actions, orphans: [], drift: [], stateLineage: state.lineage, stateSerial: state.serial,
                    endpoint: endpoint, refreshed: false)
    }
}

public enum Import {
    public static func entry(for task: DesiredTask, id: Int32, live: BatchTaskInfo, at: String) -> StateEntry {
        var applied = JSONValue.Object()
        for field in task.info.presentFields {
            guard let value = live[field] else { continue }
            applied[field.rawValue] = task.redactions[field] != nil ? Fingerprint.sensitiveMarker(for: value) : value
        }
        return StateEntry(id: id, fingerprint: Fingerprint.of(.object(applied)), applied: .object(applied),
                          appliedAt: at, source: task.source.description)
    }
}

import Diagnostics

extension PlanningError: UserFacingError {
    public var message: String { description }
}

extension PlanFileError: UserFacingError {}
