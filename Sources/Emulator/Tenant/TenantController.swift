import Foundation
import Hummingbird
import JSON

/// The tenant status service (`GET /api/state/<context identifier>`) and our control path that switches it.
struct TenantController: Sendable {
    let contextIdentifier: String
    let status: TenantStatus
    let adminKey: String?
    /// What the tenant's Endpoint and Api start with.
    let origin: ServerOrigin

    /// Our choice: the header that carries `--admin-key`.
    static let adminKeyHeader = "X-Emulator-Admin-Key"
    /// Our choice: clients are told to look again after five minutes.
    static let validForSeconds: Double = 300

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "api/state/:ctx", state),
            // Our choice of control path and body: `{"State": "OfflineMaintenance"}`, a state the reference names.
            Endpoint(.post, "_emulator/tenant-state", setState),
        ]
    }

    /// The reference's answer shape. Our reading: another context identifier is a tenant this host does not know,
    /// answered with State Unknown and no endpoint rather than a 404.
    @Sendable func state(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        let asked = context.parameters.get("ctx") ?? ""
        guard asked.lowercased() == contextIdentifier.lowercased() else {
            return LoginController.json([
                "ContextIdentifier": .string(asked), "Endpoint": .null, "State": .string(TenantState.unknown.rawValue),
                "IsRunning": false, "ValidUntil": .string(validUntil()), "Api": .null,
            ])
        }
        return LoginController.json(body(state: status.current))
    }

    /// `POST /_emulator/tenant-state`: 404 without `--admin-key` (the path does not exist then), 403 without the
    /// right key, 400 for a state the reference does not name; answers the new tenant status.
    @Sendable func setState(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        guard let adminKey else { throw APIError(status: .notFound, type: "SoNotFoundException", message: "no such resource") }
        guard let given = request.headers.value(named: Self.adminKeyHeader), ConstantTime.equals(given, adminKey) else {
            throw APIError(
                status: .forbidden, type: "SoAccessDeniedException", message: "\(Self.adminKeyHeader) missing or not accepted")
        }
        let payload = try await RequestBody.read(request)
        let json = try payload.value(
            xml: { _ throws(APIError) in throw .unsupportedMediaType("the tenant-state body is JSON") },
            form: { _ throws(APIError) in throw .unsupportedMediaType("the tenant-state body is JSON") })
        let names = TenantState.allCases.map(\.rawValue).joined(separator: ", ")
        func member(_ name: String) -> JSONValue? { json.objectValue?.first(where: { $0.key.lowercased() == name })?.value }
        guard let name = member("state")?.stringValue, let state = TenantState(name: name) else {
            throw APIError.badRequest("the body must be {\"State\": NAME}, NAME one of \(names), and may add \"MoveTo\": HOST")
        }
        // Our choice: `"MoveTo": "eu2"` moves the tenant's API to `/eu2/<ctx>/api` (another host, played by a path),
        // and `"MoveTo": null` back to `/<ctx>/api`.
        if let move = member("moveto") {
            guard move.isNull || (move.stringValue.map { !$0.isEmpty && $0.count <= 32 && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } } ?? false) else {
                throw APIError.badRequest("MoveTo must be a host name of letters and digits, or null")
            }
            status.host = move.stringValue
        }
        status.current = state
        return LoginController.json(body(state: state))
    }

    private func body(state: TenantState) -> JSONValue {
        let endpoint = origin.url + status.rootPath(contextIdentifier)
        return [
            "ContextIdentifier": .string(contextIdentifier), "Endpoint": .string(endpoint), "State": .string(state.rawValue),
            "IsRunning": .bool(state.isRunning), "ValidUntil": .string(validUntil()), "Api": .string(endpoint + "/api"),
        ]
    }

    private func validUntil() -> String {
        Date().addingTimeInterval(Self.validForSeconds).formatted(.iso8601)
    }
}
