import BatchTask
import DesiredTasks
import JSON
import Onboarding
import Testing

@Suite struct TaskFilterTests {
    private func task(_ name: String, state: String = "New", associate: Int = 0, system: Bool = false) throws -> BatchTaskInfo {
        try BatchTaskInfo(json: ["Id": 1, "Name": .string(name), "State": .string(state), "AssociateId": .int(Int64(associate)),
                                 "IsSystemTask": .bool(system)])
    }

    @Test func everyFilterGivenMustMatch() throws {
        let filter = TaskFilter(names: [Glob("Purge *"), Glob("Report")], state: .succeeded, associates: [0, 5], kind: .system)
        #expect(filter.matches(try task("Purge eu", state: "Succeeded", system: true)))
        #expect(filter.matches(try task("Report", state: "Succeeded", associate: 5, system: true)))
        #expect(!filter.matches(try task("Purge eu", state: "New", system: true)))
        #expect(!filter.matches(try task("Purge eu", state: "Succeeded", associate: 7, system: true)))
        #expect(!filter.matches(try task("Purge eu", state: "Succeeded", system: false)))
        #expect(!filter.matches(try task("Other", state: "Succeeded", system: true)))
        #expect(TaskFilter(kind: .user).matches(try task("Anything")))
        #expect(TaskFilter(state: .all).matches(try task("Any state", state: "Failed")), "All is every state")
    }

    @Test func theFlagsSayWhatWasAskedFor() {
        let filter = TaskFilter(names: [Glob("Purge *"), Glob("eu")], state: .failed, associates: [5, 0], kind: .user)
        #expect(filter.flags == "--name 'Purge *' --name eu --state Failed --associate 0 --associate 5 --user")
        #expect(TaskFilter().flags == "")
    }
}
