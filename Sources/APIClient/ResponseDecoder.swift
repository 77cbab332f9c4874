import BatchTask
import Foundation
import JSON
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Turns answer bodies into values: tasks, lists, OData pages, the bare integer of a create, and error bodies.
///
/// Dates are kept as the server wrote them, in any form it writes (api.md v3: with `Z`, `+hh:mm` or `+hhmm`, or
/// without an offset); they are compared as instants where they are compared (`FieldModel`). A value that is no
/// date at all fails a whole refresh only if nothing else is possible: it is left out, with one warning per client.
/// The strict path runs first; the repair only when it failed on a date, so well-formed answers cost nothing extra.
struct ResponseDecoder: Sendable {
    let logger: Logger
    private let warnedAboutDates = NIOLockedValueBox(false)

    static let dateFields: [BatchTaskField] = [.created, .lastStarted]

    init(logger: Logger) {
        self.logger = logger
    }

    // MARK: Bodies

    func json(_ body: ByteBuffer, what: String) throws(ClientError) -> JSONValue {
        do {
            return try JSONValue.parse(body.readableBytesView)
        } catch {
            throw .invalidResponse("\(what): the body is not JSON (\(error))")
        }
    }

    func task(_ value: JSONValue) throws(ClientError) -> BatchTaskInfo {
        do throws(FieldError) {
            return Self.withoutNever(try BatchTaskInfo(json: value))
        } catch {
            let which = "task \(value["Id"].map { "\($0)" } ?? "without Id")"
            guard Self.dateFields.contains(where: { $0.rawValue == error.field }), let repaired = repairingDates(value) else {
                throw .invalidResponse("\(which): \(error)")
            }
            do throws(FieldError) {
                return Self.withoutNever(try BatchTaskInfo(json: repaired))
            } catch {
                throw .invalidResponse("\(which): \(error)")
            }
        }
    }

    func tasks(_ value: JSONValue) throws(ClientError) -> [BatchTaskInfo] {
        guard case .array(let items) = value else {
            throw .invalidResponse("expected a JSON array of tasks, got \(value.typeName)")
        }
        var tasks: [BatchTaskInfo] = []
        tasks.reserveCapacity(items.count)
        for item in items { tasks.append(try task(item)) }
        return tasks
    }

    /// The OData carrier `{"odata.nextLink": ..., "value": [...]}` (OData 4's `@odata.nextLink` too).
    func page(_ value: JSONValue) throws(ClientError) -> QueryPage {
        guard case .object(let members) = value, let items = members["value"] else {
            throw .invalidResponse("expected an OData object with a \"value\" array, got \(value.typeName)")
        }
        let next = (members["odata.nextLink"] ?? members["@odata.nextLink"])?.stringValue
        guard case .array(let rows) = items else {
            throw .invalidResponse("expected the OData \"value\" to be an array of rows, got \(items.typeName)")
        }
        var archiveRows: [ArchiveRow] = []
        archiveRows.reserveCapacity(rows.count)
        for row in rows {
            guard case .object(let columns) = row else {
                throw .invalidResponse("expected an OData row to be an object, got \(row.typeName)")
            }
            archiveRows.append(ArchiveRow(columns: columns))
        }
        return QueryPage(rows: archiveRows, nextLink: next.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// A create's answer: the new id as a bare integer (a quoted one is accepted too).
    func id(_ body: ByteBuffer) -> Int32? {
        switch try? JSONValue.parse(body.readableBytesView) {
        case .int(let n)?: return Int32(exactly: n)
        case .string(let s)?: return Int32(s)
        default: return nil
        }
    }

    // MARK: Errors

    /// An error answer as `.http`: the API's ErrorMessage when the body has one; otherwise the reason phrase, a
    /// redirect's target, or the start of whatever the body was (a proxy's HTML page says a lot).
    static func httpError(_ head: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer, redactor: Redactor) -> ClientError {
        let status = Int(head.code)
        var type: String?
        var message: String?
        if case .object(let members)? = try? JSONValue.parse(body.readableBytesView) {
            type = members["ErrorType"]?.stringValue
            message = members["ErrorMessage"]?.stringValue ?? members["Message"]?.stringValue
        }
        if message == nil, (300..<400).contains(status), let location = headers.first(name: "Location") {
            message = "the endpoint redirects to \(location); give that URL as the endpoint"
        }
        if message == nil {
            let text = String(decoding: body.readableBytesView.prefix(200), as: UTF8.self)
                .split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
            message = head.reasonPhrase + (text.isEmpty ? "" : ": " + text)
        }
        return .http(status: status, errorType: type.map(redactor.callAsFunction), message: redactor(message ?? ""))
    }

    // MARK: Lenient dates

    /// .NET's `DateTime.MinValue` (`0001-01-01T00:00:00`, in any zone's form) means "never": no date to keep.
    private static func withoutNever(_ task: BatchTaskInfo) -> BatchTaskInfo {
        guard task.lastStarted?.hasPrefix("0001-01-01T00:00:00") == true || task.created?.hasPrefix("0001-01-01T00:00:00") == true
        else { return task }
        var task = task
        if task.lastStarted?.hasPrefix("0001-01-01T00:00:00") == true { task.lastStarted = nil }
        if task.created?.hasPrefix("0001-01-01T00:00:00") == true { task.created = nil }
        return task
    }

    private func repairingDates(_ value: JSONValue) -> JSONValue? {
        guard case .object(var members) = value else { return nil }
        for field in Self.dateFields {
            guard let raw = members[field.rawValue], !raw.isNull else { continue }
            if case .string(let text) = raw, DotNetDate.isWellFormed(text) { continue }
            members[field.rawValue] = nil
            warnOnce(field, raw)
        }
        return .object(members)
    }

    private func warnOnce(_ field: BatchTaskField, _ value: JSONValue) {
        let first = warnedAboutDates.withLockedValue { warned in
            defer { warned = true }
            return !warned
        }
        let message = "the server wrote \(field.rawValue) as \(value.serialized().prefix(60)), not a date-time; such values are left out"
        if first { logger.warning("\(message)") } else { logger.debug("\(message)") }
    }
}
