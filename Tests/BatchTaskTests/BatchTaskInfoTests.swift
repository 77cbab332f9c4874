import BatchTask
import JSON
import Testing

@Suite struct BatchTaskInfoTests {
    /// Every property set, as a server would send it (the reference's own sample values where it has them).
    static let fullJSON: JSONValue = [
        "Id": 685, "Name": "Import customers", "AssociateId": 5, "DetailsTable": 7, "DetailsRecord": 42,
        "IsSystemTask": false, "IsInternalTask": true, "ParameterObject": ["file": "a.csv", "rows": [1, 2], "dry": .null],
        "LastStarted": "2018-06-01T14:34:02.7132229+02:00", "Created": "2018-06-01T14:30:00Z", "StartCount": 3,
        "DatabaseSerialNumber": "12345", "Context": "ctx", "Result": "ok", "State": "Aquired", "Description": "desc",
        "Response": "resp", "Request": "req", "ProgressDescription": "half way", "ProgressPercent": 762,
        "FileName": "out.csv", "CancellationBehaviour": "CanCancel",
    ]

    @Test func everyFieldRoundTrips() throws {
        let task = try BatchTaskInfo(json: Self.fullJSON)
        #expect(task.presentFields == BatchTaskField.allCases)
        #expect(task.json() == Self.fullJSON)
        #expect(try BatchTaskInfo(json: task.json()) == task)
        #expect(task.id == 685)
        #expect(task.state == .aquired)
        #expect(task.progressPercent == 762)
        #expect(task.lastStarted == "2018-06-01T14:34:02.7132229+02:00")
        #expect(task.parameterObject?["rows"] == [1, 2])
        for field in BatchTaskField.allCases {
            #expect(task[field] == Self.fullJSON[field.rawValue], "\(field)")
            var copy = task
            try copy.set(field, nil)
            #expect(!copy.has(field))
            #expect(copy.presentFields.count == 21)
            try copy.set(field, task[field])
            #expect(copy == task)
        }
    }

    @Test func jsonIsInAPIOrderAndOmitsAbsentFields() throws {
        var task = BatchTaskInfo()
        task.state = .new
        task.name = "n"
        task.id = 1
        #expect(task.json().serialized() == #"{"Id":1,"Name":"n","State":"New"}"#)
        #expect(task.json(omitting: [.id]).serialized() == #"{"Name":"n","State":"New"}"#)
        #expect(BatchTaskInfo().json() == [:])
        #expect(BatchTaskInfo().presentFields.isEmpty)
    }

    @Test func streamingWriteMatchesJSON() throws {
        let task = try BatchTaskInfo(json: Self.fullJSON)
        for (pretty, sorted) in [(false, false), (true, false), (false, true), (true, true)] {
            var w = JSONWriter(pretty: pretty, sortedKeys: sorted)
            w.beginArray()
            task.write(to: &w)
            task.write(to: &w, omitting: [.parameterObject, .id])
            BatchTaskInfo().write(to: &w)
            w.endArray()
            let expected: JSONValue = [task.json(), task.json(omitting: [.parameterObject, .id]), [:]]
            #expect(w.text == expected.serialized(pretty: pretty, sortedKeys: sorted))
        }
    }

