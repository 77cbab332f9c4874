import Hummingbird

/// In front of the router, what ASP.NET's routing does and Hummingbird's does not: paths percent-decoded before
/// matching (`/BatchTask/%31` is task 1), HEAD answered as GET without the body, and a method a path does not
/// have answered 405 with `Allow` rather than 404. (Case-insensitive matching is the router's own option.)
struct RouteNormalizer<Inner: HTTPResponder>: HTTPResponder where Inner.Context == EmulatorRequestContext {
    typealias Context = EmulatorRequestContext

    let inner: Inner
    let endpoints: [Endpoint]
    /// With the login service on, `/<ctx>/api/...` is `/api/...`: the JWT's `webapi_url` names the tenant's API
    /// under its context identifier, and batchctl's endpoint is that URL without `api/`.
    var contextIdentifier: String? = nil
    /// Where the tenant is served now (see `TenantStatus.host`).
    var tenant: TenantStatus? = nil

    func respond(to request: Request, context: Context) async throws -> Response {
        var head = request.head
        let isHead = head.method == .head
        if isHead { head.method = .get }
        if let path = head.path, path.contains("%") { head.path = Self.decoded(path) }
        if let contextIdentifier, let path = head.path {
            let root = tenant?.rootPath(contextIdentifier) ?? "/" + contextIdentifier
            if let rest = Self.stripping(root, from: path) {
                head.path = rest
            } else if Self.stripping("/" + contextIdentifier, from: path) != nil
                        || Self.stripping("/" + (path.split(separator: "/").first.map(String.init) ?? "") + "/" + contextIdentifier, from: path) != nil {
                // The reference: 421 Misdirected Request when a call reaches a host that does not serve the tenant.
                let error = APIError(
                    status: .misdirectedRequest, type: "SoMisdirectedRequestException",
                    message: "this host does not serve \(contextIdentifier) any more; look its API up in the tenant status")
                let response = ErrorMiddleware.response(error, for: request)
                return isHead ? response.createHeadResponse() : response
            }
        }

        let segments = (head.path ?? "").split(separator: "?", maxSplits: 1).first?.split(separator: "/") ?? []
        let matching = endpoints.filter { $0.matches(segments) }
        if !matching.isEmpty, !matching.contains(where: { $0.method == head.method }) {
            var allowed = Set(matching.map(\.method))
            if allowed.contains(.get) { allowed.insert(.head) }
            let order: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete]
            var error = APIError(
                status: .methodNotAllowed, type: "SoMethodNotAllowedException",
                message: "\(request.method) is not allowed here; use \(order.filter(allowed.contains).map(\.rawValue).joined(separator: ", "))")
            error.headers[.allow] = order.filter(allowed.contains).map(\.rawValue).joined(separator: ", ")
            let response = ErrorMiddleware.response(error, for: request)
            return isHead ? response.createHeadResponse() : response
        }

        let response = try await inner.respond(to: Request(head: head, body: request.body), context: context)
        return isHead ? response.createHeadResponse() : response
    }

    /// `<root>/api...` without `root` (in any case); nil for any other path.
    static func stripping(_ root: String, from path: String) -> String? {
        let prefix = root.lowercased() + "/api"
        guard path.lowercased().hasPrefix(prefix) else { return nil }
        let rest = path.dropFirst(root.count)
        let after = rest.dropFirst(4).first
        guard after == nil || after == "/" || after == "?" else { return nil }
        return String(rest)
    }

    /// `%XX` decoded in the path, the query left alone; an escaped `/` stays escaped so it cannot split a
    /// segment, and an escape that is not one (`%G1`) or decodes to no UTF-8 is kept as written.
    static func decoded(_ target: String) -> String {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = parts.first.map(String.init) ?? ""
        var bytes: [UInt8] = []
        let utf8 = Array(path.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "%"), index + 2 < utf8.count,
               let high = FormURLEncoding.hexValue(utf8[index + 1]), let low = FormURLEncoding.hexValue(utf8[index + 2]), high << 4 | low != UInt8(ascii: "/") {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { return target }
        return parts.count > 1 ? decoded + "?" + parts[1] : decoded
    }
}
