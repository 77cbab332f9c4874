import State
import Testing

/// Which file holds which workspace's state.
@Suite struct StateLocationTests {
    @Test func theDefaultWorkspaceIsTheLocationAndAnEnvironmentsIsBesideIt() {
        #expect(StateLocation.path(of: "default", in: "batchctl.state.json") == "batchctl.state.json")
        #expect(StateLocation.path(of: "prod", in: "batchctl.state.json") == "batchctl.state.prod.json")
        #expect(StateLocation.path(of: "prod", in: ".batchctl/batchctl.state.json") == ".batchctl/batchctl.state.prod.json")
        #expect(StateLocation.path(of: "dev-eu", in: "/var/lib/batchctl/team.json") == "/var/lib/batchctl/team.dev-eu.json")
        #expect(StateLocation.path(of: "prod", in: "state/current") == "state/current.prod", "a name without .json gets the workspace appended")
        #expect(StateLocation.path(of: "prod", in: "json.d/.json") == "json.d/.json.prod", "a bare .json is a name, not an extension")
    }

    @Test func eachWorkspaceHasItsOwnJournalAndLock() throws {
        let backend = try #require(try StateLocation.backend(for: "batchctl.state.json", workspace: "prod") as? LocalStateBackend)
        #expect(backend.path.hasSuffix("batchctl.state.prod.json"))
        #expect(backend.journalPath.hasSuffix("batchctl.state.prod.json.journal"))
        #expect(backend.lockPath.hasSuffix("batchctl.state.prod.json.lock"))
    }
}
