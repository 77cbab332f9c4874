import BatchTask
import JSON
@testable import Onboarding
import Planning
import Testing

@Suite struct TaskSetGeneratorTests {
    private func task(_ id: Int32, _ name: String, _ fields: JSONValue.Object = [:]) throws -> BatchTaskInfo {
        var members: JSONValue.Object = ["Id": .int(Int64(id)), "Name": .string(name), "AssociateId": 0, "IsSystemTask": false,
                                         "State": "Succeeded", "StartCount": 3, "Result": "done", "LastStarted": "2026-01-02T03:04:05+0000"]
        for (key, value) in fields { members[key] = value }
        return try BatchTaskInfo(json: .object(members))
    }

    @Test func onlyTheFieldsAUserSetsAreWritten() throws {
        let withParameters = try task(1, "A", ["ParameterObject": ["k": "v"], "DetailsTable": 38, "DetailsRecord": 4, "Description": "d"])
        let fields = UserFields.of(withParameters, model: .standard)
        #expect(Array(fields.keys) == ["Name", "AssociateId", "IsSystemTask", "ParameterObject", "Description"])
        let without = UserFields.of(try task(2, "B", ["DetailsTable": 7, "Created": "2026-01-02T03:04:05"]), model: .standard)
        #expect(without["DetailsTable"] == 7, "without a ParameterObject, DetailsTable is the user's")
        #expect(without["Created"] == nil, "Created is the server's unless asked for")
    }

    @Test func aDateWithoutAnOffsetGetsTheInstantTheServerMeant() throws {
        let info = try task(2, "B", ["Created": "2026-01-02T03:04:05"])
        let kept = UserFields.of(info, model: FieldModel(wallTimeZone: .utc), keepingCreated: true)
        #expect(kept["Created"] == "2026-01-02T03:04:05.0000000+00:00")
        let withOffset = UserFields.of(try task(3, "C", ["Created": "2026-01-02T03:04:05+0100"]), model: .standard, keepingCreated: true)
        #expect(withOffset["Created"] == "2026-01-02T03:04:05+0100", "a date with an offset is kept as the server wrote it")
    }

    @Test func fieldsEveryTaskSharesGoToDefaults() throws {
        let sources = SourceTask.from([
            try task(1, "Same", ["Description": "x", "ParameterObject": ["a": "1", "b": "2"]]),
            try task(2, "Same", ["Description": "y", "ParameterObject": ["b": "2", "a": "1"]]),
        ], model: .standard)
        let shared = SourceTask.sharedFields(sources, model: .standard)
        #expect(Array(shared.keys) == ["AssociateId", "IsSystemTask", "ParameterObject"], "Name stays with each task; key order does not matter")
        #expect(SourceTask.sharedFields([sources[0]], model: .standard).isEmpty, "one task has no defaults")
        #expect(sources.map(\.key) == ["same-1", "same-2"])
    }

    @Test func textThatLooksLikeAnExpressionReadsBackLiterally() throws {
        #expect(LiteralText.escaped("a ${b} $${c}") == "a $${b} $$${c}")
        #expect(LiteralText.escaped(.object(["${k}": "${v}"])) == .object(["$${k}": "$${v}"]))
        let tasks = [try task(1, "Costs ${region}", ["Description": "$${x} and ${y}", "ParameterObject": ["${key}": "<<", "<<": "x", "n": .null]])]
        let generation = try TaskSetGenerator.generate(tasks, header: ["a header"], options: GenerationOptions(name: "s"))
        #expect(generation.text.hasPrefix("# a header\napiVersion: batchctl/v1\n"))
        let expanded = try ExpansionCheck.expand(generation.set)
        #expect(expanded["costs-region"]?["Name"] == "Costs ${region}")
        #expect(expanded["costs-region"]?["Description"] == "$${x} and ${y}")
        #expect(expanded["costs-region"]?["ParameterObject"] == .object(["${key}": "<<", "<<": "x", "n": .null]), "a << key is not a merge key")
        #expect(generation.text.hasSuffix("import:\n  - {to: costs-region, id: 1}\n"))
    }

