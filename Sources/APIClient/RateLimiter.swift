/// The client-wide request rate: a token bucket holding one token, refilled every 1/rate seconds, shared by every
/// concurrent call. With one token there is no burst, so no one-second window ever sees more than about `rate`
/// requests, which is what `--rate-limit N` promises.
actor RateLimiter {
    private let interval: Duration
    /// When the next token is due; slots are handed out in order, so waiters never starve one another.
    private var nextSlot: ContinuousClock.Instant

    init(requestsPerSecond: Double) {
        interval = .seconds(1 / requestsPerSecond)
        nextSlot = .now
    }

    /// Reserves the next free slot and returns when it is; the caller sleeps outside the actor, so a waiting request
    /// never holds up the others' reservations.
    func reserve() -> ContinuousClock.Instant {
        let now = ContinuousClock.now
        // An idle spell does not bank tokens: after a pause the next request goes at once, the one after waits.
        let slot = nextSlot < now ? now : nextSlot
        nextSlot = slot + interval
        return slot
    }

    /// Waits for a slot; throws CancellationError when the task is cancelled meanwhile.
    nonisolated func acquire() async throws {
        let slot = await reserve()
        if slot > .now { try await Task.sleep(until: slot, clock: .continuous) }
    }
}
