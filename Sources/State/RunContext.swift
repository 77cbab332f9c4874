import JSON

/// What a run knows of itself, for `${run.slot}`, `${run.previousSlot}`, `${run.lastSucceededSlot}` and
/// `${run.attempt}` in a task's fields: fixed when the run starts, and recorded with it in the state, so that what
/// the run was sent can be compared with the manifests again later.
public struct RunContext: Hashable, Sendable {
    /// The slot the run is for, ISO 8601 in the schedule's time zone with its offset
    /// (`2026-12-02T02:00:00+01:00`); for a run that is not scheduled, the time it was started (UTC, `Z`).
    public var slot: String
    /// The slot of the last run before this slot (a retry's earlier attempts do not count), or nil.
    public var previousSlot: String?
    /// The slot of the latest run before this slot that Succeeded, or nil.
    public var lastSucceededSlot: String?
    /// 1 for the first try of the slot, 2 for the first retry.
    public var attempt: Int

    public init(slot: String, previousSlot: String?, lastSucceededSlot: String?, attempt: Int) {
        self.slot = slot
        self.previousSlot = previousSlot
        self.lastSucceededSlot = lastSucceededSlot
        self.attempt = attempt
    }
}

extension RunContext {
    /// As the state file and the journal hold it (an entry's `"run"`): members in sorted order, the slots before
    /// this one only when there are.
    public var json: JSONValue {
        var members: JSONValue.Object = ["attempt": .int(Int64(attempt)), "slot": .string(slot)]
        if let lastSucceededSlot { members["lastSucceededSlot"] = .string(lastSucceededSlot) }
        if let previousSlot { members["previousSlot"] = .string(previousSlot) }
        return .object(members)
    }

    init(json: JSONValue) throws(FormatError) {
        let reader = try FieldReader(json)
        try reader.rejectUnknown(["attempt", "lastSucceededSlot", "previousSlot", "slot"])
        let attempt = try reader.int("attempt")
        guard attempt >= 1, let count = Int(exactly: attempt) else {
            throw FormatError(path: ["attempt"], detail: "\(attempt) is not an attempt (1 or more)")
        }
        self.init(slot: try reader.string("slot"), previousSlot: try reader.optionalString("previousSlot"),
                  lastSucceededSlot: try reader.optionalString("lastSucceededSlot"), attempt: count)
    }
}
