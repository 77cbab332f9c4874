import BatchTask
import DesiredTasks
import JSON

/// The JSON Schema (draft 2020-12) of TaskSet and Project documents, for editors and linters.
///
/// Built from the tables the validator reads documents by: the key enums of `ManifestKeys.swift`, `Lifecycle.Key`,
/// `Project.Key` and `Project.HeaderKey`, `BatchTaskField` with its value types, `FieldTyping.allowedNames` and
/// the name patterns beside `SetExpander`'s rules. Every switch below is exhaustive, so a key the validator reads
/// is a key the schema describes. Wherever a typed value is allowed, a string holding `${...}` is allowed too: its
/// type is known only after expansion, which `batchctl validate` checks.
public enum ManifestSchema {
    public static let draft = "https://json-schema.org/draft/2020-12/schema"

    /// The whole schema: a document with `apiVersion` is a TaskSet or a Project; one without is a fragment or data
    /// (brought in by `!include`, or a var file), which the validator does not read as a manifest either.
    public static var document: JSONValue {
        let kinds = DocumentKind.allCases
        var branches: [JSONValue] = []
        for kind in kinds {
            branches.append([
                "if": ["required": ["kind"], "properties": ["kind": ["const": .string(kind.rawValue)]]],
                "then": ["$ref": .string("#/$defs/\(kind.rawValue)")],
            ])
        }
        var definitions: JSONValue.Object = [
            "expression": [
                "description": "an expression ${...}: a plain scalar that is exactly one expression takes the value's own type; any other text with ${...} in it is text",
                "type": "string",
                "pattern": #"\$\{"#,
            ],
            "text": [
                "description": "text; a plain number or boolean is taken as written",
                "type": ["string", "number", "boolean"],
            ],
            "inputs": inputs,
            "TaskSet": taskSet,
            "Project": project,
            "defaults": fieldsObject(controlKeys: [], description: TaskSetKey.defaults.summary, nullable: true),
            "template": fieldsObject(controlKeys: ControlKey.allCases.filter(\.isAllowedInTemplates),
                                     description: "a named partial task: BatchTaskInfo fields, extends and lifecycle"),
            "task": fieldsObject(controlKeys: ControlKey.allCases, description: TaskSetKey.tasks.summary, required: [.key]),
        ]
        for field in BatchTaskField.allCases {
            definitions["field.\(field.rawValue)"] = schema(of: field)
        }
        return [
            "$schema": .string(draft),
            "title": "batchctl manifest (format 1.1) or project file",
            "description": .string("A document with apiVersion: \(DocumentKind.apiVersion) is a \(kinds.map(\.rawValue).joined(separator: " or ")), by its kind; a document without apiVersion is a fragment or data and is not checked."),
            "if": ["type": "object", "required": ["apiVersion"]],
            "then": [
                "required": ["kind"],
                "properties": [
                    "apiVersion": described(["const": .string(DocumentKind.apiVersion)], TaskSetKey.apiVersion.summary),
                    "kind": described(["enum": .array(kinds.map { .string($0.rawValue) })],
                                      kinds.map { "\($0.rawValue): \($0.summary)" }.joined(separator: "; ")),
                ],
                "allOf": .array(branches),
            ],
            "$defs": .object(definitions),
        ]
    }

    // MARK: - TaskSet

    private static var taskSet: JSONValue {
        var properties: JSONValue.Object = [:]
        for key in TaskSetKey.allCases {
            let value: JSONValue
            switch key {
            case .apiVersion: value = ["const": .string(DocumentKind.apiVersion)]
            case .kind: value = ["const": .string(DocumentKind.taskSet.rawValue)]
            case .metadata: value = metadata
            case .vars:
                value = [
                    "type": ["object", "null"],
                    "propertyNames": identifier(excluding: SetExpander.reservedNames),
                ]
            case .inputs: value = ["$ref": "#/$defs/inputs"]
            case .defaults: value = ["$ref": "#/$defs/defaults"]
            case .templates: value = ["type": ["object", "null"], "additionalProperties": ["$ref": "#/$defs/template"]]
            case .tasks: value = ["type": "array", "items": ["$ref": "#/$defs/task"]]
            case .moved: value = ["type": "array", "items": moveEntry]
            case .import: value = anyOf(["type": "array", "items": importEntry], expression)
            }
            properties[key.rawValue] = described(value, key.summary)
        }
        return [
            "description": .string("\(DocumentKind.taskSet.rawValue): \(DocumentKind.taskSet.summary)"),
            "type": "object",
            "required": [.string(TaskSetKey.apiVersion.rawValue), .string(TaskSetKey.kind.rawValue),
                         .string(TaskSetKey.metadata.rawValue), .string(TaskSetKey.tasks.rawValue)],
            "properties": .object(properties),
            "additionalProperties": false,
        ]
    }

