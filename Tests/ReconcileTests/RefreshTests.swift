import APIClient
import BatchTask
import Emulator
import JSON
import State
import Testing

@testable import Reconcile

/// How a refresh chooses between one list of the user tasks and one read per id, and what it does with the list.
@Suite struct RefreshTests {
    private func entry(_ id: Int32, system: Bool?) -> StateEntry {
        var applied: JSONValue.Object = ["Name": .string("task \(id)")]
        if let system { applied["IsSystemTask"] = .bool(system) }
        return StateEntry(id: id, fingerprint: "sha256:\(id)", applied: .object(applied), appliedAt: "2026-12-01T00:00:00Z",
                          source: "tasks.yaml:\(id):1")
    }

    private func task(_ id: Int32?) -> BatchTaskInfo {
        var info = BatchTaskInfo()
        info.id = id
        info.name = "task \(id.map(String.init) ?? "without id")"
        return info
    }

    private func state(users: Int, systems: Int) -> State {
        var tasks: [String: StateEntry] = [:]
        for id in Int32(1)...Int32(users + systems) {
            let system = id > users
            // A user task is one applied with IsSystemTask false, or without it.
            tasks["set/task-\(id)"] = entry(id, system: system ? true : (id % 2 == 0 ? false : nil))
        }
        return State(lineage: "lineage", serial: 1, endpoint: "http://127.0.0.1:8405", tasks: tasks)
    }

    @Test func autoListsFromTheThresholdOfUserTasks() {
        let threshold = Refresh.listThreshold
        #expect(!Refresh.usesList(.auto, state: state(users: threshold - 1, systems: 0)))
        #expect(Refresh.usesList(.auto, state: state(users: threshold, systems: 0)))
        #expect(Refresh.usesList(.auto, state: state(users: threshold, systems: 20)))
    }

    @Test func tasksAppliedAsSystemTasksDoNotCountTowardsTheList() {
        let threshold = Refresh.listThreshold
        #expect(!Refresh.usesList(.auto, state: state(users: threshold - 1, systems: threshold)))
        #expect(!Refresh.usesList(.auto, state: state(users: 0, systems: threshold * 2)))
    }

    @Test func listAndIdDoAsTheySayWhateverTheCount() {
        #expect(Refresh.usesList(.list, state: state(users: 0, systems: 1)))
        #expect(Refresh.usesList(.list, state: state(users: 1, systems: 0)))
        #expect(!Refresh.usesList(.id, state: state(users: Refresh.listThreshold * 2, systems: 0)))
    }

    @Test func idsTheListDoesNotHoldAreLeftToBeReadById() {
        let (found, unlisted) = Refresh.split([1, 2, 3, 5], listed: [task(2), task(3), task(4), task(nil)])
        #expect(found.keys.sorted() == [2, 3])
        #expect(found[2] == task(2))
        #expect(unlisted == [1, 5])
    }

    @Test func aListTooLargeUnreadableOrRefusedIsReadByIdInstead() {
        // What the client throws for an answer over its size cap (RequestSender.maximumAnswerBytes).
        #expect(Refresh.fallsBack(after: .invalidResponse("the answer is larger than 256 MiB")))
        #expect(Refresh.fallsBack(after: .invalidResponse("GET All: the body is not JSON")))
        #expect(Refresh.fallsBack(after: .http(status: 400, errorType: nil, message: "no such state")))
        #expect(Refresh.fallsBack(after: .http(status: 504, errorType: nil, message: "gateway timeout")))
    }

    @Test func aListNotAnsweredInTimeIsReadByIdInstead() {
        #expect(Refresh.fallsBack(after: .transport("no answer within 30 s")))
        #expect(Refresh.listDeadline(tasks: 10) == .seconds(30))
        #expect(Refresh.listDeadline(tasks: 100_000) == .seconds(100))
    }

    /// A server far slower than the deadline: the list is given up, and cancelled rather than waited for.
    @Test func aListSlowerThanItsDeadlineIsGivenUp() async throws {
        let user = BasicCredential(user: "tester", password: "refresh-test")
        let slow = EmulatorConfiguration(
            listen: ListenAddress(host: "127.0.0.1", port: 0), databasePath: ":memory:",
            authentication: AuthenticationConfiguration(users: [user]), jobs: JobConfiguration(durationSeconds: 0),
            faults: FaultConfiguration(latencyMilliseconds: 30_000, seed: 1), pageSize: 1000)
        let emulator = try await EmulatorServer.start(slow)
        let client = BatchTaskClient(configuration: ClientConfiguration(
            baseURL: emulator.baseURL, credentials: .basic(user: user.user, password: user.password)))
        let start = ContinuousClock.now
        let listed = try await Refresh.list(client, within: .milliseconds(100))
        let waited = ContinuousClock.now - start
        await client.shutdown()
        await emulator.stop()
        #expect(listed == nil)
        // Far from the 30 s the list would take, with room for a loaded machine.
        #expect(waited < .seconds(20), "\(waited)")
    }

    @Test func aFailureThatReadsByIdWouldMeetTooEndsTheRefresh() {
        #expect(!Refresh.fallsBack(after: .authentication("the ticket was refused")))
        #expect(!Refresh.fallsBack(after: .tenantUnavailable("the tenant is not running")))
        #expect(!Refresh.fallsBack(after: .configuration("no endpoint")))
    }
}
