import BatchTask
import JSON

/// Writes the .NET DataContract XML that the SuperOffice API sends for `application/xml`: elements in the
/// contract's order (the API order), in the Services88 namespace, ParameterObject as a StringDictionary of
/// `StringKeyValuePair` elements, every property written (null ones as `i:nil`), as the JSON answers are.
struct BatchTaskXML {
    static let namespace = "http://www.superoffice.net/ws/crm/NetServer/Services88"
    static let instanceNamespace = "http://www.w3.org/2001/XMLSchema-instance"
    static let serializationNamespace = "http://schemas.microsoft.com/2003/10/Serialization/"

    private(set) var bytes: [UInt8] = []

    init() {
        append("<?xml version=\"1.0\" encoding=\"utf-8\"?>")
    }

    /// `<BatchTaskInfo xmlns=...>` as a document.
    static func document(_ task: BatchTaskInfo, nulling: Set<BatchTaskField> = []) -> [UInt8] {
        var xml = BatchTaskXML()
        xml.writeTask(task, nulling: nulling, declaringNamespaces: true)
        return xml.bytes
    }

    /// `<ArrayOfBatchTaskInfo>`, the DataContract name of a BatchTaskInfo array.
    static func document(_ tasks: [BatchTaskInfo], nulling: Set<BatchTaskField> = []) -> [UInt8] {
        var xml = BatchTaskXML()
        xml.append("<ArrayOfBatchTaskInfo xmlns=\"\(namespace)\" xmlns:i=\"\(instanceNamespace)\">")
        for task in tasks { xml.writeTask(task, nulling: nulling, declaringNamespaces: false) }
        xml.append("</ArrayOfBatchTaskInfo>")
        return xml.bytes
    }

    /// The OData list: the JSON carrier's three members as elements (`odata.metadata` is a valid XML name).
    static func odataDocument(metadata: String, nextLink: String?, rows: [ArchiveRow]) -> [UInt8] {
        var xml = BatchTaskXML()
        xml.append("<ODataSlimResponse xmlns=\"\(namespace)\" xmlns:i=\"\(instanceNamespace)\">")
        xml.element("odata.metadata", metadata)
        if let nextLink { xml.element("odata.nextLink", nextLink) }
        xml.append("<value>")
        for row in rows { xml.writeRow(row) }
        xml.append("</value></ODataSlimResponse>")
        return xml.bytes
    }

    /// `<int xmlns="http://schemas.microsoft.com/2003/10/Serialization/">685</int>`, DataContract's bare int.
    static func document(int value: Int32) -> [UInt8] {
        var xml = BatchTaskXML()
        xml.append("<int xmlns=\"\(serializationNamespace)\">\(value)</int>")
        return xml.bytes
    }

    static func document(bool value: Bool) -> [UInt8] {
        var xml = BatchTaskXML()
        xml.append("<boolean xmlns=\"\(serializationNamespace)\">\(value)</boolean>")
        return xml.bytes
    }

    /// Every property, as the JSON answer has them (`BatchTaskJSON.shown`); a null one as `i:nil="true"`.
    private mutating func writeTask(_ task: BatchTaskInfo, nulling: Set<BatchTaskField>, declaringNamespaces: Bool) {
        append(declaringNamespaces ? "<BatchTaskInfo xmlns=\"\(Self.namespace)\" xmlns:i=\"\(Self.instanceNamespace)\">" : "<BatchTaskInfo>")
        for field in BatchTaskField.allCases {
            guard !nulling.contains(field), let value = BatchTaskJSON.shown(task, field) else {
                append("<\(field.rawValue) i:nil=\"true\"/>")
                continue
            }
            if field == .parameterObject {
                append("<ParameterObject>")
                for (key, member) in value.objectValue ?? [:] {
                    append("<StringKeyValuePair>")
                    element("Key", key)
                    switch member {
                    case .null: append("<Value i:nil=\"true\"/>")
                    case .string(let text): element("Value", text)
                    // Rows written before ParameterObject became a string dictionary may hold other JSON.
                    default: element("Value", member.serialized())
                    }
                    append("</StringKeyValuePair>")
                }
                append("</ParameterObject>")
                continue
            }
            element(field.rawValue, Self.text(value))
        }
        append("<TableRight i:nil=\"true\"/><FieldProperties/>")
        append("</BatchTaskInfo>")
    }

    private static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        default: return value.serialized()
        }
    }

    /// An archive row: `<ArchiveRow>` with PrimaryKey, EntityName and the columns as elements (our choice: the
    /// reference shows no XML for archive rows).
    private mutating func writeRow(_ row: ArchiveRow) {
        append("<ArchiveRow>")
        element("PrimaryKey", String(row.primaryKey))
        element("EntityName", ArchiveRow.entityName)
        for (column, value) in row.columns {
            if let value { element(column, Self.text(value)) } else { append("<\(column) i:nil=\"true\"/>") }
        }
        append("</ArchiveRow>")
    }

    private mutating func element(_ name: String, _ text: String) {
        append("<\(name)>")
        appendEscaped(text)
        append("</\(name)>")
    }

    private mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// Escapes markup; characters XML 1.0 cannot carry at all (most C0 controls) become U+FFFD.
    private mutating func appendEscaped(_ text: String) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": append("&amp;")
            case "<": append("&lt;")
            case ">": append("&gt;")
            case "\r": append("&#xD;")
            case "\t", "\n": bytes.append(UInt8(scalar.value))
            case "\u{0}"..."\u{1F}", "\u{FFFE}", "\u{FFFF}": append("\u{FFFD}")
            default: UTF8.encode(scalar) { bytes.append($0) }
            }
        }
    }
}
