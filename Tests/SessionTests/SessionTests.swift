import DesiredTasks
import Diagnostics
import Foundation
import Manifest
import PostgresState
import Reconcile
import Session
import State
import Testing

/// What every front end opens: the endpoint resolved and checked, the state backend by location, the lock scope.
@Suite struct EndpointTests {
    private func endpoint(_ flag: String? = nil, environment: [String: String] = [:], project: String? = nil) -> Endpoint {
        var settled = Project()
        settled.endpoint = project
        settled.endpointLocation = SourceLocation(file: "batchctl.yaml", line: 3, column: 11)
        return Endpoint(settings: EndpointSettings(endpoint: flag, environment: environment), project: settled)
    }

    @Test func theKindIsEmbeddedOrAURL() {
        #expect(EndpointKind("embedded") == .embedded)
        #expect(EndpointKind("http://127.0.0.1:8080/api") == .url("http://127.0.0.1:8080/api"))
        #expect(EndpointKind.embedded.name == "embedded")
        #expect(EndpointKind("http://x").isEmbedded == false)
    }

    @Test func theFlagWinsOverTheEnvironmentAndTheEnvironmentOverTheProject() throws {
        #expect(try endpoint("http://flag", environment: ["BATCHCTL_ENDPOINT": "http://env"], project: "http://project").name() == "http://flag")
        #expect(try endpoint(environment: ["BATCHCTL_ENDPOINT": "http://env"], project: "http://project").name() == "http://env")
        // An empty BATCHCTL_ENDPOINT counts as unset.
        #expect(try endpoint(environment: ["BATCHCTL_ENDPOINT": ""], project: "embedded").name() == "embedded")
        #expect(try endpoint(project: "embedded").kind() == .embedded)
    }

    @Test func noEndpointSaysWhereToGiveOne() {
        let error = #expect(throws: SessionError.self) { try endpoint().name() }
        #expect(error?.message == Endpoint.noEndpoint)
    }

    @Test func aBadEndpointIsNamedByWhereItCameFromWithoutItsPassword() {
        let flag = #expect(throws: SessionError.self) { try endpoint("ftp://user:secret@host/x").name() }
        #expect(flag?.message == "--endpoint must be an http(s) URL or 'embedded', not 'ftp://(credentials not shown)@host/x'")
        let environment = #expect(throws: SessionError.self) { try endpoint(environment: ["BATCHCTL_ENDPOINT": "localhost"]).name() }
        #expect(environment?.message == "BATCHCTL_ENDPOINT must be an http(s) URL or 'embedded', not 'localhost'")
        // One from the project file is reported where it is written.
        let project = #expect(throws: DiagnosticList.self) { try endpoint(project: "localhost").name() }
        #expect(project?.diagnostics.first?.location?.line == 3)
    }
}

@Suite struct StateSettingsTests {
    @Test func aPathOpensTheFileOfTheWorkspace() throws {
        let project = Project()
        let file = try StateSettings(location: "states/s.json", environment: [:]).backend(project: project)
        #expect(file.description == "states/s.json")
        let prod = try StateSettings(location: "states/s.json", environment: [:]).backend(project: project, workspace: "prod")
        #expect(prod.description == StateLocation.path(of: "prod", in: "states/s.json"))
        let fromEnvironment = try StateSettings(environment: ["BATCHCTL_STATE": "env.json"]).backend(project: project)
        #expect(fromEnvironment.description == "env.json")
        #expect(StateSettings(environment: ["BATCHCTL_STATE": ""]).isGiven == false)
        #expect(try StateSettings(environment: [:]).backend(project: project).description == "batchctl.state.json")
    }

    @Test func aPostgresURLOpensTheDatabaseAndItsLeaseAllowsReplicas() async throws {
        let backend = try StateSettings.backend(at: "postgres://batchctl@127.0.0.1:1/state", workspace: "default",
                                                environment: ["BATCHCTL_STATE_PASSWORD": "pw"])
        #expect(backend is PostgresStateBackend)
        #expect(!backend.description.contains("pw"))
        let lease = backend.leaderLease(holder: LockInfo.current(operation: "controller"), duration: .seconds(2))
        #expect(lease?.allowsReplicas == true)
        await lease?.resign()
        await backend.close()
    }

    @Test func aStateFileHasOneControllerLease() throws {
        let backend = try StateSettings.backend(at: "batchctl.state.json", workspace: "default")
        let lease = backend.leaderLease(holder: LockInfo.current(operation: "controller"), duration: .seconds(2))
        #expect(lease?.allowsReplicas == false)
        #expect((lease as? SingleControllerLease)?.path == "batchctl.state.json.controller")
    }
}
