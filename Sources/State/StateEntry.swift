import Foundation
import JSON

/// One managed task in the state: its id on the server and what was sent to make it.
public struct StateEntry: Hashable, Sendable {
    public var id: Int32
    /// `sha256:...` of the canonical JSON of `applied`, computed by the caller.
    public var fingerprint: String
    /// ISO 8601 UTC, e.g. `2026-11-29T07:00:00Z`.
    public var appliedAt: String
    /// Where the task is declared: `tasks/nightly.yaml:12:5`.
    public var source: String
    /// The last State batchctl saw the current run in (`Succeeded`), or nil when it has not looked since starting it.
    public var lastState: String?
    /// For a scheduled run: the slot it was started for (ISO 8601 UTC), from which the next due time is counted.
    public var slot: String?
    /// The runs before the current one, oldest first: ids the state still owns on the server.
    public var history: [PastRun] = []
    /// Which attempt of its slot (or of its start by hand) the current run is: 1, then 2 for the first retry.
    public var attempt = 1
    /// How the current run ended, once batchctl has acted on it (retried it, counted its failure); nil while it
    /// runs, or before anyone looked.
    public var outcome: RunOutcome?
    /// When the next attempt is due (ISO 8601 UTC): set when a failed run is to be tried again.
    public var retryAt: String?
    /// Consecutive runs that failed with their retries spent; a success sets it back to 0.
    public var failures = 0
    /// Set while no scheduled run, retry or catch-up may start: by `schedule suspend`, or after
    /// `run.pauseAfterFailures` failures.
    public var suspension: Suspension?
    /// The latest slot `run --due` told of as missed (ISO 8601 UTC), so that each missed slot is told once however
    /// often it looks before the task runs again.
    public var missedTold: String?
    /// For a task whose fields use `${run.*}`: what the current run knew of itself when it started.
    public var runContext: RunContext?
    private var fields: Fields

    /// Entries read from a state file keep their fields as the compact JSON text they were checked as: built
    /// out, 100,000 of them took most of a large state's memory, and a plan reads them only for tasks that changed.
    private enum Fields: Sendable {
        case value(JSONValue)
        case text([UInt8])
    }

    public init(id: Int32, fingerprint: String, applied: JSONValue, appliedAt: String, source: String) {
        self.id = id
        self.fingerprint = fingerprint
        self.fields = .value(applied)
        self.appliedAt = appliedAt
        self.source = source
    }

    /// `appliedText` is compact JSON text of an object, checked or written by `JSONWriter` (sorted keys, for the
    /// state file).
    public init(id: Int32, fingerprint: String, appliedText: [UInt8], appliedAt: String, source: String) {
        self.id = id
        self.fingerprint = fingerprint
        self.fields = .text(appliedText)
        self.appliedAt = appliedAt
        self.source = source
    }

    /// The fields as sent (an object), with secrets already replaced by their hashes.
    public var applied: JSONValue {
        get {
            switch fields {
            case .value(let value): return value
            // Checked when the file was read, so it parses.
            case .text(let text): return (try? JSONValue.parse(text)) ?? .object([:])
            }
        }
        set { fields = .value(newValue) }
    }

    /// Whether the applied fields were read from a file as exactly this compact JSON text. False for fields set
    /// in memory, and for equal fields written otherwise (other key order, escapes or spacing): then compare
    /// `applied`.
    public var appliedIsText: Bool {
        if case .text = fields { return true }
        return false
    }

    /// Whether the applied fields' JSON text holds `needle` somewhere (a marker's prefix, say): a byte search of the
    /// text an entry read from a file keeps, without parsing it.
    public func appliedMentions(_ needle: [UInt8]) -> Bool {
        let text: [UInt8]
        switch fields {
        case .text(let own): text = own
        case .value(let value): text = value.serializedBytes()
        }
        guard !needle.isEmpty, text.count >= needle.count else { return false }
        // memchr for the first byte, memcmp for the rest: the text is searched at the C library's speed.
        return text.withUnsafeBufferPointer { haystack in
            needle.withUnsafeBufferPointer { needle in
                guard let base = haystack.baseAddress, let wanted = needle.baseAddress else { return false }
                let last = haystack.count - needle.count
                var offset = 0
                while offset <= last {
                    guard let found = memchr(base + offset, Int32(wanted.pointee), last - offset + 1) else { return false }
                    let at = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + at, wanted, needle.count) == 0 { return true }
                    offset = at + 1
                }
                return false
            }
        }
    }

    public func appliedText(is text: [UInt8]) -> Bool {
        guard case .text(let own) = fields, own.count == text.count else { return false }
        return own.withUnsafeBytes { a in
            text.withUnsafeBytes { b in
                guard let p = a.baseAddress, let q = b.baseAddress else { return true }  // both empty
                return memcmp(p, q, a.count) == 0
            }
        }
    }

    public static func == (a: StateEntry, b: StateEntry) -> Bool {
        a.id == b.id && a.fingerprint == b.fingerprint && a.appliedAt == b.appliedAt && a.source == b.source
            && a.lastState == b.lastState && a.slot == b.slot && a.history == b.history && a.attempt == b.attempt
            && a.outcome == b.outcome && a.retryAt == b.retryAt && a.failures == b.failures && a.suspension == b.suspension
            && a.missedTold == b.missedTold && a.runContext == b.runContext
            && a.applied == b.applied
    }

    /// Every task id the entry owns: the current run's and its history's.
    public var ownedIds: [Int32] {
        history.isEmpty ? [id] : history.map(\.id) + [id]
    }

    /// The entry of a new run of this task, `next`, with this one's current run moved into the history. The
    /// task's count of failures and its suspension carry over; `next` says which attempt it is.
    public func startingRun(_ next: StateEntry) -> StateEntry {
        var entry = next
        entry.history = history + [PastRun(id: id, startedAt: appliedAt, state: lastState, slot: slot, attempt: attempt, outcome: outcome)]
        entry.failures = failures
        entry.suspension = suspension
        return entry
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(fingerprint)
    }
}

