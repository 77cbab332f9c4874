import Foundation
import State

/// `postgres://user[:password]@host[:port]/database?schema=NAME[&sslmode=disable|require]`, read once; the password
/// may instead come from `BATCHCTL_STATE_PASSWORD` or `PGPASSWORD`, and is never part of `description`.
public struct PostgresLocation: Sendable, CustomStringConvertible {
    public var user: String
    var password: String?
    public var host: String
    public var port: Int
    public var database: String
    /// Where batchctl keeps its tables: never `public`.
    public var schema: String
    public var requireTLS: Bool

    public static let defaultSchema = "batchctl"
    public static let schemes = ["postgres://", "postgresql://"]

    /// Whether `location` names a PostgreSQL state.
    public static func matches(_ location: String) -> Bool {
        schemes.contains { location.lowercased().hasPrefix($0) }
    }

    /// The URL without its password: what every message and listing shows.
    public var description: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(hostPart):\(port)/\(database)?schema=\(schema)"
    }

    public init(_ url: String, environment: [String: String]) throws(StateError) {
        func refuse(_ detail: String) -> StateError {
            // The URL may hold a password: the message never repeats it.
            StateError.unsupported("--state postgres://...: \(detail); the form is postgres://USER@HOST:PORT/DATABASE?schema=NAME")
        }
        guard let scheme = Self.schemes.first(where: { url.lowercased().hasPrefix($0) }) else { throw refuse("not a postgres:// URL") }
        var rest = Substring(url.dropFirst(scheme.count))
        var query = Substring()
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let at = rest.lastIndex(of: "@") else { throw refuse("the URL names no user (USER@HOST)") }
        let credentials = rest[..<at]
        rest = rest[rest.index(after: at)...]
        let userPart = credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let rawUser = userPart.first, !rawUser.isEmpty, let user = String(rawUser).removingPercentEncoding else {
            throw refuse("the URL names no user")
        }
        self.user = user
        password = userPart.count > 1 ? String(userPart[1]).removingPercentEncoding : nil
        guard let slash = rest.firstIndex(of: "/") else { throw refuse("the URL names no database (HOST/DATABASE)") }
        let authority = rest[..<slash]
        let database = rest[rest.index(after: slash)...]
        guard !database.isEmpty, !database.contains("/"), let decoded = String(database).removingPercentEncoding else {
            throw refuse("the URL names no database")
        }
        self.database = decoded
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            port = after.hasPrefix(":") ? Int(after.dropFirst()) ?? -1 : 5432
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            port = Int(authority[authority.index(after: colon)...]) ?? -1
        } else {
            host = String(authority)
            port = 5432
        }
        guard !host.isEmpty else { throw refuse("the URL names no host") }
        guard (1...65535).contains(port) else { throw refuse("the port is not a number from 1 to 65535") }
        var schema = Self.defaultSchema
        var requireTLS = false
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts.first.map(String.init) ?? ""
            let value = parts.count > 1 ? String(parts[1]).removingPercentEncoding ?? "" : ""
            switch name {
            case "schema": schema = value
            case "sslmode":
                switch value {
                case "disable": requireTLS = false
                case "require", "verify-full": requireTLS = true
                default: throw refuse("sslmode must be disable, require or verify-full")
                }
            default: throw refuse("unknown parameter '\(name.prefix(32))' (schema and sslmode are known)")
            }
        }
        guard schema.first.map({ $0.isASCII && ($0.isLowercase || $0 == "_") }) ?? false, schema.count <= 63,
              schema.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })
        else { throw refuse("schema must be a lowercase name of letters, digits and _ (63 at most)") }
        guard schema != "public", !schema.hasPrefix("pg_") else {
            throw refuse("batchctl keeps its tables in a schema of its own, not '\(schema)'")
        }
        self.schema = schema
        self.requireTLS = requireTLS
        if password == nil {
            password = environment["BATCHCTL_STATE_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
                ?? environment["PGPASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        }
    }
}
