import Foundation
import Hummingbird
import JSON

/// A request body as UTF-8 bytes in its declared format: 415 for a media type or charset we do not read, 413
/// past 1 MiB, the charset decoded and a byte order mark dropped, so no parser ever sees foreign bytes.
struct RequestBody: Sendable {
    var format: RequestFormat
    var bytes: [UInt8]

    static func read(_ request: Request) async throws -> RequestBody {
        let contentType = request.headers[.contentType]
        let format = try ContentNegotiation.requestFormat(contentType: contentType)
        let charset = contentType.flatMap(ContentNegotiation.charset)
        let limit = EmulatorRequestContext.maximumBodySize
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw APIError.tooLarge(limit: limit)
        }
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        return RequestBody(format: format, bytes: try utf8(Array(buffer.readableBytesView), charset: charset))
    }

    /// The body re-encoded as UTF-8. What a .NET server decodes (UTF-8, UTF-16 either way, Latin-1, ASCII and
    /// Windows-1252) is decoded; any other charset is 415, never read as if it were UTF-8.
    static func utf8(_ bytes: [UInt8], charset: String?) throws(APIError) -> [UInt8] {
        let encoding: String.Encoding
        switch charset?.lowercased() {
        case nil, "utf-8", "utf8":
            guard String(validating: bytes, as: UTF8.self) != nil else {
                throw .badRequest("request body is not valid UTF-8; name its charset in the Content-Type if it is another")
            }
            return withoutBOM(bytes)
        case "utf-16":
            // RFC 2781: a BOM decides; without one, big-endian.
            if bytes.starts(with: [0xFF, 0xFE]) {
                encoding = .utf16LittleEndian
            } else {
                encoding = .utf16BigEndian
            }
        case "utf-16le": encoding = .utf16LittleEndian
        case "utf-16be": encoding = .utf16BigEndian
        case "iso-8859-1", "latin1", "iso_8859-1", "latin-1": encoding = .isoLatin1
        case "us-ascii", "ascii": encoding = .ascii
        case "windows-1252", "cp1252": encoding = .windowsCP1252
        case let other?:
            throw .unsupportedMediaType("charset \(other.prefix(40)) is not supported; send UTF-8, UTF-16 or ISO-8859-1")
        }
        var payload = bytes
        if encoding == .utf16LittleEndian, payload.starts(with: [0xFF, 0xFE]) { payload.removeFirst(2) }
        if encoding == .utf16BigEndian, payload.starts(with: [0xFE, 0xFF]) { payload.removeFirst(2) }
        guard let text = String(bytes: payload, encoding: encoding) else {
            throw .badRequest("request body is not valid \(charset ?? "text") as its Content-Type says")
        }
        return withoutBOM(Array(text.utf8))
    }

    private static func withoutBOM(_ bytes: [UInt8]) -> [UInt8] {
        bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
    }

    /// Whether anything but whitespace was sent.
    var hasContent: Bool {
        bytes.contains { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
    }

    /// The body as JSON (for the JSON types), or the JSON an XML or form body stands for; `xml` reads the
    /// element tree into the JSON the caller expects (a task, or Agents arguments).
    func value(xml: ([UInt8]) throws(APIError) -> JSONValue, form: ([(name: String, value: String)]) throws(APIError) -> JSONValue) throws(APIError) -> JSONValue {
        guard hasContent else { throw .badRequest("request body is empty") }
        switch format {
        case .json, .mergePatch, .jsonPatch:
            do {
                return try JSONValue.parse(bytes)
            } catch {
                throw .badRequest("request body is not valid JSON: \(error)")
            }
        case .xml:
            return try xml(Self.withoutDeclaredEncoding(bytes))
        case .form:
            return try form(try FormURLEncoding.formPairs(Substring(decoding: bytes, as: UTF8.self)))
        }
    }

    /// Once re-encoded as UTF-8, an XML declaration's `encoding="..."` would tell the parser something no longer
    /// true; the declaration is dropped (it is optional) so the parser reads UTF-8.
    private static func withoutDeclaredEncoding(_ bytes: [UInt8]) -> [UInt8] {
        let prefix = Array("<?xml".utf8)
        var start = 0
        while start < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[start]) { start += 1 }
        guard bytes[start...].starts(with: prefix) else { return bytes }
        var index = start + prefix.count
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "?"), bytes[index + 1] == UInt8(ascii: ">") {
                return Array(bytes[(index + 2)...])
            }
            index += 1
        }
        return bytes
    }
}
