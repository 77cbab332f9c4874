import BatchTask
import JSON
import Schedule

/// How a task on the server is compared with what batchctl sent it: the one rule that plan, drift, refresh and the
/// recovery of a lost create or run share.
///
/// A real server does not store what it is sent verbatim (api.md v3, "What the server changes"):
/// - it manages Id, State, LastStarted, StartCount, Result, ProgressDescription and ProgressPercent: never compared;
/// - when a ParameterObject is given it links the blob it makes of it through DetailsTable and DetailsRecord,
///   whatever the request said: those two are the server's beside a ParameterObject, never compared;
/// - it writes dates in its own or the requested zone, with or without an offset: dates compare as instants, a date
///   without an offset read in the zone batchctl asked for, and Created (always UTC on the server) in UTC;
/// - ParameterObject is a string dictionary whose key order is not kept: compared key by key, each value as text.
public struct FieldModel: Sendable, Hashable {
    /// The zone a date written without an offset is read in: the one the client's `SO-TimeZone` asks for.
    public var wallTimeZone: SuperOfficeTimeZone

    public init(wallTimeZone: SuperOfficeTimeZone = .utc) {
        self.wallTimeZone = wallTimeZone
    }

    /// UTC: what batchctl asks for unless a project names a zone.
    public static let standard = FieldModel()

    /// Whether a difference in `field` is batchctl's to reconcile, for a task whose sent fields do (or do not) hold a
    /// ParameterObject.
    public func isCompared(_ field: BatchTaskField, withParameterObject: Bool) -> Bool {
        switch field.role {
        case .serverAssigned, .serverManaged:
            return false
        case .updatable, .configuration:
            if withParameterObject && field.isLinkToParameterBlob { return false }
            return true
        }
    }

    /// The fields of `sent` that the server is expected to hold as sent (State aside: it moves on as the job runs).
    public func fieldsToMatch(_ sent: BatchTaskInfo) -> [BatchTaskField] {
        let withParameters = sent.parameterObject != nil
        return sent.presentFields.filter { $0 != .state && isCompared($0, withParameterObject: withParameters) }
    }

    /// Whether two values of `field` are the same data.
    public func same(_ field: BatchTaskField, _ a: JSONValue, _ b: JSONValue) -> Bool {
        switch field.valueType {
        case .dateTime:
            guard case .string(let x) = a, case .string(let y) = b else { return Fingerprint.same(a, b) }
            if x == y { return true }
            guard let first = instant(field, x), let second = instant(field, y) else { return false }
            return first == second
        case .object:
            return Self.sameStringDictionary(a, b)
        default:
            return Fingerprint.same(a, b)
        }
    }

    /// Whether the server's task holds every field `sent` had, as this model compares them.
    public func matches(_ sent: BatchTaskInfo, found: BatchTaskInfo) -> Bool {
        fieldsToMatch(sent).allSatisfy { field in
            guard let wanted = sent[field], let held = found[field] else { return sent[field] == nil && found[field] == nil }
            return same(field, wanted, held)
        }
    }

    /// A date's instant in ticks since 1970: with its own offset, or else Created in UTC (api.md v3: always UTC)
    /// and any other date in the zone that was asked for.
    public func instant(_ field: BatchTaskField, _ text: String) -> Int64? {
        let zone = field == .created ? SuperOfficeTimeZone.utc : wallTimeZone
        return DotNetDate(text, wallTimeOffset: { zone.offsetMinutes(forWallTicks: $0) })?.ticksSince1970
    }

    /// A string dictionary compared key by key, whatever the order; a value compares as the text the server binds
    /// it to (api.md: a number becomes its decimal text, `true`/`false` become `True`/`False`, null stays null).
    static func sameStringDictionary(_ a: JSONValue, _ b: JSONValue) -> Bool {
        guard case .object(let x) = a, case .object(let y) = b else { return Fingerprint.same(a, b) }
        guard x.count == y.count else { return false }
        for (key, value) in x {
            guard let other = y[key] else { return false }
            if Fingerprint.same(value, other) { continue }
            guard let first = boundText(value), let second = boundText(other) else { return false }
            if first != second { return false }
        }
        return true
    }

    /// The text a server binds a JSON scalar to in a string dictionary; nil for null, lists and mappings.
    private static func boundText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return d == d.rounded() && abs(d) < 9.0e15 ? String(Int64(d)) : String(d)
        case .bool(let b): return b ? "True" : "False"
        default: return nil
        }
    }
}
