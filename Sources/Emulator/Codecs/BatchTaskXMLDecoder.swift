import BatchTask
import Foundation
import JSON
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads a `<BatchTaskInfo>` XML body (in any namespace or none) into the same JSON object a JSON body would give:
/// child elements named as properties, `i:nil="true"` as null, ParameterObject's `StringKeyValuePair`s as an
/// object of strings, unknown elements (TableRight, FieldProperties) ignored.
enum BatchTaskXMLDecoder {
    static func object(from bytes: [UInt8]) throws(APIError) -> JSONValue {
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        let reader = Reader()
        parser.delegate = reader
        let parsed = parser.parse()
        if let failure = reader.failure { throw failure }
        // libxml2 reports some errors (a mismatched end tag) to the delegate while parse() still returns true.
        guard parsed, parser.parserError == nil, reader.parseError == nil else {
            let reason = (reader.parseError ?? parser.parserError).map { ($0 as NSError).localizedDescription } ?? "malformed XML"
            throw .badRequest("request body is not valid XML: line \(parser.lineNumber), column \(parser.columnNumber): \(reason)")
        }
        guard reader.sawRoot else { throw .badRequest("request body has no <BatchTaskInfo> element") }
        var members = reader.members
        if let parameters = reader.parameters { members[BatchTaskField.parameterObject.rawValue] = .object(parameters) }
        return .object(members)
    }

    /// The SAX delegate; used by one parse on one thread.
    private final class Reader: NSObject, XMLParserDelegate {
        var members = JSONValue.Object()
        var parameters: JSONValue.Object?
        var failure: APIError?
        var sawRoot = false
        var parseError: (any Error)?

        /// Element names from the root down.
        private var path: [String] = []
        private var text = ""
        private var isNil = false
        private var pairKey: String?
        private var pairValue: JSONValue = .null

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            if path.isEmpty {
                guard elementName == "BatchTaskInfo" else {
                    fail(parser, .badRequest("expected a <BatchTaskInfo> element, got <\(elementName)>"))
                    return
                }
                sawRoot = true
            }
            path.append(elementName)
            text = ""
            // With namespace processing the prefix is gone from attribute names; accept both spellings.
            isNil = (attributes["nil"] ?? attributes["i:nil"]) == "true"
            if path.count == 2, elementName == BatchTaskField.parameterObject.rawValue { parameters = parameters ?? [:] }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            defer {
                path.removeLast()
                text = ""
                isNil = false
            }
            switch path.count {
            case 2:
                guard let field = BatchTaskField.named(caseInsensitive: elementName), field != .parameterObject else { return }
                if isNil {
                    members[field.rawValue] = .null
                    return
                }
                do {
                    members[field.rawValue] = try FieldText.value(text, for: field)
                } catch {
                    fail(parser, error)
                }
            case 4 where path[1] == BatchTaskField.parameterObject.rawValue:
                if elementName == "Key" { pairKey = text }
                if elementName == "Value" { pairValue = isNil ? .null : .string(text) }
            case 3 where path[1] == BatchTaskField.parameterObject.rawValue:
                if let key = pairKey { parameters?[key] = pairValue }
                pairKey = nil
                pairValue = .null
            default:
                break
            }
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            if self.parseError == nil { self.parseError = parseError }
        }

        private func fail(_ parser: XMLParser, _ error: APIError) {
            if failure == nil { failure = error }
            parser.abortParsing()
        }
    }
}
