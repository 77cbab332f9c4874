import BatchTask
import Foundation
import JSON

/// `application/x-www-form-urlencoded`, for query strings and flat POST bodies.
enum FormURLEncoding {
    /// Name/value pairs in order; `+` is a space, `%XX` a byte; invalid escapes or UTF-8 are a 400.
    static func decode(_ text: Substring) throws(APIError) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        for item in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try unescape(parts[0])
            let value = parts.count > 1 ? try unescape(parts[1]) : ""
            pairs.append((name, value))
        }
        return pairs
    }

    static func unescape(_ text: Substring) throws(APIError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw .badRequest("invalid percent-escape in \"\(text.prefix(80))\"")
                }
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        guard let string = String(bytes: bytes, encoding: .utf8) else {
            throw .badRequest("percent-escapes in \"\(text.prefix(80))\" are not UTF-8")
        }
        return string
    }

    /// The value of one hexadecimal digit, in either case.
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// A form body's pairs, refusing text that is not a form at all (JSON or prose under a form Content-Type):
    /// every item must be `name=value` with a name of letters, digits and `_.-` (then `[key]` if any), so such a body is a 400 and
    /// never an empty task.
    static func formPairs(_ text: Substring) throws(APIError) -> [(name: String, value: String)] {
        let trimmed = Substring(String(text).trimmingASCIIWhitespace())
        for item in trimmed.split(separator: "&", omittingEmptySubsequences: true) where !item.contains("=") {
            throw .badRequest("request body is not a form: \"\(item.prefix(40))\" is not name=value")
        }
        let pairs = try decode(trimmed)
        for (name, _) in pairs {
            // Only the part before a `[`: a ParameterObject key inside the brackets may be any text.
            let head = name.split(separator: "[", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let valid = !head.isEmpty && head.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0)
            }
            guard valid else { throw .badRequest("request body is not a form: \"\(name.prefix(40))\" is not a field name") }
        }
        return pairs
    }

    /// Agents arguments from a form: names as given, a repeated name (`AssociateIds=1&AssociateIds=2`, or
    /// `AssociateIds[]=1`) a list; `BatchTaskInfo.Name` or `BatchTaskInfo[Name]` pairs, or plain property names,
    /// make the BatchTaskInfo argument.
    static func agentArguments(_ pairs: [(name: String, value: String)]) throws(APIError) -> JSONValue {
        var members = JSONValue.Object()
        var taskPairs: [(name: String, value: String)] = []
        for (rawName, value) in pairs {
            var name = rawName.hasSuffix("[]") ? String(rawName.dropLast(2)) : rawName
            let lowered = name.lowercased()
            if lowered.hasPrefix("batchtaskinfo.") {
                taskPairs.append((String(name.dropFirst("BatchTaskInfo.".count)), value))
                continue
            }
            if lowered.hasPrefix("batchtaskinfo["), lowered.hasSuffix("]") {
                taskPairs.append((String(name.dropFirst("BatchTaskInfo[".count).dropLast()), value))
                continue
            }
            if BatchTaskField.named(caseInsensitive: name) != nil || lowered.hasPrefix("parameterobject[") {
                taskPairs.append((name, value))
            }
            if name.isEmpty { name = rawName }
            switch members[name] {
            case .array(let items)?: members[name] = .array(items + [.string(value)])
            case let existing?: members[name] = .array([existing, .string(value)])
            case nil: members[name] = rawName.hasSuffix("[]") ? .array([.string(value)]) : .string(value)
            }
        }
        if !taskPairs.isEmpty, !members.keys.contains(where: { $0.lowercased() == "batchtaskinfo" }) {
            members["BatchTaskInfo"] = try batchTaskObject(taskPairs)
        }
        return .object(members)
    }

    /// A flat form body as a BatchTaskInfo object: names match properties case-insensitively, values are typed by
    /// the property (`AssociateId=5` is a number); `ParameterObject` takes JSON text, or `ParameterObject[key]=value`
    /// pairs give an object of strings. Unknown names are ignored, as unknown JSON properties are.
    static func batchTaskObject(_ pairs: [(name: String, value: String)]) throws(APIError) -> JSONValue {
        var members = JSONValue.Object()
        var parameters = JSONValue.Object()
        for (name, value) in pairs {
            let lowered = name.lowercased()
            if lowered.hasPrefix("parameterobject["), lowered.hasSuffix("]") {
                let key = String(name.dropFirst("ParameterObject[".count).dropLast())
                parameters[key] = .string(value)
                continue
            }
            guard let field = BatchTaskField.named(caseInsensitive: name) else { continue }
            if field == .parameterObject {
                do {
                    members[field.rawValue] = try JSONValue.parse(value)
                } catch {
                    throw .badRequest("ParameterObject: not valid JSON: \(error)")
                }
            } else {
                members[field.rawValue] = try FieldText.value(value, for: field)
            }
        }
        guard !members.isEmpty || !parameters.isEmpty else {
            throw .badRequest("request body names no BatchTaskInfo property (Name, AssociateId, ...)")
        }
        if !parameters.isEmpty {
            var merged = members[BatchTaskField.parameterObject.rawValue]?.objectValue ?? [:]
            for (key, value) in parameters { merged[key] = value }
            members[BatchTaskField.parameterObject.rawValue] = .object(merged)
        }
        return .object(members)
    }
}
