import BatchTask
import Diagnostics
import JSON
import Testing
@testable import Manifest

extension ManifestEngineTests {
    @Test func parameterObjectValuesAreTextAsWritten() throws {
        let result = try expand("""
            vars: {n: 40, on: true, ratio: 0.5}
            tasks:
              - key: t
                ParameterObject:
                  zip: 0012345
                  flag: True
                  amount: 1.50
                  quoted: "7"
                  empty: null
                  computed: ${n + 2}
                  switch: ${on}
                  share: ${ratio}
                  secret: ${sensitive(n)}
            """)
        #expect(result.errors == [])
        let task = try #require(result.task("s/t"))
        #expect(task.info.parameterObject == [
            "zip": "0012345", "flag": "True", "amount": "1.50", "quoted": "7", "empty": .null, "computed": "42",
            "switch": "true", "share": "0.5", "secret": "40",
        ])
        #expect(task.displayJSON["ParameterObject"]?["secret"] == "(sensitive)")
    }

    @Test func aNestedParameterObjectValueIsAnErrorAtItsPosition() throws {
        let result = try expand("""
            vars: {recipients: [a, b]}
            templates:
              base:
                ParameterObject:
                  kind: report
                  source:
                    bucket: x
            tasks:
              - key: t
                extends: base
              - key: u
                extends: base
                ParameterObject: {source: text now}
              - key: v
                ParameterObject:
                  to: ${recipients}
            """)
        #expect(result.errors == [
            "set.yaml:11:9: error: ParameterObject.source is a mapping, but ParameterObject is a string dictionary in the API: every value is text; to send it as JSON text, write ${json(...)}",
            "set.yaml:20:11: error: ParameterObject.to is a list, but ParameterObject is a string dictionary in the API: every value is text; to send it as JSON text, write ${json(...)}",
        ])
        // A later layer that makes the value text settles it.
        #expect(result.task("s/u")?.info.parameterObject == ["kind": "report", "source": "text now"])
    }

    @Test func cancellationBehaviourIsOneOfItsThreeNames() throws {
        let result = try expand("""
            tasks:
              - {key: a, CancellationBehaviour: CanCancel}
              - {key: b, CancellationBehaviour: CannotCancl}
            """)
        #expect(result.errors == [
            "set.yaml:7:37: error: CancellationBehaviour 'CannotCancl' is not one the API knows; did you mean CannotCancel? (one of CanCancel, CancelWithWarning, CannotCancel)",
        ])
    }
}

extension ManifestEngineTests {
    @Test func aPlainScalarForAStringFieldIsTakenAsWritten() throws {
        let result = try expand("""
            vars: {n: 7, on: false}
            tasks:
              - key: t
                DatabaseSerialNumber: 0012345
                FileName: 0x1F
                Context: 1e400
                Name: .inf
                Description: ${n}
                Request: ${on}
                DetailsRecord: 0012
            """)
        #expect(result.errors == [])
        let info = try #require(result.task("s/t")?.info)
        #expect(info.databaseSerialNumber == "0012345")
        #expect(info.fileName == "0x1F")
        #expect(info.context == "1e400")
        #expect(info.name == ".inf")
        #expect(info.description == "7")
        #expect(info.request == "false")
        #expect(info.detailsRecord == 12, "a number is parsed where a number is wanted")
    }

    @Test func detailsFieldsBesideAParameterObjectAreAnErrorAtTheirPositions() throws {
        let result = try expand("""
            templates:
              linked:
                DetailsRecord: 3
            tasks:
              - key: a
                Name: A
                DetailsTable: 7
                ParameterObject: {kind: import}
              - key: b
                extends: linked
                ParameterObject: {kind: import}
              - key: c
                DetailsTable: 7
                DetailsRecord: 3
              - key: d
                DetailsTable: null
                ParameterObject: {kind: import}
            """)
        let why = "cannot be set beside a ParameterObject: the server stores the ParameterObject as a blob and links it through DetailsTable and DetailsRecord, whatever the request says"
        #expect(result.errors == [
            "set.yaml:7:20: error: DetailsRecord \(why); remove DetailsRecord, or put its value into the ParameterObject",
            "set.yaml:11:19: error: DetailsTable \(why); remove DetailsTable, or put its value into the ParameterObject",
        ])
        #expect(result.task("s/c")?.info.detailsTable == 7, "without a ParameterObject the fields are the manifest's")
        #expect(result.task("s/d") != nil, "null leaves the field unset")
    }

    @Test func aDateInAManifestNeedsAnOffset() throws {
        let result = try expand("""
            tasks:
              - key: a
                Created: 2026-01-15T09:00:00
              - key: b
                Created: 2026-01-15T09:00:00+0100
              - key: c
                Created: 2026-01-15T09:00:00Z
            """)
        #expect(result.errors == [
            "set.yaml:7:14: error: Created: a date-time needs an offset (Z, +hh:mm), such as 2018-06-01T14:34:02+02:00; without one the server reads it in its own time zone",
        ])
        #expect(result.task("s/b")?.info.created == "2026-01-15T09:00:00+0100")
    }
}
