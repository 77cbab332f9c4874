import Hummingbird

/// One route: a method, a path (`:name` a parameter), and its handler.
struct Endpoint: Sendable {
    typealias Handler = @Sendable (Request, EmulatorRequestContext) async throws -> Response

    let method: HTTPRequest.Method
    let path: String
    let handler: Handler

    init(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        self.method = method
        self.path = path
        self.handler = handler
    }

    /// Whether the path's segments match `segments` (case-insensitively, as the router matches them).
    func matches(_ segments: [Substring]) -> Bool {
        let own = path.split(separator: "/")
        guard own.count == segments.count else { return false }
        return zip(own, segments).allSatisfy { pattern, segment in
            pattern.hasPrefix(":") || pattern.lowercased() == segment.lowercased()
        }
    }
}

extension Router where Context == EmulatorRequestContext {
    func add(_ endpoints: [Endpoint]) {
        for endpoint in endpoints {
            on(RouterPath(endpoint.path), method: endpoint.method, use: endpoint.handler)
        }
    }
}