    @Test func unknownPropertiesAndNullsAreIgnored() throws {
        let json = try JSONValue.parse(#"""
            {"Id": 9, "TableRight": null, "FieldProperties": {"Name": {"FieldRight": null, "FieldType": "System.String", "FieldLength": 255}},
             "Name": null, "SomethingNew": [1, 2], "name": 5, "State": "Started"}
            """#)
        let task = try BatchTaskInfo(json: json)
        #expect(task.presentFields == [.id, .state])
        #expect(task.id == 9)
        #expect(task.name == nil)
        #expect(task.json() == ["Id": 9, "State": "Started"])
    }

    @Test func wrongTypesNameTheProperty() {
        func failure(_ json: JSONValue) -> FieldError? {
            do {
                _ = try BatchTaskInfo(json: json)
                return nil
            } catch {
                return error
            }
        }
        #expect(failure(["Id": "1"]) == FieldError(field: "Id", message: "expected an integer between -2147483648 and 2147483647, got the string \"1\""))
        #expect(failure(["Name": 1])?.description == "Name: expected a string, got 1")
        #expect(failure(["IsSystemTask": "true"])?.description == "IsSystemTask: expected true or false, got the string \"true\"")
        #expect(failure(["ParameterObject": [1]])?.description == "ParameterObject: expected a JSON object, got an array")
        #expect(failure(["ParameterObject": "{}"])?.field == "ParameterObject")
        #expect(failure(["State": 3])?.field == "State")
        #expect(failure(["Created": "yesterday"])?.description
            == "Created: expected a date-time such as 2018-06-01T14:34:02.7132229+02:00, got the string \"yesterday\"")
        #expect(failure(["LastStarted": 0])?.field == "LastStarted")
        #expect(failure([1, 2])?.description == "expected a BatchTaskInfo object, got an array")
    }

    @Test func int32Bounds() throws {
        var task = BatchTaskInfo()
        try task.set(.id, .int(2147483647))
        #expect(task.id == .max)
        try task.set(.detailsRecord, .int(-2147483648))
        #expect(task.detailsRecord == .min)
        try task.set(.progressPercent, 762)
        #expect(task.progressPercent == 762)
        try task.set(.startCount, 5.0)
        #expect(task.startCount == 5)
        #expect(throws: FieldError(field: "Id", message: "expected an integer between -2147483648 and 2147483647, got 2147483648")) {
            try task.set(.id, .int(2147483648))
        }
        #expect(throws: FieldError(field: "AssociateId", message: "expected an integer between -2147483648 and 2147483647, got 3000000000")) {
            try task.set(.associateId, 3000000000)
        }
        #expect(throws: FieldError.self) { try task.set(.id, .int(-2147483649)) }
        #expect(throws: FieldError(field: "StartCount", message: "expected an integer between -2147483648 and 2147483647, got 1.5")) {
            try task.set(.startCount, 1.5)
        }
        #expect(throws: FieldError.self) { try task.set(.startCount, 1e300) }
        // A failed set leaves the old value in place.
        #expect(task.id == .max)
    }

    @Test func setNilOrNullClears() throws {
        var task = BatchTaskInfo()
        try task.set(.name, "x")
        try task.set(.name, .null)
        #expect(task.name == nil)
        try task.set(.parameterObject, [:])
        #expect(task.parameterObject == [:])
        try task.set(.parameterObject, nil)
        #expect(task.parameterObject == nil)
    }

    @Test func stateTakesAnyStringAndKnowsTheNames() throws {
        var task = BatchTaskInfo()
        try task.set(.state, "Paused")
        #expect(task.state == BatchTaskState(rawValue: "Paused"))
        #expect(task.state?.isKnown == false)
        #expect(try BatchTaskInfo(json: ["State": "SomethingFromTheFuture"]).state?.rawValue == "SomethingFromTheFuture")

        #expect(BatchTaskState.taskStates.map(\.rawValue) == ["Unknown", "New", "Aquired", "Started", "Succeeded", "Failed", "SucceededManualCleanup"])
        #expect(BatchTaskState.all.rawValue == "All")
        #expect(BatchTaskState.aquired.rawValue == "Aquired")
        #expect(BatchTaskState.all.isKnown)
        #expect(BatchTaskState.taskStates.allSatisfy { $0.isKnown })
        #expect(!BatchTaskState(rawValue: "Acquired").isKnown)
        #expect(!BatchTaskState(rawValue: "new").isKnown)
        #expect(BatchTaskState.taskStates.filter(\.isFinished) == [.succeeded, .failed, .succeededManualCleanup])
        #expect(!BatchTaskState.all.isFinished)
        #expect(BatchTaskState.succeeded.description == "Succeeded")
    }

    @Test func fieldTable() {
        #expect(BatchTaskField.allCases.count == 22)
        #expect(BatchTaskField.allCases.map(\.rawValue) == [
            "Id", "Name", "AssociateId", "DetailsTable", "DetailsRecord", "IsSystemTask", "IsInternalTask", "ParameterObject",
            "LastStarted", "Created", "StartCount", "DatabaseSerialNumber", "Context", "Result", "State", "Description",
            "Response", "Request", "ProgressDescription", "ProgressPercent", "FileName", "CancellationBehaviour",
        ])
        func fields(_ type: BatchTaskField.ValueType) -> [BatchTaskField] { BatchTaskField.allCases.filter { $0.valueType == type } }
        #expect(fields(.int32) == [.id, .associateId, .detailsTable, .detailsRecord, .startCount, .progressPercent])
        #expect(fields(.bool) == [.isSystemTask, .isInternalTask])
        #expect(fields(.object) == [.parameterObject])
        #expect(fields(.dateTime) == [.lastStarted, .created])
        #expect(fields(.state) == [.state])
        #expect(fields(.string).count == 10)

        func fields(_ role: BatchTaskField.Role) -> [BatchTaskField] { BatchTaskField.allCases.filter { $0.role == role } }
        #expect(fields(.serverAssigned) == [.id])
        #expect(fields(.updatable) == [.state, .description, .response, .request])
        #expect(fields(.serverManaged) == [.lastStarted, .startCount, .result, .progressDescription, .progressPercent])
        #expect(fields(.configuration) == [.name, .associateId, .detailsTable, .detailsRecord, .isSystemTask, .isInternalTask,
                                           .parameterObject, .created, .databaseSerialNumber, .context, .fileName, .cancellationBehaviour])

        #expect(BatchTaskField.named("ProgressPercent") == .progressPercent)
        #expect(BatchTaskField.named("progressPercent") == nil)
        #expect(BatchTaskField.named("TableRight") == nil)
    }
}
