import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An XML element as a small tree: its local name, whether it is `i:nil="true"`, its text, and its children.
struct XMLNode: Sendable {
    var name: String
    var isNil = false
    var text = ""
    var children: [XMLNode] = []

    /// The first child with this local name, compared case-insensitively as the API's JSON binding does.
    func child(_ name: String) -> XMLNode? {
        let lowered = name.lowercased()
        return children.first { $0.name.lowercased() == lowered }
    }

    /// Reads a document into its root element. No DTD is read and no entity is expanded, ever: a body with a
    /// DOCTYPE is refused before parsing, so only XML's five predefined entities and character references remain
    /// (an internal subset could otherwise define entities that expand without bound). CDATA counts as text.
    static func parse(_ bytes: [UInt8]) throws(APIError) -> XMLNode {
        if Self.declaresDoctype(bytes) {
            throw .badRequest("request body has a DOCTYPE; XML with a document type declaration is not accepted")
        }
        // Refused before Foundation's parser sees them: an invalid UTF-8 name or a NUL crashes it, and neither is
        // XML (XML 1.0 allows no control character but tab, line feed and carriage return).
        if let offset = Self.firstCharacterXMLForbids(bytes) {
            throw .badRequest("request body is not valid XML: byte \(offset) is not UTF-8 text XML allows")
        }
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        let reader = Reader()
        parser.delegate = reader
        let parsed = parser.parse()
        // libxml2 reports some errors (a mismatched end tag) to the delegate while parse() still returns true.
        guard parsed, parser.parserError == nil, reader.parseError == nil, let root = reader.root else {
            let reason = (reader.parseError ?? parser.parserError).map { ($0 as NSError).localizedDescription } ?? "malformed XML"
            throw .badRequest("request body is not valid XML: line \(parser.lineNumber), column \(parser.columnNumber): \(reason)")
        }
        return root
    }

    /// The offset of the first byte that starts invalid UTF-8 or a control character XML 1.0 forbids; nil when
    /// there is none.
    static func firstCharacterXMLForbids(_ bytes: [UInt8]) -> Int? {
        var offset = 0
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                let value = scalar.value
                if value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D { return offset }
                if value == 0xFFFE || value == 0xFFFF { return offset }
                offset += UTF8.width(scalar)
            case .emptyInput:
                return nil
            case .error:
                return offset
            }
        }
    }

    /// `<!DOCTYPE` anywhere outside the text of an element would start a DTD; looked for in the raw bytes, any
    /// case, so no parser setting has to be trusted to ignore one.
    private static func declaresDoctype(_ bytes: [UInt8]) -> Bool {
        let marker = Array("<!doctype".utf8)
        guard bytes.count >= marker.count else { return false }
        for start in 0...(bytes.count - marker.count) where bytes[start] == UInt8(ascii: "<") {
            var matches = true
            for (offset, expected) in marker.enumerated() {
                let byte = bytes[start + offset]
                let lowered = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
                if lowered != expected {
                    matches = false
                    break
                }
            }
            if matches { return true }
        }
        return false
    }

    /// The SAX delegate; used by one parse on one thread.
    private final class Reader: NSObject, XMLParserDelegate {
        var root: XMLNode?
        var parseError: (any Error)?
        private var stack: [XMLNode] = []

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            var node = XMLNode(name: elementName)
            // With namespace processing the prefix is gone from attribute names; accept both spellings.
            node.isNil = (attributes["nil"] ?? attributes["i:nil"])?.trimmingASCIIWhitespace() == "true"
            stack.append(node)
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            guard let node = stack.popLast() else { return }
            if stack.isEmpty {
                root = node
            } else {
                stack[stack.count - 1].children.append(node)
            }
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            if self.parseError == nil { self.parseError = parseError }
        }
    }
}
