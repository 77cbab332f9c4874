import Dispatch
import Foundation

/// Data-parallel map over the machine's cores, for work that is pure per item (expanding matrix combinations,
/// serializing tasks). Small inputs run on the calling thread.
public enum Parallel {
    public static func map<T: Sendable, R: Sendable>(_ items: [T], minimumPerChunk: Int = 1024,
                                                     _ transform: @Sendable (T) -> R) -> [R] {
        map(items, minimumPerChunk: minimumPerChunk, chunkState: { () }) { _, item in transform(item) }
    }

    /// `map`, where each chunk first makes a state of its own with `chunkState` and hands it to every `transform` of
    /// the chunk: for work that reads shared reference-counted data, a copy per chunk keeps the cores from
    /// contending for the same objects' reference counts.
    public static func map<T: Sendable, S, R: Sendable>(_ items: [T], minimumPerChunk: Int = 1024,
                                                        chunkState: @Sendable () -> S,
                                                        _ transform: @Sendable (inout S, T) -> R) -> [R] {
        let workers = ProcessInfo.processInfo.activeProcessorCount
        guard workers > 1, items.count >= 2 * minimumPerChunk else {
            var state = chunkState()
            return items.map { transform(&state, $0) }
        }
        let chunks = min(workers * 4, items.count / minimumPerChunk)
        return [R](unsafeUninitializedCapacity: items.count) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            // Each index is written by exactly one chunk, so the writes never overlap.
            nonisolated(unsafe) let output = base
            items.withUnsafeBufferPointer { input in
                nonisolated(unsafe) let input = input
                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                    let start = items.count * chunk / chunks
                    let end = items.count * (chunk + 1) / chunks
                    var state = chunkState()
                    for i in start..<end {
                        (output + i).initialize(to: transform(&state, input[i]))
                    }
                }
            }
            initialized = items.count
        }
    }
}
