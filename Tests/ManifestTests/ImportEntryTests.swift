import DesiredTasks
import Diagnostics
import Testing
@testable import Manifest

/// `import:` entries: read, expanded by their matrix or given by one expression, and resolved to addresses.
@Suite struct ImportEntryTests {
    private static let tasks = """
        vars:
          regions: [eu, us]
          adopted: [{to: purge-us, name: Purge us}, {to: s/report, id: 12}]
        tasks:
          - key: purge-${region}
            matrix:
              region: ${regions}
            Name: Purge ${region}
          - {key: report, Name: Report}

        """

    @Test func entriesAreExpandedAndResolvedToAddresses() throws {
        let result = try expand(Self.tasks + """
            import:
              - {to: report, id: 1234}
              - to: purge-${region}
                name: Purge ${region}
                matrix:
                  region: ${regions}
            """)
        #expect(result.errors == [])
        #expect(result.imports.map(\.address) == ["s/report", "s/purge-eu", "s/purge-us"])
        #expect(result.imports.map(\.source) == [.id(1234), .name("Purge eu"), .name("Purge us")])
        #expect(result.imports.map(\.location.description) == ["set.yaml:15:5", "set.yaml:16:5", "set.yaml:16:5"])
    }

    @Test func oneExpressionMayGiveTheWholeList() throws {
        let result = try expand(Self.tasks + "import: ${adopted}\n")
        #expect(result.errors == [])
        #expect(result.imports.map(\.address) == ["s/purge-us", "s/report"])
        #expect(result.imports.map(\.source) == [.name("Purge us"), .id(12)])
    }

    @Test func mistakesAreReportedWhereTheyAreWritten() throws {
        let result = try expand(Self.tasks + """
            import:
              - {to: report}
              - {to: report, id: 1, name: Report}
              - {to: report, id: abc}
              - {to: report, id: 2, from: x}
            """)
        #expect(result.errors == [
            "set.yaml:15:5: error: the import entry names no task: add id: 1234 or name: \"Exact Name\"",
            "set.yaml:16:5: error: the import entry has both id and name: give one of them",
            "set.yaml:17:22: error: id must be a task id, a whole number from 1 to 2147483647, not 'abc'",
            "set.yaml:18:25: error: unknown key 'from' in an import entry (known: to, id, name, matrix)",
        ])
        let scalar = try expand(Self.tasks + "import: report\n")
        #expect(scalar.errors == ["set.yaml:14:9: error: import is a list of {to, id} or {to, name} entries, or one expression giving such a list, not a string"])
    }

    /// Once every entry reads well: a `to` no task has, and an address or an id imported twice.
    @Test func entriesThatDoNotResolveAreErrorsAtTheirPosition() throws {
        let result = try expand(Self.tasks + """
            import:
              - {to: reprot, id: 1}
              - {to: report, id: 3}
              - {to: report, id: 4}
              - {to: purge-eu, id: 3}
            """)
        #expect(result.errors == [
            "set.yaml:15:10: error: import to 's/reprot', but no task of the manifests has that address; did you mean s/report?",
            "set.yaml:17:5: error: 's/report' is imported twice\n    note: first imported at set.yaml:16:5",
            "set.yaml:18:5: error: task 3 is imported twice (to s/purge-eu here)\n    note: first imported at set.yaml:16:5",
        ])
    }

    @Test func theSchemaDescribesTheKey() throws {
        #expect(TaskSetKey(rawValue: "import") == .import)
        #expect(ImportKey.allCases.map(\.rawValue) == ["to", "id", "name", "matrix"])
    }
}
