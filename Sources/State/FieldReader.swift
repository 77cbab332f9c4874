import JSON

/// A problem found while reading a state or journal record, and the JSON path to it; callers add the file.
struct FormatError: Error {
    /// Member names from the top, such as `["tasks", "\"nightly/a\"", "id"]`.
    var path: [String]
    var detail: String

    var message: String {
        path.isEmpty ? detail : "\(path.joined(separator: ".")): \(detail)"
    }

    /// The same problem seen from an enclosing object.
    func inside(_ outer: String...) -> FormatError {
        FormatError(path: outer + path, detail: detail)
    }
}

/// Reads the members of one JSON object with type checks, naming the member in every error.
struct FieldReader {
    let value: JSONValue

    init(_ value: JSONValue) throws(FormatError) {
        guard case .object = value else {
            throw FormatError(path: [], detail: "expected an object, got \(value.typeName)")
        }
        self.value = value
    }

    func required(_ key: String) throws(FormatError) -> JSONValue {
        guard let member = value[key], !member.isNull else {
            throw FormatError(path: [], detail: "member \"\(key)\" is missing")
        }
        return member
    }

    func string(_ key: String) throws(FormatError) -> String {
        let member = try required(key)
        guard case .string(let s) = member else { throw mismatch(key, "a string", member) }
        return s
    }

    func optionalString(_ key: String) throws(FormatError) -> String? {
        guard let member = value[key], !member.isNull else { return nil }
        guard case .string(let s) = member else { throw mismatch(key, "a string", member) }
        return s
    }

    func int(_ key: String) throws(FormatError) -> Int64 {
        let member = try required(key)
        guard case .int(let n) = member else { throw mismatch(key, "an integer", member) }
        return n
    }

    func int32(_ key: String) throws(FormatError) -> Int32 {
        let n = try int(key)
        guard let small = Int32(exactly: n) else { throw FormatError(path: [key], detail: "\(n) is out of range") }
        return small
    }

    func optionalInt32(_ key: String) throws(FormatError) -> Int32? {
        guard let member = value[key], !member.isNull else { return nil }
        return try int32(key)
    }

    func optionalInt(_ key: String) throws(FormatError) -> Int? {
        guard let member = value[key], !member.isNull else { return nil }
        guard case .int(let n) = member, let small = Int(exactly: n) else { throw mismatch(key, "an integer", member) }
        return small
    }

    func optionalBool(_ key: String) throws(FormatError) -> Bool? {
        guard let member = value[key], !member.isNull else { return nil }
        guard case .bool(let b) = member else { throw mismatch(key, "true or false", member) }
        return b
    }

    func object(_ key: String) throws(FormatError) -> JSONValue {
        let member = try required(key)
        guard case .object = member else { throw mismatch(key, "an object", member) }
        return member
    }

    /// For the state file: a member this version does not know would be dropped silently by the next save.
    func rejectUnknown(_ known: Set<String>) throws(FormatError) {
        guard case .object(let members) = value else { return }
        for (key, _) in members where !known.contains(key) {
            throw FormatError(path: [], detail: "unknown member \"\(key)\"")
        }
    }

    private func mismatch(_ key: String, _ expected: String, _ member: JSONValue) -> FormatError {
        FormatError(path: [key], detail: "expected \(expected), got \(member.typeName)")
    }
}
