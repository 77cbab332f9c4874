import BatchTask
import DesiredTasks
import Diagnostics
import JSON
import Testing
@testable import Manifest

/// Tests that expand manifests from temporary directories. Serialized: expansion resolves paths against the
/// process's working directory, which the fixtures change.
@Suite(.serialized) struct ManifestEngineTests {}

extension ManifestEngineTests {
    @Test func expandsTheSpecExample() throws {
        let result = try expand("""
            vars:
              db: "706323"
              regions: [eu, us, apac]
              env_name: dev
            defaults:
              AssociateId: 0
              IsSystemTask: true
              CancellationBehaviour: CanCancel
            templates:
              import:
                Name: Import ${region} shard ${shard}
                DatabaseSerialNumber: ${db}
                ParameterObject:
                  kind: import
                  region: ${region}
            tasks:
              - key: import-${region}-${pad(shard, 2)}
                extends: import
                matrix:
                  region: ${regions}
                  shard: ${range(1, 4)}
                  exclude:
                    - {region: apac, shard: 4}
                Description: Shard ${shard} of ${region}
              - key: report
                dependsOn: [import-eu-01]
                when: ${env_name == "prod"}
                Name: Nightly report
            """)
        #expect(result.errors == [])
        #expect(result.tasks.count == 11)
        #expect(result.tasks.first?.address == "s/import-eu-01")
        #expect(result.tasks.last?.address == "s/import-apac-03")
        let task = try #require(result.task("s/import-us-02"))
        #expect(task.info.name == "Import us shard 2")
        #expect(task.info.databaseSerialNumber == "706323")
        #expect(task.info.description == "Shard 2 of us")
        #expect(task.info.associateId == 0)
        #expect(task.info.isSystemTask == true)
        #expect(task.info.cancellationBehaviour == "CanCancel")
        #expect(task.info.parameterObject == .object(["kind": "import", "region": "us"]))
        #expect(result.task("s/report") == nil, "when: false drops the task")
    }

    @Test func overridesFromVarFilesEnvironmentAndFlagsInThatOrder() throws {
        let fixture = try ManifestFixture([
            "sets/set.yaml": taskSet("vars: {a: set, b: set, c: set, d: set}\ntasks:\n  - {key: t, Name: '${a} ${b} ${c} ${d}'}\n"),
            "vars.yaml": "b: file\nc: file\nd: file\n",
        ])
        let result = fixture.expand(paths: ["sets"]) { options in
            options.varFiles = ["vars.yaml"]
            options.environment = ["BATCHCTL_VAR_c": "env", "BATCHCTL_VAR_d": "env"]
            options.vars = [("d", "flag"), ("nobody", "x")]
        }
        #expect(result.errors == [])
        #expect(result.task("s/t")?.info.name == "set file env flag")
        #expect(result.warnings.contains { $0.contains("var 'nobody'") && $0.contains("no task set declares it") })
    }

    @Test func flagValuesAreReadAsYAML() throws {
        let result = try expand("vars: {n: 1}\ntasks:\n  - key: t\n    DetailsRecord: ${n + 1}\n") { $0.vars = [("n", "41")] }
        #expect(result.errors == [])
        #expect(result.task("s/t")?.info.detailsRecord == 42)
    }

    @Test func mergesDefaultsTemplatesAndTaskDeeply() throws {
        let result = try expand("""
            defaults:
              Description: from defaults
              Context: ctx
              ParameterObject: {a: 1, b: 1, nested: {x: 1, y: 1}}
            templates:
              base:
                ParameterObject: {b: 2, nested: {y: 2}}
                Response: base
              child:
                extends: base
                ParameterObject: {c: 3, list: [1, 2]}
            tasks:
              - key: t
                extends: child
                Context: null
                ParameterObject: {list: "[3]", nested: null}
            """)
        #expect(result.errors == [])
        let task = try #require(result.task("s/t"))
        #expect(task.info.context == nil, "an explicit null removes the inherited field")
        #expect(task.info.description == "from defaults")
        #expect(task.info.response == "base")
        // Mappings merge key by key, so a later layer can replace a nested value with text or null before ParameterObject
        // is checked as the string dictionary it is.
        #expect(task.info.parameterObject?.serialized() == #"{"a":"1","b":"2","nested":null,"c":"3","list":"[3]"}"#)
    }

