/// One of the names `run.*` gives a task field: what a run knows of itself when it starts.
package enum RunMember: String, CaseIterable, Sendable {
    case slot
    case previousSlot
    case lastSucceededSlot
    case attempt

    /// The four names as a message lists them.
    package static let listed = "run.slot, run.previousSlot, run.lastSucceededSlot and run.attempt"
}

/// The values of `run.*` for one run, given to evaluation when the run starts.
package struct RunValues: Sendable {
    package var slot: String
    package var previousSlot: String?
    package var lastSucceededSlot: String?
    package var attempt: Int

    package init(slot: String, previousSlot: String?, lastSucceededSlot: String?, attempt: Int) {
        self.slot = slot
        self.previousSlot = previousSlot
        self.lastSucceededSlot = lastSucceededSlot
        self.attempt = attempt
    }

    package subscript(member: RunMember) -> Value {
        switch member {
        case .slot: return .string(slot)
        case .previousSlot: return previousSlot.map(Value.string) ?? .null
        case .lastSucceededSlot: return lastSucceededSlot.map(Value.string) ?? .null
        case .attempt: return .int(Int64(attempt))
        }
    }
}
