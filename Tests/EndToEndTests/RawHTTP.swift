import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import JSON

/// Plain HTTP to the emulator from outside batchctl: what "someone changed it by hand" looks like.
struct RawHTTP {
    let baseURL: String
    let user: String
    let password: String

    init(_ emulator: EmulatorProcess) {
        baseURL = emulator.baseURL
        user = emulator.user
        password = emulator.password
    }

    func request(_ method: String, _ path: String, body: JSONValue? = nil) async throws -> (status: Int, body: JSONValue?) {
        guard let url = URL(string: baseURL + "/api/v1/" + path) else { throw URLError(.badURL) }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("Basic " + Data("\(user):\(password)".utf8).base64EncodedString(), forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body.serializedBytes())
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        return (status, data.isEmpty ? nil : try? JSONValue.parse(Array(data)))
    }

    /// Every task the server holds, system tasks included, as whole BatchTaskInfo values: the ids from the OData
    /// list (archive rows, paged), then each task by id. `GET /BatchTask/All` would leave system tasks out.
    /// Asked again after a lost answer or an injected 5xx: fault tests count what the server holds, and their
    /// own reads go through the same faults as batchctl's.
    func allTasks() async throws -> [JSONValue] {
        var ids: [Int64] = []
        var path: String? = "BatchTask?$select=id&$orderBy=id"
        while let next = path {
            let page = try await retrying("GET", next)
            for row in page["value"]?.arrayValue ?? [] {
                // api.md v3: a slim row's PrimaryKey is a string ("3"); a number is read too.
                if let id = row["PrimaryKey"]?.intValue ?? row["PrimaryKey"]?.stringValue.flatMap({ Int64($0) }) { ids.append(id) }
            }
            path = page["odata.nextLink"]?.stringValue.flatMap { link in
                link.range(of: "/api/v1/").map { String(link[$0.upperBound...]) }
            }
        }
        return try await withThrowingTaskGroup(of: JSONValue?.self) { group in
            var pending = ids.makeIterator()
            for _ in 0..<16 {
                guard let id = pending.next() else { break }
                group.addTask { try await retryingOptional("GET", "BatchTask/\(id)", allowNotFound: true) }
            }
            var tasks: [JSONValue] = []
            while let task = try await group.next() {
                if let task { tasks.append(task) }
                if let id = pending.next() { group.addTask { try await retryingOptional("GET", "BatchTask/\(id)", allowNotFound: true) } }
            }
            return tasks.sorted { ($0["Id"]?.intValue ?? 0) < ($1["Id"]?.intValue ?? 0) }
        }
    }

    private func retrying(_ method: String, _ path: String) async throws -> JSONValue {
        try await retryingOptional(method, path, allowNotFound: false) ?? .null
    }

    /// One read, asked again (up to 30 times) until the server answers it; nil for a 404 when `allowNotFound`.
    private func retryingOptional(_ method: String, _ path: String, allowNotFound: Bool) async throws -> JSONValue? {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let answer = try await request(method, path)
                if answer.status == 200, let body = answer.body { return body }
                if answer.status == 404 && allowNotFound { return nil }
                if attempt >= 30 { throw URLError(.badServerResponse) }
            } catch {
                if attempt >= 30 { throw error }
            }
        }
    }
}