    @Test func mergesComputedMappingsAtEvaluationTime() throws {
        let result = try expand("""
            vars: {params: {a: 1, b: 1}}
            templates:
              t:
                ParameterObject: ${params}
            tasks:
              - key: k
                extends: t
                matrix: {r: [x]}
                ParameterObject: {b: 2, "${r}": 3}
            """)
        #expect(result.errors == [])
        #expect(result.task("s/k")?.info.parameterObject?.serialized() == #"{"a":"1","b":"2","x":"3"}"#)
    }

    @Test func typesSingleExpressionsAndStringifiesTheRest() throws {
        let result = try expand("""
            vars: {base: 40, flag: true, obj: {k: v}}
            tasks:
              - key: t
                AssociateId: ${base + 2}
                IsSystemTask: ${flag}
                Name: "${base + 2}"
                Description: n=${base} f=${flag} o=${json(obj)}
                Request: $${literal} and $$ alone
                ParameterObject: ${obj}
            """)
        #expect(result.errors == [])
        let info = try #require(result.task("s/t")?.info)
        #expect(info.associateId == 42)
        #expect(info.isSystemTask == true)
        #expect(info.name == "42")
        #expect(info.description == #"n=40 f=true o={"k":"v"}"#)
        #expect(info.request == "${literal} and $$ alone")
        #expect(info.parameterObject == .object(["k": "v"]))
    }

    @Test func expressionLanguage() throws {
        let result = try expand("""
            vars:
              list: [a, b, c]
              map: {deep: {value: 7}}
            tasks:
              - key: t
                Name: ${upper("ab") + lower("CD")}-${pad(7, 3)}-${pad(-7, 3)}-${len(list)}-${list[1]}-${map.deep.value}
                Description: ${join(range(1, 3), "+")} ${7 / 2} ${7 % 3} ${-(2 * 3)} ${1 < 2 && !(2 <= 1) || false}
                Request: '${default(env.NOT_SET_ANYWHERE, "fallback")} ${default(null, "n")} ${len(list) > 2 ? "big" : "small"}'
                Response: ${"a\\"b"}
            """)
        #expect(result.errors == [])
        let info = try #require(result.task("s/t")?.info)
        #expect(info.name == "ABcd-007--07-3-b-7")
        #expect(info.description == "1+2+3 3 1 -6 true")
        #expect(info.request == "fallback n big")
        #expect(info.response == "a\"b")
    }

    @Test func matrixOrderExcludeAndInclude() throws {
        let result = try expand("""
            tasks:
              - key: ${a}-${b}
                matrix:
                  a: [1, 2]
                  b: [x, y, z]
                  exclude: [{a: 1, b: y}, {b: z}]
                  include: [{a: 9, b: w}, {a: 8}]
                Name: ${task.key}
              - key: only-${c}
                matrix: {c: [], include: [{c: i}]}
            """)
        #expect(result.errors.count == 1)
        #expect(result.errors.first?.contains("matrix value 'b' is not defined for this task") == true)
        #expect(result.tasks.map(\.key) == ["1-x", "2-x", "2-y", "9-w", "only-i"], "include entries come after the (empty) product")
        #expect(result.warnings.first?.contains("is empty, so") == true)
        #expect(result.task("s/9-w")?.info.name == "9-w")
    }

    @Test func emptyAxisWarns() throws {
        let result = try expand("tasks:\n  - key: k-${a}\n    matrix: {a: []}\n")
        #expect(result.errors == [])
        #expect(result.tasks.isEmpty)
        #expect(result.warnings.first?.contains("is empty, so") == true)
    }

    @Test func sensitiveValuesAreRedactedButSent() throws {
        let result = try expand("""
            vars: {password: '${sensitive("hunter2")}'}
            tasks:
              - key: t
                Request: user:${password}
                ParameterObject: {user: bob, password: '${password}', derived: '${upper(password)}'}
            """)
        #expect(result.errors == [])
        let task = try #require(result.task("s/t"))
        #expect(task.info.request == "user:hunter2")
        #expect(task.info.parameterObject?["password"] == "hunter2")
        let shown = task.displayJSON.serialized()
        #expect(!shown.contains("hunter2") && !shown.contains("HUNTER2"))
        #expect(task.displayJSON["Request"] == "(sensitive)")
        #expect(task.displayJSON["ParameterObject"]?["user"] == "bob")
        #expect(task.displayJSON["ParameterObject"]?["derived"] == "(sensitive)")
        #expect(task.sensitiveFields == [.request, .parameterObject])
    }

