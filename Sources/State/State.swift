import Foundation
import JSON

/// The whole state: every managed task by address, versioned, and bound to one endpoint.
public struct State: Hashable, Sendable {
    /// The file format this version writes and the newest it reads. Version 2 added the runs of a task
    /// (`history`, `lastState`, `slot`) and `scheduled`; a version 1 file reads as it is.
    public static let formatVersion = 2

    /// Made once when the state is created; a file with another lineage is another state.
    public var lineage: String
    /// +1 on every write (the backend increments it on save).
    public var serial: Int
    /// Where these ids live; a run against another endpoint is refused.
    public var endpoint: String
    /// By address, `set/key`.
    public var tasks: [String: StateEntry]
    /// Scheduled tasks that have not run yet, by address: since when (ISO 8601 UTC) they are scheduled, the time
    /// their first due slot is counted from. An address leaves when its first run starts. For a task that has run,
    /// the latest slot that was passed without a run (a pending run skipped or dropped): the next slot is counted
    /// from the later of it and the current run's slot.
    public var scheduled: [String: String]
    /// Runs that wait for what they depend on, by address, oldest first (`PendingRun`).
    public var pending: [String: [PendingRun]] = [:]

    public init(lineage: String, serial: Int, endpoint: String, tasks: [String: StateEntry] = [:],
                scheduled: [String: String] = [:]) {
        self.lineage = lineage
        self.serial = serial
        self.endpoint = endpoint
        self.tasks = tasks
        self.scheduled = scheduled
    }

    /// Every task id the state owns, current runs and their history: recovery never adopts one of them.
    public var ownedIds: Set<Int32> {
        var ids = Set<Int32>(minimumCapacity: tasks.count)
        for entry in tasks.values {
            ids.insert(entry.id)
            for run in entry.history { ids.insert(run.id) }
        }
        return ids
    }

    /// An empty state with a fresh lineage; serial 0, so the first save writes serial 1.
    public static func new(endpoint: String) -> State {
        State(lineage: UUID().uuidString.lowercased(), serial: 0, endpoint: endpoint)
    }

    /// Refuses to use this state against another endpoint; a trailing slash is not a difference.
    public func checkEndpoint(_ endpoint: String, stateDescription: String = "the state") throws(StateError) {
        guard Self.trimmed(self.endpoint) != Self.trimmed(endpoint) else { return }
        throw StateError.endpointMismatch(
            "\(stateDescription) is bound to endpoint \(self.endpoint), not \(endpoint): use the state file for that endpoint")
    }

    private static func trimmed(_ endpoint: String) -> Substring {
        var s = Substring(endpoint)
        while s.hasSuffix("/") { s.removeLast() }
        return s
    }
}

extension State {
    static let memberNames: Set<String> = ["endpoint", "formatVersion", "lineage", "pending", "scheduled", "serial", "tasks"]

    /// Pretty JSON with keys sorted at every level and a trailing newline, so a state kept in git diffs cleanly.
    public func encoded() -> [UInt8] {
        var writer = JSONWriter(pretty: true, sortedKeys: true)
        writer.bytes.reserveCapacity(256 + tasks.count * 512)
        writer.beginObject()
        writer.writeKey("endpoint")
        writer.writeString(endpoint)
        writer.writeKey("formatVersion")
        writer.writeInt(Int64(Self.formatVersion))
        writer.writeKey("lineage")
        writer.writeString(lineage)
        if !pending.isEmpty {
            writer.writeKey("pending")
            writer.beginObject()
            for address in pending.keys.sorted(by: utf8Precedes) {
                writer.writeKey(address)
                // One line per pending run, as a run of `history` is one line.
                writer.beginArray()
                for run in pending[address] ?? [] { writer.writeInline(run.json) }
                writer.endArray()
            }
            writer.endObject()
        }
        if !scheduled.isEmpty {
            writer.writeKey("scheduled")
            writer.beginObject()
            for address in scheduled.keys.sorted(by: utf8Precedes) {
                writer.writeKey(address)
                writer.writeString(scheduled[address] ?? "")
            }
            writer.endObject()
        }
        writer.writeKey("serial")
        writer.writeInt(Int64(serial))
        writer.writeKey("tasks")
        writer.beginObject()
        // Sorted by UTF-8 bytes, as the writer sorts object keys, so the order never depends on the locale.
        // The addresses alone: sorting (address, entry) pairs copied and released every entry's strings.
        var addresses = Array(tasks.keys)
        addresses.sort(by: utf8Precedes)
        for address in addresses {
            guard let entry = tasks[address] else { continue }
            writer.writeKey(address)
            entry.write(to: &writer)
        }
        writer.endObject()
        writer.endObject()
        writer.bytes.append(0x0A)
        return writer.bytes
    }

    /// Reads a state file's bytes; `path` names the file in messages. The version is checked before anything
    /// else, so a newer file is reported as newer rather than as malformed.
    public static func decode(_ bytes: [UInt8], path: String) throws(StateError) -> State {
        try decode(bytes, path: path, backupExists: true)
    }