/// A run of a task before its current one.
public struct PastRun: Hashable, Sendable {
    public var id: Int32
    /// When batchctl started it (ISO 8601 UTC).
    public var startedAt: String
    /// The last State batchctl saw it in.
    public var state: String?
    /// The schedule slot it was started for.
    public var slot: String?
    /// Which attempt of its slot it was.
    public var attempt: Int
    /// How it ended, as batchctl settled it.
    public var outcome: RunOutcome?

    public init(id: Int32, startedAt: String, state: String? = nil, slot: String? = nil, attempt: Int = 1, outcome: RunOutcome? = nil) {
        self.id = id
        self.startedAt = startedAt
        self.state = state
        self.slot = slot
        self.attempt = attempt
        self.outcome = outcome
    }

    /// One line per run in the state file, as `applied` is one line per entry.
    func write(to writer: inout JSONWriter) {
        var members: JSONValue.Object = ["id": .int(Int64(id))]
        if let slot { members["slot"] = .string(slot) }
        members["startedAt"] = .string(startedAt)
        if let state { members["state"] = .string(state) }
        if attempt != 1 { members["attempt"] = .int(Int64(attempt)) }
        if let outcome { members["outcome"] = .string(outcome.rawValue) }
        writer.writeInline(.object(members))
    }

    init(json: JSONValue) throws(FormatError) {
        let reader = try FieldReader(json)
        try reader.rejectUnknown(["id", "slot", "startedAt", "state", "attempt", "outcome"])
        self.init(id: try reader.int32("id"), startedAt: try reader.string("startedAt"),
                  state: try reader.optionalString("state"), slot: try reader.optionalString("slot"),
                  attempt: try StateEntry.attempt(try reader.optionalInt("attempt")),
                  outcome: try reader.optionalString("outcome").map { text throws(FormatError) in try RunOutcome.read(text, at: "outcome") })
    }
}

