import BatchTask
import GRDB

/// A parsed `$filter`: comparisons on BatchTaskInfo properties joined by `and`, `or`, `not` and parentheses. A run
/// of `and` (or of `or`) is one flat list, so that its SQL is one flat expression however many terms it has:
/// nested parentheses overflow SQLite's parser stack at about a hundred levels.
indirect enum FilterExpression: Sendable, Equatable {
    case and([FilterExpression])
    case or([FilterExpression])
    case not(FilterExpression)
    case comparison(BatchTaskField, FilterOperator, FilterLiteral)
    /// `associateId oneOf(1, 2, 3)`: the property equals one of the values.
    case oneOf(BatchTaskField, [FilterLiteral])
}

/// The operators of the OData standard and of SuperOffice's archive dialect (`name begins 'S'`).
enum FilterOperator: String, Sendable, CaseIterable {
    case eq, ne, lt, le, gt, ge
    case begins, notBegins, contains, notContains, endsWith

    /// Spellings a client may use, lower-cased; SuperOffice's aliases map onto the OData operators.
    static func named(_ word: String) -> FilterOperator? {
        switch word.lowercased() {
        case "eq", "is", "equals": return .eq
        case "ne", "isnot", "unequals": return .ne
        case "lt", "less": return .lt
        case "le": return .le
        case "gt", "greater": return .gt
        case "ge": return .ge
        case "begins", "startswith": return .begins
        case "notbegins": return .notBegins
        case "contains": return .contains
        case "notcontains": return .notContains
        case "endswith": return .endsWith
        default: return nil
        }
    }
}

enum FilterLiteral: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case boolean(Bool)
    case null
}

extension FilterExpression {
    /// The SQL condition and the values for its placeholders; a date literal without an offset is wall time in
    /// `zone`.
    func compiled(in zone: RequestTimeZone) throws(APIError) -> (sql: String, arguments: [DatabaseValue]) {
        var arguments: [DatabaseValue] = []
        let sql = try sql(&arguments, zone)
        return (sql, arguments)
    }

    /// SQL over the `batchtask` columns with `?` placeholders. String comparisons are case-sensitive (SQLite's
    /// BINARY collation), and `begins` is a GLOB so that the Name index serves it.
    func sql(_ arguments: inout [DatabaseValue], _ zone: RequestTimeZone) throws(APIError) -> String {
        switch self {
        case .and(let terms):
            return "(" + (try terms.map { term throws(APIError) in try term.sql(&arguments, zone) }).joined(separator: " AND ") + ")"
        case .or(let terms):
            return "(" + (try terms.map { term throws(APIError) in try term.sql(&arguments, zone) }).joined(separator: " OR ") + ")"
        case .not(let inner):
            return "(NOT \(try inner.sql(&arguments, zone)))"
        case .comparison(let field, let op, let literal):
            return try Self.comparison(field, op, literal, &arguments, zone)
        case .oneOf(let field, let literals):
            // One flat IN (or, for dates, one flat OR of instants): a list never nests SQL deeper.
            if field.valueType == .dateTime {
                let terms = try literals.map { literal throws(APIError) in try Self.comparison(field, .eq, literal, &arguments, zone) }
                return "(" + terms.joined(separator: " OR ") + ")"
            }
            guard field != .parameterObject else { throw .badRequest("$filter: ParameterObject cannot be filtered on") }
            let column = "\"\(field.rawValue)\""
            var values: [DatabaseValue] = []
            var includesNull = false
            for literal in literals {
                let value = try Self.databaseValue(literal, for: field)
                if value.isNull { includesNull = true } else { values.append(value) }
            }
            let list = "\(column) IN (" + values.map { Self.placeholder(for: $0, &arguments) }.joined(separator: ", ") + ")"
            switch (values.isEmpty, includesNull) {
            case (true, _): return "\(column) IS NULL"
            case (false, true): return "(\(list) OR \(column) IS NULL)"
            case (false, false): return list
            }
        }
    }

