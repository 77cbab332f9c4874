import BatchTask
import JSON

/// The arguments of an Agents call, named in any case (ASP.NET binds the request object case-insensitively);
/// XML and form bodies give every value as text, so numbers are also read from digits.
struct AgentArguments: Sendable {
    private let members: JSONValue.Object

    init(_ value: JSONValue) throws(APIError) {
        guard case .object(let members) = value else {
            throw .badRequest("an Agents request body is an object of arguments, got \(value.typeName)")
        }
        self.members = members
    }

    private func value(_ name: String) -> JSONValue? {
        let lowered = name.lowercased()
        guard let value = members.first(where: { $0.key.lowercased() == lowered })?.value, !value.isNull else { return nil }
        return value
    }

    private func required(_ name: String) throws(APIError) -> JSONValue {
        guard let value = value(name) else { throw .badRequest("the request body needs \(name)") }
        return value
    }

    func int32(_ name: String) throws(APIError) -> Int32 {
        try Self.int32(try required(name), name)
    }

    func int32List(_ name: String) throws(APIError) -> [Int32] {
        let value = try required(name)
        guard case .array(let items) = value else { return [try Self.int32(value, name)] }
        var numbers: [Int32] = []
        for item in items { numbers.append(try Self.int32(item, name)) }
        return numbers
    }

    func string(_ name: String) throws(APIError) -> String {
        guard case .string(let text) = try required(name) else { throw .badRequest("\(name): expected a string") }
        return text
    }

    /// A BatchTaskState, `All` included, by name in any case or by number.
    func state(_ name: String) throws(APIError) -> BatchTaskState {
        try BatchTaskBinding.state(try required(name), allowingAll: true)
    }

    func task(_ name: String) throws(APIError) -> JSONValue {
        try required(name)
    }

    private static func int32(_ value: JSONValue, _ name: String) throws(APIError) -> Int32 {
        switch value {
        case .int(let n):
            if let small = Int32(exactly: n) { return small }
        case .double(let d) where d.rounded() == d && abs(d) < 3e9:
            if let small = Int32(exactly: d) { return small }
        case .string(let text):
            if let small = Int32(text.trimmingASCIIWhitespace()) { return small }
        default:
            break
        }
        throw .badRequest("\(name): expected an integer between \(Int32.min) and \(Int32.max), got \(value.serialized().prefix(60))")
    }
}
