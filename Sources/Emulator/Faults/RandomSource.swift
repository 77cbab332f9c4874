import Foundation

/// One SplitMix64 stream shared by concurrent requests; a lock rather than an actor so it can be drawn from inside
/// a database transaction, which is synchronous.
final class RandomSource: @unchecked Sendable {
    // Guarded by `lock`.
    private var generator: SplitMix64
    private let lock = NSLock()

    init(seed: UInt64) {
        generator = SplitMix64(seed: seed)
    }

    /// True with probability `rate`; a rate of 0 draws nothing, so turning one fault on leaves the draws of a
    /// stream that does not use it unchanged.
    func chance(_ rate: Double) -> Bool {
        guard rate > 0 else { return false }
        return unit() < rate
    }

    func unit() -> Double {
        lock.lock()
        defer { lock.unlock() }
        return generator.nextUnit()
    }

    func next(below bound: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return Int(generator.next() % UInt64(max(bound, 1)))
    }
}
