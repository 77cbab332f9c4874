import APIClient
import Diagnostics
import Manifest
import Reconcile

/// The endpoint a project's run talks to and binds its state to, resolved from the flags, the environment and
/// the project file, and checked before anything is bound to it.
public struct Endpoint: Sendable {
    public static let noEndpoint = "no endpoint: give --endpoint URL (or --endpoint embedded for the built-in emulator), set BATCHCTL_ENDPOINT, or set endpoint in batchctl.yaml"

    public let settings: EndpointSettings
    public let project: Project

    public init(settings: EndpointSettings, project: Project) {
        self.settings = settings
        self.project = project
    }

    /// The endpoint the state is bound to: the URL as given, `embedded`, or for a SuperOffice Online tenant signed in
    /// to by the system-user flow, the tenant (`tenant:Cust12345@online.superoffice.com`).
    public func name() throws -> String {
        let given = try kind()
        if let online = try onlineCredentials(for: given), let binding = OnlineSession.binding(for: online) {
            return binding
        }
        guard let given else {
            throw SessionError(Self.noEndpoint)
        }
        return given.name
    }

    /// The endpoint from --endpoint, BATCHCTL_ENDPOINT or the project file, checked; nil when none names one.
    public func kind() throws -> EndpointKind? {
        // An empty BATCHCTL_ENDPOINT counts as unset, as an empty BATCHCTL_STATE does.
        let fromEnvironment = settings.environment["BATCHCTL_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 }
        guard let name = settings.endpoint ?? fromEnvironment ?? project.endpoint, !name.isEmpty else { return nil }
        // A bad endpoint from the project file is reported where it is written.
        let fromProject = settings.endpoint == nil && fromEnvironment == nil
        let location = fromProject ? project.endpointLocation : nil
        func failure(_ message: String) -> any Error {
            location.map { DiagnosticList([.error($0, message)]) } ?? SessionError(message)
        }
        let kind = EndpointKind(name)
        guard case .url = kind else { return kind }
        let flag = fromProject ? "endpoint" : settings.endpoint != nil ? "--endpoint" : "BATCHCTL_ENDPOINT"
        guard name.hasPrefix("http://") || name.hasPrefix("https://") else {
            // Shown without what may be a password before an `@`.
            throw failure("\(flag) must be an http(s) URL or '\(EndpointKind.embeddedName)', not '\(Self.withoutCredentials(name))'")
        }
        // The client's one rule for endpoints, applied before anything is bound to this one: the endpoint is written
        // into the state and shown by every command, so a password in it would be kept and printed.
        do {
            try BatchTaskClient.validate(endpoint: name, named: flag)
        } catch {
            throw failure(error.message)
        }
        return kind
    }

    /// `scheme://user:password@host/...` with the part before the `@` of the authority left out, for messages.
    public static func withoutCredentials(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text.contains("@") ? "(a text with an '@', not shown)" : text }
        let rest = text[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return text }
        return String(text[..<scheme.upperBound]) + "(credentials not shown)@" + String(rest[rest.index(after: at)...])
    }

    /// SuperOffice Online credentials from the environment, refused beside other credentials or the embedded
    /// emulator.
    func onlineCredentials(for kind: EndpointKind?) throws -> OnlineCredentials? {
        guard let online = try OnlineCredentials.fromEnvironment(settings.environment, endpoint: kind?.apiURL) else {
            return nil
        }
        if kind == .embedded {
            throw SessionError("the embedded emulator takes no SuperOffice Online credentials: unset \(OnlineCredentials.Variable.systemUserToken) and \(OnlineCredentials.Variable.refreshToken), or give --endpoint URL")
        }
        if let other = try Credentials.fromEnvironment(settings.environment) {
            throw SessionError("credentials are ambiguous: \(online) and \(other) are both set in the environment; keep one kind")
        }
        return online
    }
}
