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