    private static func comparison(
        _ field: BatchTaskField, _ op: FilterOperator, _ literal: FilterLiteral, _ arguments: inout [DatabaseValue],
        _ zone: RequestTimeZone
    ) throws(APIError) -> String {
        guard field != .parameterObject else { throw .badRequest("$filter: ParameterObject cannot be filtered on") }
        if field.valueType == .dateTime, [.eq, .ne, .lt, .le, .gt, .ge].contains(op) {
            return try instantComparison(field, op, literal, &arguments, zone)
        }
        let column = "\"\(field.rawValue)\""
        let value = try databaseValue(literal, for: field)
        if value.isNull {
            switch op {
            case .eq: return "\(column) IS NULL"
            case .ne: return "\(column) IS NOT NULL"
            default: throw .badRequest("$filter: \(op.rawValue) needs a value, not null")
            }
        }
        switch op {
        case .eq, .ne, .lt, .le, .gt, .ge:
            // IS NOT: a task without the property is "not equal" to any value, as a client would expect.
            let sqlOperator = ["eq": "=", "ne": "IS NOT", "lt": "<", "le": "<=", "gt": ">", "ge": ">="][op.rawValue] ?? "="
            return "\(column) \(sqlOperator) \(placeholder(for: value, &arguments))"
        case .begins, .notBegins, .contains, .notContains, .endsWith:
            guard case .string(let text) = value.storage, field.valueType != .int32, field.valueType != .bool else {
                throw .badRequest("$filter: \(op.rawValue) applies to text properties, not \(field.rawValue)")
            }
            switch op {
            case .begins:
                return "\(column) GLOB \(placeholder(for: (globEscaped(text) + "*").databaseValue, &arguments))"
            case .notBegins:
                return "(\(column) IS NULL OR \(column) NOT GLOB \(placeholder(for: (globEscaped(text) + "*").databaseValue, &arguments)))"
            case .endsWith:
                return "\(column) GLOB \(placeholder(for: ("*" + globEscaped(text)).databaseValue, &arguments))"
            case .contains:
                return "instr(\(column), \(placeholder(for: value, &arguments))) > 0"
            default:
                return "(\(column) IS NULL OR instr(\(column), \(placeholder(for: value, &arguments))) = 0)"
            }
        }
    }

    /// Dates compare as instants, on their ticks column: `'2018-06-01T09:00:00-05:00'` equals
    /// `'2018-06-01T14:00:00+00:00'`. A literal without an offset is wall time in the request's zone, as every date
    /// of a request is (api.md v3: "dates in the request are read" in the SO-TimeZone zone, else the base zone); a
    /// date without a time (`'2018-06-01'`) is that day's midnight there (our choice).
    private static func instantComparison(
        _ field: BatchTaskField, _ op: FilterOperator, _ literal: FilterLiteral, _ arguments: inout [DatabaseValue],
        _ zone: RequestTimeZone
    ) throws(APIError) -> String {
        let column = "\"\(Schema.orderingColumn(field))\""
        guard case .string(let text) = literal else {
            if literal == .null { return op == .eq ? "\(column) IS NULL" : op == .ne ? "\(column) IS NOT NULL" : "0" }
            throw .badRequest("$filter: \(field.rawValue) compares with a date such as '2018-06-01T14:34:02+02:00'")
        }
        guard let date = zone.instant(text) ?? zone.instant(text + "T00:00:00") else {
            throw .badRequest("$filter: '\(text.prefix(40))' is not a date-time such as '2018-06-01T14:34:02' or '2018-06-01T14:34:02+02:00'")
        }
        arguments.append(date.ticksSince1970.databaseValue)
        let sqlOperator = ["eq": "=", "ne": "IS NOT", "lt": "<", "le": "<=", "gt": ">", "ge": ">="][op.rawValue] ?? "="
        return "\(column) \(sqlOperator) ?"
    }

    /// The literal as the column stores it: `associateId eq '5'` and `isSystemTask eq 1` are forgiven.
    private static func databaseValue(_ literal: FilterLiteral, for field: BatchTaskField) throws(APIError) -> DatabaseValue {
        switch (field.valueType, literal) {
        case (_, .null):
            return .null
        case (.int32, .integer(let n)):
            return n.databaseValue
        case (.int32, .string(let text)):
            guard let n = Int64(text) else { throw .badRequest("$filter: \(field.rawValue) is a number, got '\(text)'") }
            return n.databaseValue
        case (.bool, .boolean(let flag)):
            return Int64(flag ? 1 : 0).databaseValue
        case (.bool, .integer(let n)) where n == 0 || n == 1:
            return n.databaseValue
        case (.bool, .string(let text)) where ["true", "false"].contains(text.lowercased()):
            return Int64(text.lowercased() == "true" ? 1 : 0).databaseValue
        case (.string, .string(let text)), (.state, .string(let text)), (.dateTime, .string(let text)):
            return text.databaseValue
        case (.string, .integer(let n)):
            return String(n).databaseValue
        default:
            throw .badRequest("$filter: the value given for \(field.rawValue) has the wrong type")
        }
    }

    /// Appends `value` to the arguments and answers its placeholder: text goes through `SQLiteText`, so that a
    /// NUL in it is compared too rather than ending it.
    private static func placeholder(for value: DatabaseValue, _ arguments: inout [DatabaseValue]) -> String {
        guard case .string(let text) = value.storage else {
            arguments.append(value)
            return "?"
        }
        let argument = SQLiteText.argument(text)
        arguments.append(argument.value)
        return argument.placeholder
    }

    private static func globEscaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "*", "?", "[": out += "[\(character)]"
            default: out.append(character)
            }
        }
        return out
    }
}
