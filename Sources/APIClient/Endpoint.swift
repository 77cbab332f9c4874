import Foundation

/// The installation root a user gives (`https://online.example.com/Cust12345`), normalised, and the BatchTask URLs
/// under it.
struct Endpoint: Sendable, Hashable {
    /// `scheme://authority`, for links given as absolute paths.
    let origin: String
    /// The root without a trailing slash or `/api/v1`: `https://online.example.com/Cust12345`.
    let root: String
    /// `root + /api/v1/BatchTask`.
    let collection: String
    /// `collection + /`, so a task URL is one concatenation.
    let collectionSlash: String

    private static let apiPrefix = "/api/v1"

    /// Accepts `http(s)://host[:port][/path]` (see `CheckedURL`) with an optional trailing slash or `/api/v1`
    /// suffix; refuses a query or a fragment. `name` is what a message calls the URL.
    init(_ baseURL: String, named name: String = "the endpoint") throws(ClientError) {
        let url = try CheckedURL(baseURL, named: name)
        var path = Substring(url.remainder)
        guard !path.contains("?"), !path.contains("#") else {
            throw .configuration("\(name) must not have a query or fragment: give the installation's root URL")
        }
        while path.hasSuffix("/") { path = path.dropLast() }
        if path.lowercased().hasSuffix(Self.apiPrefix) { path = path.dropLast(Self.apiPrefix.count) }
        while path.hasSuffix("/") { path = path.dropLast() }

        origin = url.origin
        root = origin + path
        collection = root + Self.apiPrefix + "/BatchTask"
        collectionSlash = collection + "/"
    }

    func task(_ id: Int32) -> String {
        collectionSlash + String(id)
    }

    /// `root + /api/v1/Agents/Batch/<method>`.
    func agent(_ method: String) -> String {
        root + Self.apiPrefix + "/Agents/Batch/" + method
    }

    /// Where an `odata.nextLink` points, always on this endpoint: a server behind a proxy may write its internal
    /// host, and following a link elsewhere would hand the credentials to another host. The part from `/api/v1/`
    /// on is kept and put under our root; other links are read relative to the root or the origin.
    func resolve(link: String) -> String {
        if let range = link.range(of: Self.apiPrefix + "/", options: .caseInsensitive) {
            return root + link[range.lowerBound...]
        }
        let lower = link.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            let afterScheme = link.drop(while: { $0 != ":" }).dropFirst(3)
            let pathAndQuery = afterScheme.drop(while: { $0 != "/" && $0 != "?" })
            return origin + (pathAndQuery.hasPrefix("?") ? "/" : "") + pathAndQuery
        }
        if link.hasPrefix("/") { return origin + link }
        return root + Self.apiPrefix + "/" + link
    }
}