extension StateEntry {
    /// Members in sorted order, written by hand so the hot loop of a 100,000-entry save sorts nothing here.
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.writeKey("applied")
        switch fields {
        case .value(let value): writer.writeInline(value)
        case .text(let text): writer.writeCompact(text)
        }
        writer.writeKey("appliedAt")
        writer.writeString(appliedAt)
        if attempt != 1 {
            writer.writeKey("attempt")
            writer.writeInt(Int64(attempt))
        }
        if failures != 0 {
            writer.writeKey("failures")
            writer.writeInt(Int64(failures))
        }
        writer.writeKey("fingerprint")
        writer.writeString(fingerprint)
        if !history.isEmpty {
            writer.writeKey("history")
            writer.beginArray()
            for run in history { run.write(to: &writer) }
            writer.endArray()
        }
        writer.writeKey("id")
        writer.writeInt(Int64(id))
        if let lastState {
            writer.writeKey("lastState")
            writer.writeString(lastState)
        }
        if let missedTold {
            writer.writeKey("missedTold")
            writer.writeString(missedTold)
        }
        if let outcome {
            writer.writeKey("outcome")
            writer.writeString(outcome.rawValue)
        }
        if let retryAt {
            writer.writeKey("retryAt")
            writer.writeString(retryAt)
        }
        if let runContext {
            writer.writeKey("run")
            writer.writeInline(runContext.json)
        }
        if let slot {
            writer.writeKey("slot")
            writer.writeString(slot)
        }
        writer.writeKey("source")
        writer.writeString(source)
        if let suspension {
            writer.writeKey("suspended")
            writer.writeInline(suspension.json)
        }
        writer.endObject()
    }

    /// `strict` for the state file; the journal tolerates members a newer version may add. One pass over the
    /// members rather than a lookup per field: this runs 100,000 times when a large state is loaded.
    /// `captured`: the texts of `applied` members that `JSONValue.parse(_:capturing:atDepth:)` kept aside; such a
    /// member holds its index.
    init(json: JSONValue, strict: Bool, captured: [[UInt8]] = []) throws(FormatError) {
        guard case .object(let members) = json else {
            throw FormatError(path: [], detail: "expected an object, got \(json.typeName)")
        }
        var id: Int32?
        var fingerprint: String?
        var applied: JSONValue?
        var appliedText: [UInt8]?
        var appliedAt: String?
        var source: String?
        var lastState: String?
        var slot: String?
        var history: [PastRun] = []
        var run = RunBookkeeping()
        for (key, value) in members {
            switch (key, value) {
            case ("id", .int(let n)):
                guard let small = Int32(exactly: n) else { throw FormatError(path: [key], detail: "\(n) is out of range") }
                id = small
            case ("fingerprint", .string(let s)): fingerprint = s
            case ("applied", .object): applied = value
            case ("applied", .int(let n)) where !captured.isEmpty:
                guard let text = captured.indices.contains(Int(n)) ? captured[Int(n)] : nil else {
                    throw FormatError(path: [key], detail: "is missing")
                }
                guard text.first == UInt8(ascii: "{") else {
                    // Only on this error path is the text parsed, to name what it holds.
                    let found = (try? JSONValue.parse(text))?.typeName ?? "invalid JSON"
                    throw FormatError(path: [key], detail: "expected an object, got " + found)
                }
                appliedText = text
            case ("appliedAt", .string(let s)): appliedAt = s
            case ("source", .string(let s)): source = s
            case ("lastState", .string(let s)): lastState = s
            case ("slot", .string(let s)): slot = s
            case ("history", .array(let runs)):
                history.reserveCapacity(runs.count)
                for (index, run) in runs.enumerated() {
                    do throws(FormatError) {
                        history.append(try PastRun(json: run))
                    } catch {
                        throw error.inside(key, "\(index)")
                    }
                }
            case ("attempt", _), ("failures", _), ("outcome", _), ("retryAt", _), ("suspended", _), ("missedTold", _), ("run", _):
                try run.read(key, value)
            case ("history", _): throw Self.mismatch(key, "an array", value)
            case ("lastState", _), ("slot", _): throw Self.mismatch(key, "a string", value)
            case ("id", _): throw Self.mismatch(key, "an integer", value)
            case ("applied", _): throw Self.mismatch(key, "an object", value)
            case ("fingerprint", _), ("appliedAt", _), ("source", _): throw Self.mismatch(key, "a string", value)
            default:
                if strict { throw FormatError(path: [], detail: "unknown member \"\(key)\"") }
            }
        }
        guard let id else { throw Self.missing("id") }
        guard let fingerprint else { throw Self.missing("fingerprint") }
        guard let appliedAt else { throw Self.missing("appliedAt") }
        guard let source else { throw Self.missing("source") }
        if let appliedText {
            self.init(id: id, fingerprint: fingerprint, appliedText: appliedText, appliedAt: appliedAt, source: source)
        } else {
            guard let applied else { throw Self.missing("applied") }
            self.init(id: id, fingerprint: fingerprint, applied: applied, appliedAt: appliedAt, source: source)
        }
        self.lastState = lastState
        self.slot = slot
        self.history = history
        self.attempt = run.attempt
        self.failures = run.failures
        self.outcome = run.outcome
        self.retryAt = run.retryAt
        self.suspension = run.suspension
        self.missedTold = run.missedTold
        self.runContext = run.context
    }

    /// The run members of an entry as they are read.
    private struct RunBookkeeping {
        var attempt = 1
        var failures = 0
        var outcome: RunOutcome?
        var retryAt: String?
        var suspension: Suspension?
        var missedTold: String?
        var context: RunContext?

        mutating func read(_ key: String, _ value: JSONValue) throws(FormatError) {
            switch (key, value) {
            case ("attempt", .int(let n)):
                guard let count = Int(exactly: n), count >= 1 else { throw FormatError(path: [key], detail: "\(n) is not an attempt (1 or more)") }
                attempt = count
            case ("failures", .int(let n)):
                guard let count = Int(exactly: n), count >= 0 else { throw FormatError(path: [key], detail: "\(n) is not a count") }
                failures = count
            case ("outcome", .string(let s)): outcome = try RunOutcome.read(s, at: key)
            case ("retryAt", .string(let s)): retryAt = s
            case ("missedTold", .string(let s)): missedTold = s
            case ("suspended", .object):
                do throws(FormatError) {
                    suspension = try Suspension(json: value)
                } catch {
                    throw error.inside(key)
                }
            case ("run", .object):
                do throws(FormatError) {
                    context = try RunContext(json: value)
                } catch {
                    throw error.inside(key)
                }
            case ("attempt", _), ("failures", _): throw StateEntry.mismatch(key, "an integer", value)
            case ("suspended", _), ("run", _): throw StateEntry.mismatch(key, "an object", value)
            default: throw StateEntry.mismatch(key, "a string", value)
            }
        }
    }

    static func attempt(_ value: Int?) throws(FormatError) -> Int {
        guard let value else { return 1 }
        guard value >= 1 else { throw FormatError(path: ["attempt"], detail: "\(value) is not an attempt (1 or more)") }
        return value
    }

    private static func mismatch(_ key: String, _ expected: String, _ value: JSONValue) -> FormatError {
        FormatError(path: [key], detail: "expected \(expected), got \(value.typeName)")
    }

    private static func missing(_ key: String) -> FormatError {
        FormatError(path: [], detail: "member \"\(key)\" is missing")
    }
}
