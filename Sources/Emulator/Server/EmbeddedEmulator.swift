import Foundation

/// The emulator inside the calling process, for `--endpoint embedded`: the same application on a free
/// 127.0.0.1 port, its data in a file, and a random Basic credential made for this run only.
public struct EmbeddedEmulator: Sendable {
    /// `http://127.0.0.1:PORT`.
    public let baseURL: String
    /// The only credential the server accepts; send it as Basic authentication.
    public let credential: (user: String, password: String)
    private let server: EmulatorServer

    /// `Basic base64(user:password)`, ready for the Authorization header.
    public var authorization: String {
        "Basic " + Data("\(credential.user):\(credential.password)".utf8).base64EncodedString()
    }

    /// Starts the server on `databasePath` (conventionally `.batchctl/embedded.sqlite`), creating its directory if
    /// needed. Jobs and faults are the defaults unless given.
    public static func start(
        databasePath: String, jobs: JobConfiguration = JobConfiguration(), faults: FaultConfiguration = FaultConfiguration()
    ) async throws -> EmbeddedEmulator {
        let directory = URL(fileURLWithPath: databasePath).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw EmulatorError("cannot create \(directory.path) for the embedded emulator's database: \(error.localizedDescription)")
        }
        let user = "batchctl-" + randomHex(bytes: 4)
        let password = randomHex(bytes: 24)
        let configuration = EmulatorConfiguration(
            listen: ListenAddress(host: "127.0.0.1", port: 0), databasePath: databasePath,
            authentication: AuthenticationConfiguration(users: [BasicCredential(user: user, password: password)]), jobs: jobs,
            faults: faults)
        let server = try await EmulatorServer.start(configuration)
        return EmbeddedEmulator(baseURL: server.baseURL, credential: (user, password), server: server)
    }

    /// Stops the server and closes the database.
    public func stop() async {
        await server.stop()
    }

    private static func randomHex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }.joined()
    }
}
