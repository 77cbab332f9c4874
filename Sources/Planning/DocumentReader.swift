import JSON

/// Reads one value of a saved plan with type checks, naming its JSON path (`actions[3].changes[0].field`) in every
/// error, in the manner of the state file's reader.
struct DocumentReader {
    let value: JSONValue
    /// Empty at the top of the document.
    let path: String

    init(_ value: JSONValue, path: String = "") {
        self.value = value
        self.path = path
    }

    /// The member, or nil when it is absent or null.
    func optional(_ key: String) throws(PlanFileError) -> DocumentReader? {
        guard case .object(let members) = value else { throw mismatch("an object") }
        guard let member = members[key], !member.isNull else { return nil }
        return DocumentReader(member, path: path.isEmpty ? key : path + "." + key)
    }

    func required(_ key: String) throws(PlanFileError) -> DocumentReader {
        guard let member = try optional(key) else { throw failure("member \"\(key)\" is missing") }
        return member
    }

    func string() throws(PlanFileError) -> String {
        guard case .string(let s) = value else { throw mismatch("a string") }
        return s
    }

    func bool() throws(PlanFileError) -> Bool {
        guard case .bool(let b) = value else { throw mismatch("a boolean") }
        return b
    }

    func int() throws(PlanFileError) -> Int64 {
        guard case .int(let n) = value else { throw mismatch("an integer") }
        return n
    }

    func int32() throws(PlanFileError) -> Int32 {
        let n = try int()
        guard let small = Int32(exactly: n) else { throw failure("\(n) is out of range") }
        return small
    }

    /// The elements of an array, each with its index in its path.
    func elements() throws(PlanFileError) -> [DocumentReader] {
        guard case .array(let items) = value else { throw mismatch("an array") }
        return items.enumerated().map { DocumentReader($0.element, path: "\(path)[\($0.offset)]") }
    }

    /// The members of an object, each with its key in its path.
    func members() throws(PlanFileError) -> [(key: String, value: DocumentReader)] {
        guard case .object(let members) = value else { throw mismatch("an object") }
        return members.map { (key: $0.key, value: DocumentReader($0.value, path: "\(path).\(JSONValue.string($0.key).serialized())")) }
    }

    func failure(_ detail: String) -> PlanFileError {
        PlanFileError(.malformed, path.isEmpty ? detail : "\(path): \(detail)")
    }

    private func mismatch(_ expected: String) -> PlanFileError {
        failure("expected \(expected), got \(value.typeName)")
    }
}
