import BatchTask
import DesiredTasks
import Foundation
import JSON
import Testing
@testable import Manifest

/// `ManifestSchema` says what the validator reads: the same keys, enums and name rules.
@Suite struct SchemaTableTests {
    let schema = ManifestSchema.document

    private func definition(_ name: String) throws -> JSONValue {
        try #require(schema["$defs"]?[name], "$defs/\(name)")
    }

    private func propertyNames(_ value: JSONValue?) -> [String] {
        value?["properties"]?.objectValue.map { Array($0.keys) } ?? []
    }

    @Test func isDraft202012AndDispatchesOnKind() throws {
        #expect(schema["$schema"] == "https://json-schema.org/draft/2020-12/schema")
        #expect(schema["then"]?["properties"]?["kind"]?["enum"] == ["TaskSet", "Project"])
        #expect(schema["then"]?["allOf"]?[0]?["then"]?["$ref"] == "#/$defs/TaskSet")
        #expect(schema["then"]?["properties"]?["apiVersion"]?["const"] == "batchctl/v1")
    }

    @Test func entriesHoldEveryFieldAndTheControlKeysAllowedThere() throws {
        let fields = BatchTaskField.allCases.map(\.rawValue)
        #expect(propertyNames(try definition("task")) == fields + ["key", "extends", "matrix", "dependsOn", "when", "lifecycle", "run"])
        #expect(propertyNames(try definition("template")) == fields + ["extends", "lifecycle", "run"])
        #expect(propertyNames(try definition("defaults")) == fields)
        #expect(try definition("task")["required"] == ["key"])
        for name in ["task", "template", "defaults"] {
            #expect(try definition(name)["additionalProperties"] == false)
        }
    }

    @Test func topLevelKeysAreTheValidators() throws {
        #expect(propertyNames(try definition("TaskSet")) == ["apiVersion", "kind", "metadata", "vars", "inputs", "defaults", "templates", "tasks", "moved", "import"])
        #expect(propertyNames(try definition("TaskSet")["properties"]?["metadata"]) == ["name", "labels"])
        #expect(propertyNames(try definition("Project")) == ["apiVersion", "kind", "endpoint", "state", "manifests", "varFiles", "inputs", "parallelism", "headers", "timeout", "environments"])
        #expect(propertyNames(try definition("Project")["properties"]?["headers"]) == ["language", "culture", "timeZone", "appToken"])
        #expect(propertyNames(try definition("task")["properties"]?["lifecycle"]) == Lifecycle.Key.allCases.map(\.rawValue))
    }

    @Test func enumsComeFromTheAPIModel() throws {
        let state = try definition("field.State")["anyOf"]?[0]?["enum"]
        #expect(state == .array(BatchTaskState.taskStates.map { .string($0.rawValue) }))
        #expect(state?.arrayValue?.contains("All") == false, "All is a query value, never a task's state")
        #expect(try definition("field.CancellationBehaviour")["anyOf"]?[0]?["enum"] == ["CanCancel", "CancelWithWarning", "CannotCancel"])
    }

    @Test func typedFieldsAlsoTakeAnExpression() throws {
        for field in BatchTaskField.allCases where field != .id {
            let text = try definition("field.\(field.rawValue)").serialized()
            let typed = field.valueType == .string && FieldTyping.allowedNames(of: field) == nil
            #expect(typed || text.contains(##""$ref":"#/$defs/expression""##), "\(field.rawValue)")
        }
        #expect(try definition("field.Id")["not"] == [:])
    }

    @Test func everyPropertyHasADescription() throws {
        func walk(_ value: JSONValue, path: String) {
            guard case .object(let members) = value else {
                if case .array(let items) = value { for (i, item) in items.enumerated() { walk(item, path: "\(path)[\(i)]") } }
                return
            }
            if case .object(let properties)? = members["properties"] {
                for (name, property) in properties {
                    let direct = property["description"]?.stringValue
                    let referenced = property["$ref"]?.stringValue.flatMap { ref in
                        schema["$defs"]?[String(ref.dropFirst("#/$defs/".count))]?["description"]?.stringValue
                    }
                    #expect((direct ?? referenced)?.isEmpty == false, "\(path).\(name) has no description")
                }
            }
            // An `if` is a condition, never shown: its properties need no description.
            for (key, member) in members where key != "if" { walk(member, path: path + "/" + key) }
        }
        walk(schema, path: "#")
        #expect(try definition("field.DetailsRecord")["description"]?.stringValue?.hasPrefix("DetailsRecord (int32): row in DetailsTable") == true)
    }

    @Test(arguments: [
        ("a", true), ("nightly.v2_x-1", true), ("Nightly", false), ("-a", false), ("", false),
        (String(repeating: "a", count: 63), true), (String(repeating: "a", count: 64), false),
    ])
    func setNamePatternIsTheRule(_ name: String, _ valid: Bool) {
        #expect(SetExpander.isValidSetName(name) == valid)
        #expect(matches(SetExpander.setNamePattern, name) == valid)
    }

    @Test(arguments: [
        ("import-EU.01_x", true), ("9", true), ("_a", false), ("a/b", false), ("", false), ("é", false),
        (String(repeating: "k", count: 200), true), (String(repeating: "k", count: 201), false),
    ])
    func keyPatternIsTheRule(_ key: String, _ valid: Bool) {
        #expect(SetExpander.isValidKey(key) == valid)
        #expect(matches(SetExpander.keyPattern, key) == valid)
    }

    @Test(arguments: [("region", true), ("_x9", true), ("9x", false), ("a-b", false), ("", false), ("ü", false)])
    func identifierPatternIsTheRule(_ name: String, _ valid: Bool) {
        #expect(SetExpander.isIdentifier(name) == valid)
        #expect(matches(SetExpander.identifierPattern, name) == valid)
    }

    @Test(arguments: [
        ("${env.SO_APP_TOKEN}", true), (" ${env.Tök3n} ", true), ("${env.}", false), ("${env.A-B}", false),
        ("secret", false), ("${env.A}x", false),
    ])
    func environmentReferencePatternIsTheRule(_ text: String, _ valid: Bool) {
        #expect((Project.environmentReference(text) != nil) == valid)
        #expect(matches(Project.environmentReferencePattern, text) == valid)
    }

    @Test(arguments: ["2018-06-01T14:34:02.7132229+02:00", "2018-06-01T14:34:02Z", "0001-01-01T00:00:00-14:00"])
    func datePatternAcceptsWhatTheAPIModelReads(_ text: String) {
        #expect(DotNetDate.isValid(text))
        #expect(matches(DotNetDate.shapePattern, text))
    }

    @Test func datePatternRejectsWhatHasNoOffset() {
        #expect(!matches(DotNetDate.shapePattern, "2018-06-01T14:34:02"))
        #expect(!DotNetDate.isValid("2018-06-01T14:34:02"))
    }

    private func matches(_ pattern: String, _ text: String) -> Bool {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return false }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
