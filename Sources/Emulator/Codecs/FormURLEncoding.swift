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

    /// Escapes everything but RFC 3986's unreserved characters.
    static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(digits[Int(byte >> 4)])
                out.unicodeScalars.append(digits[Int(byte & 0xF)])
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
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
        if !parameters.isEmpty {
            var merged = members[BatchTaskField.parameterObject.rawValue]?.objectValue ?? [:]
            for (key, value) in parameters { merged[key] = value }
            members[BatchTaskField.parameterObject.rawValue] = .object(merged)
        }
        return .object(members)
    }
}
