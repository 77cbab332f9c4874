import JSON

/// One managed task in the state: its id on the server and what was sent to make it.
public struct StateEntry: Hashable, Sendable {
    public var id: Int32
    /// `sha256:...` of the canonical JSON of `applied`, computed by the caller.
    public var fingerprint: String
    /// The fields as sent (an object), with secrets already replaced by their hashes.
    public var applied: JSONValue
    /// ISO 8601 UTC, e.g. `2026-11-29T07:00:00Z`.
    public var appliedAt: String
    /// Where the task is declared: `tasks/nightly.yaml:12:5`.
    public var source: String

    public init(id: Int32, fingerprint: String, applied: JSONValue, appliedAt: String, source: String) {
        self.id = id
        self.fingerprint = fingerprint
        self.applied = applied
        self.appliedAt = appliedAt
        self.source = source
    }
}

extension StateEntry {
    /// Members in sorted order, written by hand so the hot loop of a 100,000-entry save sorts nothing here.
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.writeKey("applied")
        writer.write(applied)
        writer.writeKey("appliedAt")
        writer.writeString(appliedAt)
        writer.writeKey("fingerprint")
        writer.writeString(fingerprint)
        writer.writeKey("id")
        writer.writeInt(Int64(id))
        writer.writeKey("source")
        writer.writeString(source)
        writer.endObject()
    }

    /// `strict` for the state file; the journal tolerates members a newer version may add. One pass over the
    /// members rather than a lookup per field: this runs 100,000 times when a large state is loaded.
    init(json: JSONValue, strict: Bool) throws(FormatError) {
        guard case .object(let members) = json else {
            throw FormatError(path: [], detail: "expected an object, got \(json.typeName)")
        }
        var id: Int32?
        var fingerprint: String?
        var applied: JSONValue?
        var appliedAt: String?
        var source: String?
        for (key, value) in members {
            switch (key, value) {
            case ("id", .int(let n)):
                guard let small = Int32(exactly: n) else { throw FormatError(path: [key], detail: "\(n) is out of range") }
                id = small
            case ("fingerprint", .string(let s)): fingerprint = s
            case ("applied", .object): applied = value
            case ("appliedAt", .string(let s)): appliedAt = s
            case ("source", .string(let s)): source = s
            case ("id", _): throw Self.mismatch(key, "an integer", value)
            case ("applied", _): throw Self.mismatch(key, "an object", value)
            case ("fingerprint", _), ("appliedAt", _), ("source", _): throw Self.mismatch(key, "a string", value)
            default:
                if strict { throw FormatError(path: [], detail: "unknown member \"\(key)\"") }
            }
        }
        guard let id else { throw Self.missing("id") }
        guard let fingerprint else { throw Self.missing("fingerprint") }
        guard let applied else { throw Self.missing("applied") }
        guard let appliedAt else { throw Self.missing("appliedAt") }
        guard let source else { throw Self.missing("source") }
        self.init(id: id, fingerprint: fingerprint, applied: applied, appliedAt: appliedAt, source: source)
    }

    private static func mismatch(_ key: String, _ expected: String, _ value: JSONValue) -> FormatError {
        FormatError(path: [key], detail: "expected \(expected), got \(value.typeName)")
    }

    private static func missing(_ key: String) -> FormatError {
        FormatError(path: [], detail: "member \"\(key)\" is missing")
    }
}
