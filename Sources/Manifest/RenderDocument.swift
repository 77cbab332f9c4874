import JSON

/// `render --output json`: the expanded tasks as a JSON array in manifest order, each
/// `{"address", "source", "dependsOn", "task"}`, secrets redacted.
public enum RenderDocument {
    /// The whole document's bytes. Chunks of tasks are serialized on every core and joined in order.
    public static func json(_ tasks: [DesiredTask]) -> [[UInt8]] {
        let chunkSize = 2048
        let ranges = stride(from: 0, to: tasks.count, by: chunkSize).map { $0..<min($0 + chunkSize, tasks.count) }
        let pieces = Parallel.map(ranges, minimumPerChunk: 1) { range in
            var writer = JSONWriter(pretty: true)
            writer.beginArray()
            for task in tasks[range] { write(task, to: &writer) }
            return writer.bytes
        }
        // Each piece starts with its own "[": drop it, and join the pieces with commas.
        var parts: [[UInt8]] = [Array("[".utf8)]
        for (index, piece) in pieces.enumerated() {
            parts.append((index > 0 ? [UInt8(ascii: ",")] : []) + piece.dropFirst())
        }
        parts.append(Array((tasks.isEmpty ? "]\n" : "\n]\n").utf8))
        return parts
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
        if task.redactions.isEmpty {
            task.info.write(to: &writer)  // streams the fields without building an object per task
        } else {
            writer.write(task.displayJSON)
        }
        writer.endObject()
    }
}
