import BatchTask
import GRDB
import JSON

/// Converts between a `StoredTask` and the column values of its row (in `Schema.columns` order), text as
/// `SQLiteText` binds and reads it.
enum TaskRow {
    /// Every column's value, Id first.
    static func values(of task: StoredTask) -> [DatabaseValue] {
        var values: [DatabaseValue] = []
        values.reserveCapacity(Schema.columns.count)
        for field in BatchTaskField.allCases {
            values.append(databaseValue(task.info[field]))
        }
        if let job = task.job {
            values.append(Int64(job.phase.rawValue).databaseValue)
            values.append(job.nextTicks.databaseValue)
            values.append(job.startTicks.databaseValue)
            values.append(job.endTicks.databaseValue)
            values.append(SQLiteText.value(job.outcome.rawValue))
            values.append(SQLiteText.value(job.result))
            values.append(Int64(job.finalPercent).databaseValue)
            values.append(EmulatorClock.text(ticks: job.startTicks).databaseValue)
        } else {
            values.append(Int64(0).databaseValue)
            values.append(contentsOf: repeatElement(DatabaseValue.null, count: Schema.jobColumns.count - 1))
        }
        values.append(task.lastModified.databaseValue)
        values.append(task.info.created.flatMap(DotNetDate.init)?.ticksSince1970.databaseValue ?? .null)
        values.append(task.info.lastStarted.flatMap(DotNetDate.init)?.ticksSince1970.databaseValue ?? .null)
        return values
    }

    private static func databaseValue(_ value: JSONValue?) -> DatabaseValue {
        switch value {
        case .int(let n)?: return n.databaseValue
        case .bool(let b)?: return Int64(b ? 1 : 0).databaseValue
        case .string(let s)?: return SQLiteText.value(s)
        case .double(let d)?: return d.databaseValue
        case .object?, .array?: return SQLiteText.value(value?.serialized() ?? "")
        case .null?, nil: return .null
        }
    }

    /// Reads a row selected with `Schema.selectList`. Values are checked as a client's would be, so a database
    /// edited by hand into nonsense gives an error, never a crash.
    static func decode(_ row: Row) throws -> StoredTask {
        var info = BatchTaskInfo()
        for (index, field) in BatchTaskField.allCases.enumerated() {
            let stored: DatabaseValue = row[index]
            do {
                try info.set(field, try jsonValue(stored, as: field.valueType))
            } catch {
                throw StorageError("row \(info.id.map(String.init) ?? "?"): column \(field.rawValue): \(error)")
            }
        }
        let base = BatchTaskField.allCases.count
        let modifiedValue: DatabaseValue = row[base + Schema.jobColumns.count]
        let lastModified = Int64.fromDatabaseValue(modifiedValue)
        let phaseValue: DatabaseValue = row[base]
        guard let phaseNumber = Int64.fromDatabaseValue(phaseValue), let phase = JobSchedule.Phase(rawValue: Int(phaseNumber)) else {
            return StoredTask(info: info, job: nil, lastModified: lastModified)
        }
        let start: DatabaseValue = row[base + 2]
        let end: DatabaseValue = row[base + 3]
        let outcome: DatabaseValue = row[base + 4]
        let result: DatabaseValue = row[base + 5]
        let percent: DatabaseValue = row[base + 6]
        guard let startTicks = Int64.fromDatabaseValue(start), let endTicks = Int64.fromDatabaseValue(end),
              let outcomeName = try SQLiteText.text(outcome), let resultText = try SQLiteText.text(result),
              let finalPercent = Int64.fromDatabaseValue(percent).flatMap({ Int32(exactly: $0) })
        else {
            throw StorageError("row \(info.id.map(String.init) ?? "?"): incomplete job schedule")
        }
        let job = JobSchedule(
            phase: phase, startTicks: startTicks, endTicks: endTicks, outcome: BatchTaskState(rawValue: outcomeName),
            result: resultText, finalPercent: finalPercent)
        return StoredTask(info: info, job: job, lastModified: lastModified)
    }

    private static func jsonValue(_ stored: DatabaseValue, as type: BatchTaskField.ValueType) throws -> JSONValue? {
        switch stored.storage {
        case .null:
            return nil
        case .int64(let n):
            return type == .bool ? .bool(n != 0) : .int(n)
        case .double(let d):
            return .double(d)
        case .string, .blob:
            // Text columns are selected as their bytes (`SQLiteText`).
            guard let text = try SQLiteText.text(stored) else { return nil }
            return type == .object ? try JSONValue.parse(text) : .string(text)
        }
    }
}
