import Synchronization

/// One SplitMix64 stream shared by concurrent requests; a lock rather than an actor so it can be drawn from inside
/// a database transaction, which is synchronous.
final class RandomSource: Sendable {
    private let generator: Mutex<SplitMix64>

    init(seed: UInt64) {
        generator = Mutex(SplitMix64(seed: seed))
    }

    /// True with probability `rate`; a rate of 0 draws nothing, so turning one fault on leaves the draws of a
    /// stream that does not use it unchanged.
    func chance(_ rate: Double) -> Bool {
        guard rate > 0 else { return false }
        return unit() < rate
    }

    func unit() -> Double {
        generator.withLock { $0.nextUnit() }
    }

    func next(below bound: Int) -> Int {
        generator.withLock { Int($0.next() % UInt64(max(bound, 1))) }
    }
}