    private static var metadata: JSONValue {
        var properties: JSONValue.Object = [:]
        for key in MetadataKey.allCases {
            let value: JSONValue
            switch key {
            case .name: value = ["type": "string", "pattern": .string(SetExpander.setNamePattern)]
            case .labels: value = ["type": ["object", "null"], "additionalProperties": ["type": ["string", "number", "boolean", "null"]]]
            }
            properties[key.rawValue] = described(value, key.summary)
        }
        return ["type": "object", "required": [.string(MetadataKey.name.rawValue)], "properties": .object(properties),
                "additionalProperties": false]
    }

    private static var moveEntry: JSONValue {
        var properties: JSONValue.Object = [:]
        for key in MoveKey.allCases {
            switch key {
            case .from, .to: properties[key.rawValue] = described(["$ref": "#/$defs/text"], key.summary)
            }
        }
        return ["type": "object", "required": .array(MoveKey.allCases.map { .string($0.rawValue) }),
                "properties": .object(properties), "additionalProperties": false]
    }

    private static var importEntry: JSONValue {
        var properties: JSONValue.Object = [:]
        for key in ImportKey.allCases {
            let value: JSONValue
            switch key {
            case .to, .name: value = ["$ref": "#/$defs/text"]
            case .id: value = anyOf(["type": "integer", "minimum": 1, "maximum": .int(Int64(Int32.max))], expression)
            case .matrix: value = schema(of: ControlKey.matrix)
            }
            properties[key.rawValue] = described(value, key.summary)
        }
        return [
            "type": "object", "required": [.string(ImportKey.to.rawValue)],
            "oneOf": [["required": [.string(ImportKey.id.rawValue)]], ["required": [.string(ImportKey.name.rawValue)]]],
            "properties": .object(properties), "additionalProperties": false,
        ]
    }

    /// Defaults, a template or a task entry: BatchTaskInfo fields and the control keys allowed there.
    private static func fieldsObject(controlKeys: [ControlKey], description: String, required: [ControlKey] = [],
                                     nullable: Bool = false) -> JSONValue {
        var properties: JSONValue.Object = [:]
        for field in BatchTaskField.allCases {
            properties[field.rawValue] = ["$ref": .string("#/$defs/field.\(field.rawValue)")]
        }
        for key in controlKeys {
            properties[key.rawValue] = described(schema(of: key), key.summary)
        }
        var object: JSONValue.Object = [
            "description": .string(description),
            "type": nullable ? ["object", "null"] : "object",
            "properties": .object(properties),
            "additionalProperties": false,
        ]
        if !required.isEmpty { object["required"] = .array(required.map { .string($0.rawValue) }) }
        // The server links a ParameterObject's blob through DetailsTable and DetailsRecord (api.md v3): beside one,
        // neither may be set (null, which removes an inherited value, may).
        let linked = BatchTaskField.allCases.filter(\.isLinkToParameterBlob).map { field -> JSONValue in
            .object(["required": .array([.string(field.rawValue)]), "properties": .object([field.rawValue: [
                "description": .string("\(field.rawValue) set to a value (null, which removes an inherited one, may stand)"),
                "not": ["type": "null"],
            ]])])
        }
        object["dependentSchemas"] = .object([
            BatchTaskField.parameterObject.rawValue: [
                "description": "DetailsTable and DetailsRecord are set by the server beside a ParameterObject",
                "not": .object(["anyOf": .array(linked)]),
            ],
        ])
        return .object(object)
    }