    static func decode(_ bytes: consuming [UInt8], path: String, backupExists: Bool) throws(StateError) -> State {
        let value: JSONValue
        let captured: [[UInt8]]
        do {
            // Each entry's applied fields stay text until someone reads them (see StateEntry).
            (value, captured) = try JSONValue.parse(bytes, capturing: "applied", atDepth: 3)
        } catch {
            let detail = bytes.isEmpty ? "is empty" : "is not valid JSON (\(error))"
            throw .corrupt(path: path, detail, backupExists: backupExists)
        }
        _ = consume bytes  // the file's bytes go before the entries are made: they were a large state's peak
        if case .int(let version) = value["formatVersion"], version > Int64(formatVersion) {
            throw StateError.newerFormat(
                "\(path) was written by a newer batchctl (formatVersion \(version)); this one reads \(formatVersion). "
                    + "Use a newer batchctl; the file was not changed")
        }
        do throws(FormatError) {
            return try State(json: value, captured: captured)
        } catch {
            throw .corrupt(path: path, "is not a valid state (\(error.message))", backupExists: backupExists)
        }
    }

    private init(json: JSONValue, captured: [[UInt8]]) throws(FormatError) {
        let reader = try FieldReader(json)
        let version = try reader.int("formatVersion")
        guard version >= 1 else { throw FormatError(path: ["formatVersion"], detail: "\(version) does not exist") }
        try reader.rejectUnknown(Self.memberNames)
        let lineage = try reader.string("lineage")
        guard !lineage.isEmpty else { throw FormatError(path: ["lineage"], detail: "is empty") }
        let serial = try reader.int("serial")
        // 2^53: the largest integer every JSON reader keeps exactly, and far from where `+ 1` could overflow.
        guard serial >= 0, serial <= 1 << 53, let serialNumber = Int(exactly: serial) else {
            throw FormatError(path: ["serial"], detail: "\(serial) is not a valid serial (0 to 2^53)")
        }
        let endpoint = try reader.string("endpoint")
        var tasks: [String: StateEntry] = [:]
        if case .object(let members) = try reader.object("tasks") {
            tasks.reserveCapacity(members.count)
            for (address, entryJSON) in members {
                do throws(FormatError) {
                    tasks[address] = try StateEntry(json: entryJSON, strict: true, captured: captured)
                } catch {
                    // The path is built only on failure: formatting it per entry would cost more than the entry.
                    throw error.inside("tasks", JSONValue.string(address).serialized())
                }
            }
        }
        var scheduled: [String: String] = [:]
        if let members = reader.value["scheduled"] {
            guard case .object(let pairs) = members else {
                throw FormatError(path: ["scheduled"], detail: "expected an object, got \(members.typeName)")
            }
            for (address, since) in pairs {
                guard case .string(let text) = since else {
                    throw FormatError(path: ["scheduled", address], detail: "expected a string, got \(since.typeName)")
                }
                scheduled[address] = text
            }
        }
        if let problem = Self.sharedOwnership(tasks) { throw FormatError(path: ["tasks"], detail: problem) }
        self.init(lineage: lineage, serial: serialNumber, endpoint: endpoint, tasks: tasks, scheduled: scheduled)
        self.pending = try Self.pending(reader.value["pending"])
    }

    /// The `pending` member: address -> its pending runs, oldest first. An address with no runs is not written,
    /// so one read here is a hand edit the next save would drop: refused.
    private static func pending(_ member: JSONValue?) throws(FormatError) -> [String: [PendingRun]] {
        guard let member else { return [:] }
        guard case .object(let pairs) = member else {
            throw FormatError(path: ["pending"], detail: "expected an object, got \(member.typeName)")
        }
        var pending: [String: [PendingRun]] = [:]
        for (address, list) in pairs {
            let place = JSONValue.string(address).serialized()
            do throws(FormatError) {
                let runs = try PendingRun.list(list)
                guard !runs.isEmpty else { throw FormatError(path: [], detail: "is empty (an address with no pending runs is left out)") }
                pending[address] = runs
            } catch {
                throw error.inside("pending", place)
            }
        }
        return pending
    }

    /// The address owning each task id of `tasks`, its current run or one in its history.
    public static func owners(_ tasks: [String: StateEntry]) -> [Int32: String] {
        var owners: [Int32: String] = [:]
        owners.reserveCapacity(tasks.count)
        for (address, entry) in tasks {
            for id in entry.ownedIds { owners[id] = address }
        }
        return owners
    }

    /// Two entries owning one task would let a replace of one delete the other's task: the message naming such a
    /// pair, or nil.
    public static func sharedOwnership(_ tasks: [String: StateEntry]) -> String? {
        var owners: [Int32: String] = [:]
        owners.reserveCapacity(tasks.count)
        for (address, entry) in tasks {
            for id in entry.ownedIds {
                if let other = owners.updateValue(address, forKey: id) {
                    let pair = [other, address].sorted()
                    let whose = other == address ? "\(address) lists task id \(id) twice" : "\(pair[0]) and \(pair[1]) both own task id \(id)"
                    return whose + "; remove one with `batchctl state rm` after restoring a good copy, or edit the file"
                }
            }
        }
        return nil
    }
}
