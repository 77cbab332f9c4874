import BatchTask
import Hummingbird
import JSON

/// Builds a successful response in the negotiated format, with dates converted to the requested time zone.
struct ResponseRenderer: Sendable {
    let format: ResponseFormat
    let timeZone: RequestTimeZone

    /// One task with every property; `nulling` is what `$select` left out. `lastModified` becomes the
    /// Last-Modified header, which a client can send back as If-Unmodified-Since.
    func task(_ task: BatchTaskInfo, nulling: Set<BatchTaskField> = [], lastModified: Int64? = nil) -> Response {
        let task = timeZone.writing(task)
        var response: Response
        switch format {
        case .json(let contentType):
            var writer = JSONWriter()
            BatchTaskJSON.write(task, nulling: nulling, to: &writer)
            response = self.response(writer.bytes, contentType)
        case .xml(let contentType):
            response = self.response(BatchTaskXML.document(task, nulling: nulling), contentType)
        }
        if let lastModified { response.headers[.lastModified] = HTTPDate.text(ticks: lastModified) }
        return response
    }

    func tasks(_ tasks: [BatchTaskInfo], nulling: Set<BatchTaskField> = []) -> Response {
        switch format {
        case .json(let contentType):
            var writer = JSONWriter()
            writer.bytes.reserveCapacity(tasks.count * 600)
            writer.beginArray()
            for task in tasks { BatchTaskJSON.write(timeZone.writing(task), nulling: nulling, to: &writer) }
            writer.endArray()
            return response(writer.bytes, contentType)
        case .xml(let contentType):
            return response(BatchTaskXML.document(tasks.map(timeZone.writing), nulling: nulling), contentType)
        }
    }

    /// The OData carrier of archive rows; `nextLink` is left out when no rows remain.
    func odata(metadata: String, nextLink: String?, tasks: [BatchTaskInfo], columns: [BatchTaskField]) -> Response {
        // api.md v3: in the default (slim) mode "dates are written without an offset", includeTZOffset or not.
        var slim = timeZone
        slim.includesOffset = false
        let rows = tasks.map { ArchiveRow(slim.writing($0), columns: columns) }
        switch format {
        case .json(let contentType):
            var writer = JSONWriter()
            writer.bytes.reserveCapacity(rows.count * 100 + 256)
            writer.beginObject()
            writer.writeKey("odata.metadata")
            writer.writeString(metadata)
            if let nextLink {
                writer.writeKey("odata.nextLink")
                writer.writeString(nextLink)
            }
            writer.writeKey("value")
            writer.beginArray()
            for row in rows { row.write(to: &writer) }
            writer.endArray()
            writer.endObject()
            return response(writer.bytes, contentType)
        case .xml(let contentType):
            return response(BatchTaskXML.odataDocument(metadata: metadata, nextLink: nextLink, rows: rows), contentType)
        }
    }

    /// 204 with no body, as the Agents deletes answer.
    func noContent() -> Response {
        Response(status: .noContent)
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

    func response(_ bytes: [UInt8], _ contentType: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
