/// Faults injected into answers for testing clients; each is off by default. Every draw comes from one seeded
/// SplitMix64 stream, so a given seed and order of requests always gives the same faults.
public struct FaultConfiguration: Sendable, Hashable {
    /// Added before every answer.
    public var latencyMilliseconds: Int
    /// Share of requests (0...1) answered with a 5xx (500, 502, 503 or 504) without being processed.
    public var errorRate: Double
    /// Share of requests answered 429 with `Retry-After` without being processed.
    public var throttleRate: Double
    /// Share of requests processed and committed whose connection is then closed without an answer.
    public var lostAnswerRate: Double
    /// The `Retry-After` of a 429, in seconds.
    public var retryAfterSeconds: Int
    /// nil: a random seed, reported at start so the run can be repeated.
    public var seed: UInt64?

    public init(
        latencyMilliseconds: Int = 0, errorRate: Double = 0, throttleRate: Double = 0, lostAnswerRate: Double = 0,
        retryAfterSeconds: Int = 1, seed: UInt64? = nil
    ) {
        self.latencyMilliseconds = latencyMilliseconds
        self.errorRate = errorRate
        self.throttleRate = throttleRate
        self.lostAnswerRate = lostAnswerRate
        self.retryAfterSeconds = retryAfterSeconds
        self.seed = seed
    }

    /// Whether any fault can happen.
    public var isActive: Bool {
        latencyMilliseconds > 0 || errorRate > 0 || throttleRate > 0 || lostAnswerRate > 0
    }
}
