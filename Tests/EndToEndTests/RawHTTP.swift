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

    /// Every task the server holds.
    /// Asked again after a lost answer or an injected 5xx: fault tests count what the server holds, and their
    /// own reads go through the same faults as batchctl's.
    func allTasks() async throws -> [JSONValue] {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let answer = try await request("GET", "BatchTask/All")
                if answer.status == 200, let tasks = answer.body?.arrayValue { return tasks }
                if attempt >= 30 { throw URLError(.badServerResponse) }
            } catch {
                if attempt >= 30 { throw error }
            }
        }
    }
}
