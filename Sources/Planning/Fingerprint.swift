import BatchTask
import Crypto
import DesiredTasks
import JSON

/// Hashes and canonical forms: what makes "the same fields" comparable across runs, servers and key orders.
public enum Fingerprint {
    /// The value with object keys sorted at every level, so equal data compares equal whatever the key order.
    public static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            var sorted = JSONValue.Object(minimumCapacity: members.count)
            for key in members.keys.sorted(by: utf8Precedes) {
                if let member = members[key] { sorted[key] = canonical(member) }
            }
            return .object(sorted)
        case .array(let items):
            return .array(items.map(canonical))
        case .double(let d) where d == d.rounded() && abs(d) < 9.0e15:
            return .int(Int64(d))  // a server that sends 5.0 for 5 means the same number
        default:
            return value
        }
    }

    /// Whether two values are the same data: objects compare key by key whatever their order, and an integral
    /// double equals the integer. Allocates nothing, unlike comparing canonical forms.
    public static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (key, value) in x {
                guard let other = y[key], same(value, other) else { return false }
            }
            return true
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            for i in x.indices where !same(x[i], y[i]) { return false }
            return true
        case (.int(let i), .double(let d)), (.double(let d), .int(let i)):
            return Double(i) == d
        default:
            return a == b
        }
    }

    /// `sha256:<hex>` of bytes.
    public static func sha256(_ bytes: [UInt8]) -> String {
        hex("sha256:", SHA256.hash(data: bytes))
    }

    /// `prefix` and the bytes as lowercase hex.
    static func hex<Bytes: Sequence<UInt8>>(_ prefix: String, _ bytes: Bytes) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = Array(prefix.utf8)
        text.reserveCapacity(text.count + 64)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// `sha256:` of the canonical JSON of a value.
    public static func of(_ value: JSONValue) -> String {
        sha256(canonical(value).serializedBytes())
    }

    /// The fingerprint of everything a task sends: its fields in clear, canonical. For a task with a secret, the
    /// state records `SecretHasher.fingerprint(of:)` instead, keyed.
    public static func of(task info: BatchTaskInfo) -> String {
        sha256(canonicalBytes(of: info))
    }

    /// The task's fields in clear as canonical JSON: written straight from the properties, sorted, as
    /// `of(info.json())` would serialize them.
    static func canonicalBytes(of info: BatchTaskInfo) -> [UInt8] {
        var writer = JSONWriter(sortedKeys: true)
        writer.bytes.reserveCapacity(1024)
        if let parameters = info.parameterObject, containsDouble(parameters) {
            var fields = info
            fields.parameterObject = canonical(parameters)
            fields.write(to: &writer)
        } else {
            info.write(to: &writer)  // the sorting writer orders nested keys by itself
        }
        return writer.bytes
    }

    static func containsDouble(_ value: JSONValue) -> Bool {
        switch value {
        case .double: return true
        case .object(let members): return members.values.contains(where: containsDouble)
        case .array(let items): return items.contains(where: containsDouble)
        default: return false
        }
    }

    /// The marker states from before keyed hashes keep in place of a secret field: `(sensitive) sha256:<hex>` of
    /// the value, unkeyed. Still read and compared (`SecretHasher.matches`); never written by a keyed hasher.
    public static func sensitiveMarker(for value: JSONValue) -> JSONValue {
        .string(markerPrefix + of(value))
    }

    public static let markerPrefix = "(sensitive) "

    public static func isSensitiveMarker(_ value: JSONValue?) -> Bool {
        if case .string(let s)? = value { return s.hasPrefix(markerPrefix) }
        return false
    }
}

/// What the state records of a task, made with one serialization.
public struct TaskRecord: Sendable {
    /// `DesiredTask.recordText(_:)`.
    public var text: [UInt8]
    /// `Fingerprint.of(task:)` of the task's fields in clear, or for a task with a secret `SecretHasher.fingerprint`.
    public var fingerprint: String
    /// Whether `text` is also the body a create sends: no secret is replaced in it, and it has no Id.
    public var isRequestBody: Bool
}

extension DesiredTask {
    /// The fields as the state records them (`appliedRecord`), as compact JSON text sorted by name: the form a
    /// state file keeps them in.
    public func recordText(_ secrets: SecretHasher) -> [UInt8] {
        var writer = JSONWriter(sortedKeys: true)
        writer.bytes.reserveCapacity(1024)
        if redactions.isEmpty {
            info.write(to: &writer)
        } else {
            writer.write(appliedRecord(secrets))
        }
        return writer.bytes
    }

    /// `recordText` and the fingerprint: the text's hash is the fingerprint when the task has no secret and no
    /// fraction to canonicalize, which spares a second serialization.
    public func record(_ secrets: SecretHasher) -> TaskRecord {
        let text = recordText(secrets)
        guard redactions.isEmpty else {
            return TaskRecord(text: text, fingerprint: secrets.fingerprint(of: info), isRequestBody: false)
        }
        let canonical = !(info.parameterObject.map(Fingerprint.containsDouble) ?? false)
        return TaskRecord(text: text, fingerprint: canonical ? Fingerprint.sha256(text) : Fingerprint.of(task: info),
                          isRequestBody: info.id == nil)
    }

    /// The fields as the state records them: as sent, secrets replaced by their hash markers. Sorted by name, as
    /// the state file keeps them, so saving needs no sorted copy.
    public func appliedRecord(_ secrets: SecretHasher) -> JSONValue {
        let record = info.json(sortedByName: true)
        guard !redactions.isEmpty, case .object(var fields) = record else { return record }
        for field in redactions.keys {
            if let value = info[field] { fields[field.rawValue] = secrets.marker(for: value) }
        }
        return .object(fields)
    }

    /// Whether the state's `recorded` value of `field` is what this task sends: a secret compares by its hash.
    func records(_ field: BatchTaskField, as recorded: JSONValue, _ secrets: SecretHasher, _ model: FieldModel = .standard) -> Bool {
        guard let value = info[field] else { return false }
        return redactions[field] != nil ? secrets.matches(value, recorded) : model.same(field, value, recorded)
    }

    /// One field as people may see it.
    func displayedValue(_ field: BatchTaskField) -> JSONValue? {
        if let runTime, runTime.fields.contains(field) { return .string(DesiredTask.runTimeMarker) }
        return redactions[field] ?? info[field]
    }
}