    private static func schema(of key: ControlKey) -> JSONValue {
        switch key {
        case .key:
            return anyOf(["type": "string", "pattern": .string(SetExpander.keyPattern)], expression)
        case .extends:
            return anyOf(["type": "string"], ["type": "array", "items": ["type": "string"]])
        case .matrix:
            var properties: JSONValue.Object = [:]
            for matrixKey in MatrixKey.allCases {
                let entry: JSONValue
                switch matrixKey {
                case .exclude: entry = ["type": "object"]
                case .include: entry = ["type": "object", "propertyNames": ["pattern": .string(SetExpander.identifierPattern)]]
                }
                properties[matrixKey.rawValue] = described(["type": "array", "items": entry], matrixKey.summary)
            }
            return [
                "type": "object",
                "propertyNames": anyOf(["enum": .array(MatrixKey.allCases.map { .string($0.rawValue) })],
                                       identifier(excluding: SetExpander.reservedAxisNames)),
                "properties": .object(properties),
                "additionalProperties": described(anyOf(["type": "array"], expression), "an axis: a list of values, or an expression giving one"),
            ]
        case .dependsOn:
            return anyOf(["$ref": "#/$defs/text"], ["type": "array", "items": ["$ref": "#/$defs/text"]])
        case .when:
            return anyOf(["type": "boolean"], expression)
        case .lifecycle:
            var properties: JSONValue.Object = [:]
            let fieldNames: JSONValue = ["enum": .array(BatchTaskField.allCases.map { .string($0.rawValue) })]
            for setting in Lifecycle.Key.allCases {
                let value: JSONValue
                switch setting {
                case .preventDestroy, .createBeforeDestroy:
                    value = anyOf(["type": "boolean"], expression)
                case .ignoreChanges:
                    value = anyOf(["type": "array", "items": anyOf(fieldNames, expression)], fieldNames, expression, ["type": "null"])
                }
                properties[setting.rawValue] = described(value, setting.summary)
            }
            return ["type": "object", "properties": .object(properties), "additionalProperties": false]
        case .run:
            var properties: JSONValue.Object = [:]
            func names(_ all: [String]) -> JSONValue { anyOf(["enum": .array(all.map { .string($0) })], expression) }
            for setting in RunPolicy.Key.allCases {
                let value: JSONValue
                switch setting {
                case .when: value = names(RunPolicy.When.allCases.map(\.rawValue))
                case .concurrency: value = names(RunPolicy.Concurrency.allCases.map(\.rawValue))
                case .catchUp: value = names(RunPolicy.CatchUp.allCases.map(\.rawValue))
                case .schedule, .timeZone: value = ["$ref": "#/$defs/text"]
                case .history:
                    value = anyOf(["type": "integer", "minimum": .int(Int64(RunPolicy.historyRange.lowerBound)),
                                   "maximum": .int(Int64(RunPolicy.historyRange.upperBound))], expression)
                case .startingDeadline, .timeout: value = anyOf(duration, expression)
                case .retry: value = anyOf(retry, expression)
                case .suspend: value = anyOf(["type": "boolean"], expression)
                case .pauseAfterFailures:
                    value = anyOf(["type": "integer", "minimum": .int(Int64(RunPolicy.pauseAfterFailuresRange.lowerBound)),
                                   "maximum": .int(Int64(RunPolicy.pauseAfterFailuresRange.upperBound))], expression)
                }
                properties[setting.rawValue] = described(value, setting.summary)
            }
            return ["type": "object", "properties": .object(properties), "additionalProperties": false]
        }
    }

    /// `run.retry`'s own block.
    private static var retry: JSONValue {
        var properties: JSONValue.Object = [:]
        for key in RetryKey.allCases {
            let value: JSONValue
            switch key {
            case .limit:
                value = anyOf(["type": "integer", "minimum": .int(Int64(RetryPolicy.limitRange.lowerBound)),
                               "maximum": .int(Int64(RetryPolicy.limitRange.upperBound))], expression)
            case .backoff, .maxBackoff: value = anyOf(duration, expression)
            case .factor: value = anyOf(["type": "number", "minimum": 1], expression)
            }
            properties[key.rawValue] = described(value, key.summary)
        }
        return ["type": "object", "properties": .object(properties), "additionalProperties": false]
    }

    /// A duration as manifests write it (`DurationText`): 90s, 30m, 1h30m, 2d.
    private static let duration: JSONValue = ["type": "string", "pattern": "^([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$"]

    // MARK: - Fields

    private static func schema(of field: BatchTaskField) -> JSONValue {
        let null: JSONValue = ["type": "null"]
        let value: JSONValue
        let typeName: String
        switch field.valueType {
        case .int32:
            typeName = "int32"
            value = anyOf(["type": "integer", "minimum": .int(Int64(Int32.min)), "maximum": .int(Int64(Int32.max))], expression, null)
        case .bool:
            typeName = "bool"
            value = anyOf(["type": "boolean"], expression, null)
        case .string, .state:
            typeName = field.valueType == .state ? "BatchTaskState" : "string"
            if let names = FieldTyping.allowedNames(of: field) {
                value = anyOf(["enum": .array(names.map { .string($0) })], expression, null)
            } else {
                value = anyOf(["$ref": "#/$defs/text"], null)
            }
        case .object:
            typeName = "string dictionary"
            value = anyOf(["type": "object", "additionalProperties": ["type": ["string", "number", "boolean", "null"]]], expression, null)
        case .dateTime:
            typeName = "ISO 8601 date-time with offset"
            value = anyOf(["type": "string", "pattern": .string(DotNetDate.shapePattern)], expression, null)
        }
        let description = "\(field.rawValue) (\(typeName)): \(field.summary)"
        if field == .id {
            return ["description": .string(description), "not": [:]]
        }
        return described(value, description + "; null removes an inherited value")
    }

    // MARK: - Inputs

    /// What a `type:` may say; the regular expression does not count parentheses, the validator does.
    static let inputTypePattern = #"^[ \t]*((list|map)[ \t]*\([ \t]*)*(string|integer|number|boolean|any)([ \t]*\))*[ \t]*$"#

