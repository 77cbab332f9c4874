import DesiredTasks
import Foundation
import JSON

/// `render --output json`: the expanded tasks as a JSON array in manifest order, each
/// `{"address", "source", "dependsOn", "task"}`, secrets redacted.
public enum RenderDocument {
    /// Streams the whole document to `emit`, in order. Chunks of tasks are serialized on every core, a few
    /// at a time, so the document is never held in memory whole.
    public static func json(_ tasks: [DesiredTask], emit: ([UInt8]) -> Void) {
        let chunkSize = 2048
        let ranges = stride(from: 0, to: tasks.count, by: chunkSize).map { $0..<min($0 + chunkSize, tasks.count) }
        let batch = 4 * max(1, ProcessInfo.processInfo.activeProcessorCount)
        emit(Array("[".utf8))
        var first = true
        for start in stride(from: 0, to: ranges.count, by: batch) {
            let pieces = Parallel.map(Array(ranges[start..<min(start + batch, ranges.count)]), minimumPerChunk: 1) { range in
                var writer = JSONWriter(pretty: true)
                writer.beginArray()
                for task in tasks[range] { write(task, to: &writer) }
                return writer.bytes
            }
            // Each piece starts with its own "[": drop it, and join the pieces with commas.
            for piece in pieces {
                emit((first ? [] : [UInt8(ascii: ",")]) + piece.dropFirst())
                first = false
            }
        }
        emit(Array((tasks.isEmpty ? "]\n" : "\n]\n").utf8))
    }

    /// One task as an element of the document.
    public static func write(_ task: DesiredTask, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.writeKey("address")
        writer.writeString(task.address)
        writer.writeKey("source")
        writer.writeString(task.source.description)
        writer.writeKey("dependsOn")
        writer.beginArray()
        for dependency in task.dependsOn { writer.writeString(dependency) }
        writer.endArray()
        writer.writeKey("task")
        if task.redactions.isEmpty && task.runTime == nil {
            task.info.write(to: &writer)  // streams the fields without building an object per task
        } else {
            writer.write(task.displayJSON)
        }
        writer.endObject()
    }
}
