import DesiredTasks
import Expressions
import Testing
@testable import Manifest

/// The 1.1 expression language inside real manifests: typed results, positions of errors, the YAML note, secrets.
extension ManifestEngineTests {
    @Test func expressionsAndDesiredTasksHideSecretsBehindTheSameText() {
        #expect(Value.sensitiveMarker == DesiredTask.sensitiveMarker)
    }

    @Test func functionsAndLiteralsInAManifest() throws {
        let result = try expand("""
            vars:
              base: {kind: import}
              owners: {eu: crm, us: data}
              csv: " eu, us "
            tasks:
              - key: ${format("import-%s-%d", r, n)}
                matrix:
                  r: ${split(replace(trim(csv), " ", ""), ",")}
                  n: ${[1, max(1, 2)]}
                Name: ${upper(r)} ${lookup(owners, r, "nobody")}
                AssociateId: ${int("40") + n}
                ParameterObject: ${merge(base, {"region":r, "shards":string(len(keys(owners)))})}
                Request: '${json({"tags": concat([r], ["nightly"])})}'
                when: ${!(r == "us" && n == 2) && (startsWith(r, "e") || endsWith(r, "s"))}
            """)
        #expect(result.errors == [])
        #expect(result.tasks.map(\.key) == ["import-eu-1", "import-eu-2", "import-us-1"])
        let task = try #require(result.task("s/import-eu-2"))
        #expect(task.info.name == "EU crm")
        #expect(task.info.associateId == 42)
        #expect(task.info.parameterObject?.serialized() == #"{"kind":"import","region":"eu","shards":"2"}"#)
        #expect(task.info.request == #"{"tags":["eu","nightly"]}"#)
    }

    @Test func functionErrorsNameTheirPosition() throws {
        let result = try expand("""
            vars: {regions: [eu]}
            tasks:
              - key: a
                Name: ${format("%d", "eu")}
                Request: x-${concat(regions, "us")}
              - key: b
                Response: ${replase("a", "b", "c")}
            """)
        #expect(result.errors == [
            "set.yaml:8:13: error: format() %d takes an integer, but argument 2 is a string",
            "set.yaml:9:18: error: concat() takes lists, not a string (argument 2)",
            "set.yaml:11:17: error: unknown function 'replase'; did you mean replace?",
        ])
    }

    @Test func aSpaceAfterAColonInAMapLiteralGetsANote() throws {
        let found = try expand("tasks:\n  - key: a\n    ParameterObject: ${merge({\"a\":1}, {\"k\": 1})}\n").errors
        try #require(found.count == 1)
        #expect(found[0].contains("mapping values are not allowed"))
        #expect(found[0].contains(#"a map as `{"k":v}` (no space after ':')"#))
    }

    @Test func secretsFlowThroughTheNewFunctions() throws {
        let result = try expand("""
            vars:
              password: ${sensitive("hunter2")}
              params: {user: bob}
            tasks:
              - key: t
                Request: ${format("%s:%s", "bob", password)}
                Response: ${base64(password)}
                ParameterObject: ${merge(params, {"password":password, "hash":sha256(password)})}
            """)
        #expect(result.errors == [])
        let task = try #require(result.task("s/t"))
        #expect(task.info.request == "bob:hunter2")
        #expect(task.info.parameterObject?["password"] == "hunter2")
        let shown = task.displayJSON.serialized()
        #expect(!shown.contains("hunter2") && !shown.contains("aHVudGVyMg=="))
        #expect(task.displayJSON["Request"] == "(sensitive)")
        #expect(task.displayJSON["Response"] == "(sensitive)")
        #expect(task.displayJSON["ParameterObject"]?["user"] == "bob")
        #expect(task.displayJSON["ParameterObject"]?["hash"] == "(sensitive)")
        #expect(task.sensitiveFields == [.request, .response, .parameterObject])
    }
}