    /// `inputs`: names to their declarations.
    private static var inputs: JSONValue {
        var properties: JSONValue.Object = [:]
        for key in InputDeclaration.Key.allCases {
            let value: JSONValue
            switch key {
            case .type: value = ["type": "string", "pattern": .string(inputTypePattern)]
            case .default: value = [:]
            case .description: value = ["type": "string"]
            case .validation:
                let rule: JSONValue = [
                    "type": "object", "required": ["rule", "message"], "additionalProperties": false,
                    "properties": [
                        "rule": described(expression, "an expression ${...} that gives true for a good value; it may use the input and the set's other vars"),
                        "message": described(["type": "string"], "printed where a value that fails the rule is given"),
                    ],
                ]
                value = anyOf(rule, ["type": "array", "items": rule])
            case .sensitive: value = ["type": "boolean"]
            }
            properties[key.rawValue] = described(value, key.summary)
        }
        let input: JSONValue = ["type": ["object", "null"], "properties": .object(properties), "additionalProperties": false]
        return [
            "description": "typed vars: a value given for one is checked against its type and validation rules where it is given",
            "type": ["object", "null"],
            "propertyNames": identifier(excluding: SetExpander.reservedNames),
            "additionalProperties": input,
        ]
    }

    // MARK: - Project

    private static var project: JSONValue {
        var properties: JSONValue.Object = [:]
        let paths = anyOf(["type": "string"], ["type": "array", "items": ["type": "string"]])
        for key in Project.Key.allCases {
            let value: JSONValue
            switch key {
            case .apiVersion: value = ["const": .string(DocumentKind.apiVersion)]
            case .kind: value = ["const": .string(DocumentKind.project.rawValue)]
            case .endpoint, .state: value = ["type": "string"]
            case .manifests, .varFiles: value = paths
            case .inputs: value = ["$ref": "#/$defs/inputs"]
            case .parallelism: value = ["type": "integer", "minimum": 1, "maximum": 1024]
            case .timeout: value = ["type": "number", "exclusiveMinimum": 0]
            case .headers: value = headers
            case .environments: value = environments(paths: paths)
            }
            properties[key.rawValue] = described(value, key.summary)
        }
        return [
            "description": .string("\(DocumentKind.project.rawValue): \(DocumentKind.project.summary)"),
            "type": "object",
            "required": [.string(Project.Key.apiVersion.rawValue), .string(Project.Key.kind.rawValue)],
            "properties": .object(properties),
            "additionalProperties": false,
        ]
    }

    /// `environments`: names (as `Project.environmentNameProblem` allows them) to their settings.
    private static func environments(paths: JSONValue) -> JSONValue {
        let settings: JSONValue = [
            "type": ["object", "null"],
            "properties": [
                "varFiles": described(paths, "var files read after the project's varFiles"),
                "vars": described(["type": "object"], "vars set by this environment; --var-file, BATCHCTL_VAR_* and --var beat them"),
                "endpoint": described(["type": "string"], "the API base URL of this environment"),
                "parallelism": described(["type": "integer", "minimum": 1, "maximum": 1024], "requests in flight at once in this environment"),
            ],
            "additionalProperties": false,
        ]
        return [
            "type": "object",
            "minProperties": 1,
            "propertyNames": ["pattern": "^(?!default$)[a-z0-9][a-z0-9_-]{0,62}$"],
            "additionalProperties": settings,
        ]
    }

    private static var headers: JSONValue {
        var properties: JSONValue.Object = [:]
        for key in Project.HeaderKey.allCases {
            let value: JSONValue
            switch key {
            case .language, .culture, .timeZone: value = ["type": "string"]
            case .appToken: value = ["type": "string", "pattern": .string(Project.environmentReferencePattern)]
            }
            properties[key.rawValue] = described(value, key.summary)
        }
        return ["type": "object", "properties": .object(properties), "additionalProperties": false]
    }

    // MARK: - Pieces

    private static let expression: JSONValue = ["$ref": "#/$defs/expression"]

    private static func anyOf(_ schemas: JSONValue...) -> JSONValue {
        ["anyOf": .array(schemas)]
    }

    private static func identifier(excluding reserved: [String]) -> JSONValue {
        ["pattern": .string(SetExpander.identifierPattern), "not": ["enum": .array(reserved.map { .string($0) })]]
    }

    /// `schema` with a description in front of its other keywords, as editors show it on hover.
    private static func described(_ schema: JSONValue, _ description: String) -> JSONValue {
        var object: JSONValue.Object = ["description": .string(description)]
        for (key, value) in schema.objectValue ?? [:] { object[key] = value }
        return .object(object)
    }
}
