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
    func allTasks() async throws -> [JSONValue] {
        try await request("GET", "BatchTask/All").body?.arrayValue ?? []
    }
}
