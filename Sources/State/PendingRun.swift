import JSON

/// A run that is due, or asked for, but waits for the tasks it depends on: recorded in the state (journaled like a
/// run) so that no command holds the lock while a job runs. `run --due`, each controller cycle and `--wait` advance
/// it: start it once every task it waits for has a Succeeded run for the same slot, skip it when one of them Failed
/// with its retries spent, drop it when it is older than its `startingDeadline`.
public struct PendingRun: Hashable, Sendable {
    /// What starts once it is ready.
    public enum Start: String, CaseIterable, Sendable {
        /// The task has no entry yet: it is created (its first run).
        case create
        /// An immutable field changed: the task is replaced.
        case replace
        /// A new run of the task (a due slot, `batchctl run`, a change of a `when: onChange` task).
        case run
    }

    /// The schedule slot it is for (ISO 8601 UTC); nil for a run that is not for a slot.
    public var slot: String?
    /// The addresses it waits for, sorted.
    public var waitsFor: [String]
    /// When it became pending (ISO 8601 UTC).
    public var since: String
    public var start: Start

    public init(slot: String?, waitsFor: [String], since: String, start: Start) {
        self.slot = slot
        self.waitsFor = waitsFor
        self.since = since
        self.start = start
    }
}

extension PendingRun {
    /// As the state file and the journal hold it: members in sorted order, `slot` only when there is one.
    public var json: JSONValue {
        var members: JSONValue.Object = ["since": .string(since), "start": .string(start.rawValue),
                                         "waitsFor": .array(waitsFor.map(JSONValue.string))]
        if let slot { members["slot"] = .string(slot) }
        return .object(members)
    }

    init(json: JSONValue) throws(FormatError) {
        let reader = try FieldReader(json)
        try reader.rejectUnknown(["slot", "since", "start", "waitsFor"])
        let startName = try reader.string("start")
        guard let start = Start(rawValue: startName) else {
            throw FormatError(path: ["start"], detail: "'\(startName)' is not one of \(Start.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard case .array(let addresses)? = reader.value["waitsFor"] else {
            throw FormatError(path: ["waitsFor"], detail: "expected an array of addresses")
        }
        var waitsFor: [String] = []
        for (index, address) in addresses.enumerated() {
            guard case .string(let text) = address else {
                throw FormatError(path: ["waitsFor", "\(index)"], detail: "expected a string, got \(address.typeName)")
            }
            waitsFor.append(text)
        }
        self.init(slot: try reader.optionalString("slot"), waitsFor: waitsFor, since: try reader.string("since"), start: start)
    }

    /// A list of pending runs as one JSON array.
    static func json(_ runs: [PendingRun]) -> JSONValue { .array(runs.map(\.json)) }

    static func list(_ json: JSONValue) throws(FormatError) -> [PendingRun] {
        guard case .array(let items) = json else { throw FormatError(path: [], detail: "expected an array, got \(json.typeName)") }
        var runs: [PendingRun] = []
        for (index, item) in items.enumerated() {
            do throws(FormatError) {
                runs.append(try PendingRun(json: item))
            } catch {
                throw error.inside("\(index)")
            }
        }
        return runs
    }
}