    @Test func aParameterNamedAsASecretIsPointedOut() throws {
        let tasks = [
            try task(1, "A", ["ParameterObject": ["dbPassword": "change-me", "table": "person"]]),
            try task(2, "B", ["ParameterObject": ["dbPassword": "change-me", "apiToken": "t"]]),
        ]
        let generation = try TaskSetGenerator.generate(tasks, header: [], options: GenerationOptions(name: "s"))
        #expect(generation.notes.count == 1)
        #expect(generation.notes.first?.hasPrefix("ParameterObject apiToken (1 of 2 tasks), dbPassword (2 of 2 tasks) looks secret") == true)
        let plain = try TaskSetGenerator.generate([try task(1, "A", ["ParameterObject": ["table": "person"]])], header: [],
                                                  options: GenerationOptions(name: "s"))
        #expect(plain.notes.isEmpty)
    }

    @Test func tasksThatDifferOnlyInTheirNamesPartFoldIntoAMatrix() throws {
        let tasks = try ["EU", "US", "APAC"].enumerated().map { index, region in
            try task(Int32(index + 10), "Shard \(region) purge", ["Description": .string("purges \(region) only"), "ParameterObject": ["region": .string(region), "keep": "30"]])
        }
        let generation = try TaskSetGenerator.generate(tasks, header: [], options: GenerationOptions(name: "s", matrix: true))
        #expect(generation.folded)
        #expect(generation.notes.isEmpty)
        let entry = try #require(generation.set.entries.first)
        #expect(generation.set.entries.count == 1)
        #expect(entry.key == "shard-${lower(variant)}-purge")
        #expect(entry.matrix?.values == ["EU", "US", "APAC"])
        #expect(entry.fields["Name"] == "Shard ${variant} purge")
        #expect(entry.fields["Description"] == "purges ${variant} only")
        #expect(generation.set.imports.map { $0.key } == ["shard-eu-purge", "shard-us-purge", "shard-apac-purge"])
        #expect(generation.set.imports.map { $0.id } == [10, 11, 12])
    }

    @Test func aDifferenceTheNameDoesNotShowKeepsTheCopies() throws {
        let tasks = [try task(1, "Purge eu", ["Description": "one"]), try task(2, "Purge us", ["Description": "two"])]
        let generation = try TaskSetGenerator.generate(tasks, header: [], options: GenerationOptions(name: "s", matrix: true))
        #expect(!generation.folded)
        #expect(generation.set.entries.map(\.key) == ["purge-eu", "purge-us"])
        #expect(generation.notes == ["--matrix: writing 2 task entries instead of one over a matrix: Description differs between the tasks in more than the Name's varying part"])
        let same = [try task(1, "Report"), try task(2, "Report")]
        let refused = try TaskSetGenerator.generate(same, header: [], options: GenerationOptions(name: "s", matrix: true))
        #expect(refused.notes.first?.hasSuffix("the Names do not differ in one part that is different in each") == true)
    }

    @Test func theVaryingPartIsCutAtWords() {
        #expect(NameSplit(["Shard 10", "Shard 11", "Shard 2"])?.values == ["10", "11", "2"])
        #expect(NameSplit(["Import eu daily", "Import us daily"]).map { [$0.prefix, $0.suffix] } == ["Import ", " daily"])
        #expect(NameSplit(["Same", "Same"]) == nil)
        #expect(NameSplit(["Purge", "Purge eu"]) == nil, "a Name with nothing in the varying part gives no value")
    }

    @Test func setNamesAreCheckedAsManifestsCheckThem() {
        #expect(TaskSetGenerator.isValidSetName("legacy-tasks.v1"))
        #expect(!TaskSetGenerator.isValidSetName("Legacy"))
        #expect(!TaskSetGenerator.isValidSetName("-x"))
        #expect(!TaskSetGenerator.isValidSetName(String(repeating: "a", count: 64)))
    }
}
