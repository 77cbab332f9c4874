import BatchTask
import Hummingbird
import JSON

/// Builds a successful response in the negotiated format, with dates converted to the requested time zone.
struct ResponseRenderer: Sendable {
    let format: ResponseFormat
    let timeZone: ResponseTimeZone

    func task(_ task: BatchTaskInfo) -> Response {
        let task = timeZone.convert(task)
        switch format {
        case .json(let contentType):
            var writer = JSONWriter()
            task.write(to: &writer)
            return response(writer.bytes, contentType)
        case .xml(let contentType):
            return response(BatchTaskXML.document(task), contentType)
        }
    }

    func tasks(_ tasks: [BatchTaskInfo]) -> Response {
        switch format {
        case .json(let contentType):
            var writer = JSONWriter()
            writer.bytes.reserveCapacity(tasks.count * 400)
            writer.beginArray()
            for task in tasks { timeZone.convert(task).write(to: &writer) }
            writer.endArray()
            return response(writer.bytes, contentType)
        case .xml(let contentType):
            return response(BatchTaskXML.document(tasks.map(timeZone.convert)), contentType)
        }
    }

    /// The OData carrier; `nextLink` is left out when no rows remain.
    func odata(metadata: String, nextLink: String?, tasks: [BatchTaskInfo], omitting: Set<BatchTaskField>) -> Response {
        switch format {
        case .json(let contentType):
            var writer = JSONWriter()
            writer.bytes.reserveCapacity(tasks.count * 400 + 256)
            writer.beginObject()
            writer.writeKey("odata.metadata")
            writer.writeString(metadata)
            if let nextLink {
                writer.writeKey("odata.nextLink")
                writer.writeString(nextLink)
            }
            writer.writeKey("value")
            writer.beginArray()
            for task in tasks { timeZone.convert(task).write(to: &writer, omitting: omitting) }
            writer.endArray()
            writer.endObject()
            return response(writer.bytes, contentType)
        case .xml(let contentType):
            let document = BatchTaskXML.odataDocument(
                metadata: metadata, nextLink: nextLink, tasks: tasks.map(timeZone.convert), omitting: omitting)
            return response(document, contentType)
        }
    }

    /// A bare JSON integer (`685`), as POST answers.
    func integer(_ value: Int32) -> Response {
        switch format {
        case .json(let contentType): return response(Array(String(value).utf8), contentType)
        case .xml(let contentType): return response(BatchTaskXML.document(int: value), contentType)
        }
    }

    /// JSON `true` / `false`, as Stop answers.
    func boolean(_ value: Bool) -> Response {
        switch format {
        case .json(let contentType): return response(Array((value ? "true" : "false").utf8), contentType)
        case .xml(let contentType): return response(BatchTaskXML.document(bool: value), contentType)
        }
    }

    private func response(_ bytes: [UInt8], _ contentType: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
