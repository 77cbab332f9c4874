/// The format of a request body, from its Content-Type.
enum RequestFormat: Sendable, Equatable {
    case json, xml, form
    /// RFC 7386: members present are set, null clears, absent ones are left alone.
    case mergePatch
    /// RFC 6902: a list of operations.
    case jsonPatch
}

/// The format of a response body, from the request's Accept, with the Content-Type it is sent under.
enum ResponseFormat: Sendable, Equatable {
    case json(contentType: String)
    case xml(contentType: String)

    static let defaultJSON = ResponseFormat.json(contentType: "application/json; charset=utf-8")
}

/// Media types as the API reference lists them: JSON and XML both ways, form bodies, and the two patch types.
enum ContentNegotiation {
    /// A missing Content-Type is read as JSON (what every client of this API sends); an unlisted one is 415.
    static func requestFormat(contentType: String?) throws(APIError) -> RequestFormat {
        guard let contentType, let type = mediaTypes(contentType).first?.type else { return .json }
        switch type {
        case "application/json", "text/json": return .json
        case "application/xml", "text/xml": return .xml
        case "application/x-www-form-urlencoded": return .form
        case "application/merge-patch+json": return .mergePatch
        case "application/json-patch+json": return .jsonPatch
        default:
            throw .unsupportedMediaType(
                "Content-Type \(type) is not supported; use application/json, text/json, application/xml, text/xml, "
                    + "application/x-www-form-urlencoded, application/merge-patch+json or application/json-patch+json")
        }
    }

    /// The acceptable type with the highest quality (the first of equals). Our choice: JSON when Accept is absent,
    /// malformed or names nothing we write (the Python SDK sends `aplication/json`, sic), as ASP.NET Web API's
    /// formatters fall back to their first formatter rather than answering 406.
    static func responseFormat(accept: String?) -> ResponseFormat {
        guard let accept else { return .defaultJSON }
        var best: (format: ResponseFormat, quality: Double)?
        for entry in mediaTypes(accept) {
            let format: ResponseFormat
            switch entry.type {
            case "application/json", "application/json-patch+json", "application/merge-patch+json", "application/*", "*/*":
                format = .defaultJSON
            case "text/json", "text/*":
                format = .json(contentType: "text/json; charset=utf-8")
            case "application/xml":
                format = .xml(contentType: "application/xml; charset=utf-8")
            case "text/xml":
                format = .xml(contentType: "text/xml; charset=utf-8")
            default:
                continue
            }
            if entry.quality > 0, entry.quality > (best?.quality ?? 0) { best = (format, entry.quality) }
        }
        return best?.format ?? .defaultJSON
    }

    /// The `charset` parameter of a Content-Type, unquoted; nil when not given.
    static func charset(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { String($0).trimmingASCIIWhitespace() }
            guard pair.count == 2, pair[0].lowercased() == "charset" else { continue }
            let value = pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2 ? String(pair[1].dropFirst().dropLast()) : pair[1]
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// `a/b; q=0.5, c/d` as lower-cased types with their quality (1 when not given).
    static func mediaTypes(_ header: String) -> [(type: String, quality: Double)] {
        header.split(separator: ",").compactMap { item in
            let parts = item.split(separator: ";")
            guard let first = parts.first else { return nil }
            let type = String(first).trimmingASCIIWhitespace().lowercased()
            guard !type.isEmpty else { return nil }
            var quality = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { String($0).trimmingASCIIWhitespace() }
                if pair.count == 2, pair[0].lowercased() == "q", let q = Double(pair[1]) { quality = q }
            }
            return (type, quality)
        }
    }
}