    @Test func dependsOnResolvesKeysAddressesAndGlobs() throws {
        let fixture = try ManifestFixture([
            "a.yaml": taskSet("tasks:\n  - {key: 'i-${n}', matrix: {n: [1, 2]}}\n  - {key: r, dependsOn: ['i-*', b/x]}\n", name: "a"),
            "b.yaml": taskSet("tasks:\n  - {key: x, dependsOn: a/i-1}\n", name: "b"),
        ])
        let result = fixture.expand()
        #expect(result.errors == [])
        #expect(result.task("a/r")?.dependsOn == ["a/i-1", "a/i-2", "b/x"])
        #expect(result.task("b/x")?.dependsOn == ["a/i-1"])
    }

    @Test func movedAndLifecycle() throws {
        let result = try expand("""
            templates:
              guarded: {lifecycle: {preventDestroy: true}}
            tasks:
              - key: new
                extends: guarded
                lifecycle:
                  ignoreChanges: [Description, Response]
                  createBeforeDestroy: ${1 == 1}
            moved:
              - {from: old, to: new}
            """)
        #expect(result.errors == [])
        #expect(result.moves.map { "\($0.from)>\($0.to)" } == ["s/old>s/new"])
        let lifecycle = try #require(result.task("s/new")?.lifecycle)
        #expect(lifecycle == Lifecycle(preventDestroy: true, ignoreChanges: [.description, .response], createBeforeDestroy: true))
    }

    @Test func labelsSelectSets() throws {
        let fixture = try ManifestFixture([
            "a.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: a, labels: {team: crm}}\ntasks: [{key: x}, {key: y}]\n",
            "b.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: b, labels: {team: ops}}\ntasks: [{key: x}]\n",
        ])
        let result = fixture.expand()
        #expect(try TaskSelection(selectors: ["team=crm"]).apply(to: result).map(\.address) == ["a/x", "a/y"])
        #expect(try TaskSelection(targets: ["*/x"]).apply(to: result).map(\.address) == ["a/x", "b/x"])
        #expect(try TaskSelection(targets: ["a/*"], excludes: ["a/y"]).apply(to: result).map(\.address) == ["a/x"])
    }

    @Test func explainNamesLayersAndInputs() throws {
        let fixture = try ManifestFixture([
            "set.yaml": taskSet("""
                vars: {db: "1", region_name: x}
                defaults: {AssociateId: 0, Description: d}
                templates:
                  t: {Name: 'Import ${r} into ${db}', ParameterObject: {kind: import}}
                tasks:
                  - key: k-${r}
                    extends: t
                    matrix: {r: [eu]}
                    Description: own
                """),
            "vars.yaml": "db: \"2\"\n",
        ])
        let result = fixture.expand { $0.explain = "s/k-eu"; $0.varFiles = ["vars.yaml"] }
        #expect(result.errors == [])
        let explanation = try #require(result.explanation)
        let name = try #require(explanation.fields.first { $0.path == "Name" })
        #expect(name.layer == "template t")
        #expect(name.value == "Import eu into 2")
        #expect(name.inputs.map(\.name) == ["r", "db"])
        #expect(name.inputs.last?.origin.contains("--var-file at vars.yaml:1:1") == true)
        let description = try #require(explanation.fields.first { $0.path == "Description" })
        #expect(description.layer == "the task")
        #expect(description.overrides.first?.hasPrefix("defaults at set.yaml:6:") == true)
        #expect(explanation.fields.contains { $0.path == "ParameterObject.kind" && $0.layer == "template t" })
    }

    @Test func warnsAboutFilesWithoutApiVersionButNotIncludedFragments() throws {
        let fixture = try ManifestFixture([
            "set.yaml": taskSet("tasks:\n  - {key: t, ParameterObject: !include frag/p.yaml}\n"),
            "frag/p.yaml": "a: 1\n",
            "notes.yaml": "just: data\n",
        ])
        let result = fixture.expand()
        #expect(result.errors == [])
        #expect(result.warnings == ["notes.yaml:1:1: warning: skipped notes.yaml: no document in it declares apiVersion: batchctl/v1 (include it with !include, or move it out of the manifest directory)"])
        #expect(result.task("s/t")?.info.parameterObject == .object(["a": "1"]))
    }

    @Test func includedTextIsTakenAsIs() throws {
        let result = try ManifestFixture([
            "set.yaml": taskSet("tasks:\n  - {key: t, Request: !include-text query.sql}\n"),
            "query.sql": "select * from t where x = '${not_an_expression}'\n",
        ]).expand(paths: ["set.yaml"])
        #expect(result.errors == [])
        #expect(result.task("s/t")?.info.request == "select * from t where x = '${not_an_expression}'\n")
    }
}
