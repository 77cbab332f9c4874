import Dispatch
import Foundation

/// Data-parallel map over the machine's cores, for work that is pure per item (expanding matrix combinations,
/// serializing tasks). Small inputs run on the calling thread.
public enum Parallel {
    public static func map<T: Sendable, R: Sendable>(_ items: [T], minimumPerChunk: Int = 1024,
                                                     _ transform: @Sendable (T) -> R) -> [R] {
        let workers = ProcessInfo.processInfo.activeProcessorCount
        guard workers > 1, items.count >= 2 * minimumPerChunk else { return items.map(transform) }
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
                    for i in start..<end {
                        (output + i).initialize(to: transform(input[i]))
                    }
                }
            }
            initialized = items.count
        }
    }
}
