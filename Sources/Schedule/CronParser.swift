import Foundation

/// Reads the text of a cron expression: five fields or a macro, with errors that point at the offending character.
///
/// Offsets are positions in `text`'s Characters, counted from the start of the text as given (before trimming).
struct CronParser {
    private let text: [Character]

    init(_ text: String) {
        self.text = Array(text)
    }

    /// The fields of the five-field forms of the macros.
    private static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    private static let macroList = "@yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly"
    private static let fieldList = "minute hour day-of-month month day-of-week"

    func parse() throws(CronError) -> CronExpression {
        let start = text.firstIndex { !$0.isWhitespace } ?? text.count
        let end = (text.lastIndex { !$0.isWhitespace } ?? -1) + 1
        guard start < end else {
            throw CronError(message: "the schedule is empty; write five fields, \(Self.fieldList) (e.g. \"0 2 * * *\"), or a macro such as @daily", offset: 0)
        }
        let trimmed = String(text[start..<end])
        if text[start] == "@" {
            return try macro(start..<end, trimmed: trimmed)
        }
        let words = self.words(in: start..<end)
        guard words.count == 5 else {
            throw wrongFieldCount(words, end: end)
        }
        let minutes = try field(.minute, words[0])
        let hours = try field(.hour, words[1])
        let daysOfMonth = try field(.dayOfMonth, words[2])
        let months = try field(.month, words[3])
        let daysOfWeek = try field(.dayOfWeek, words[4])
        // Vixie cron: a day-of-month or day-of-week field that starts with `*` leaves the other one alone to decide.
        let dayOfMonthIsStar = text[words[2].lowerBound] == "*"
        let dayOfWeekIsStar = text[words[4].lowerBound] == "*"
        let daysMatchEither = !dayOfMonthIsStar && !dayOfWeekIsStar
        if !daysMatchEither {
            try checkDaysOccur(daysOfMonth, in: months, at: words[2].lowerBound)
        }
        return CronExpression(
            description: trimmed, minutes: minutes, hours: hours, daysOfMonth: daysOfMonth, months: months,
            daysOfWeek: daysOfWeek, daysMatchEither: daysMatchEither)
    }

    // MARK: The whole text

    private func macro(_ range: Range<Int>, trimmed: String) throws(CronError) -> CronExpression {
        let nameEnd = text[range].firstIndex { $0 == " " || $0 == "\t" } ?? range.upperBound
        let name = String(text[range.lowerBound..<nameEnd]).lowercased()
        if name == "@reboot" {
            throw CronError(
                message: "@reboot is not supported: a scheduled task runs at times of day; write five fields or \(Self.macroList)",
                offset: range.lowerBound)
        }
        if name == "@every" {
            throw CronError(
                message: "@every is not supported; write a step instead, e.g. \"*/15 * * * *\" for every 15 minutes",
                offset: range.lowerBound)
        }
        guard let fields = Self.macros[name] else {
            throw CronError(message: "unknown macro '\(String(text[range.lowerBound..<nameEnd]))'; write \(Self.macroList), or five fields", offset: range.lowerBound)
        }
        if let extra = text[nameEnd..<range.upperBound].firstIndex(where: { $0 != " " && $0 != "\t" }) {
            throw CronError(message: "\(name) stands alone: remove what follows it, or write five fields instead", offset: extra)
        }
        do {
            let expanded = try CronParser(fields).parse()
            return CronExpression(
                description: trimmed, minutes: expanded.minutes, hours: expanded.hours, daysOfMonth: expanded.daysOfMonth,
                months: expanded.months, daysOfWeek: expanded.daysOfWeek, daysMatchEither: expanded.daysMatchEither)
        } catch {
            // The macros' own fields are valid; this is only reached if that table is wrong.
            throw CronError(message: "\(name) could not be read: \(error.message)", offset: range.lowerBound)
        }
    }

    /// The ranges of the words between spaces and tabs.
    private func words(in range: Range<Int>) -> [Range<Int>] {
        var words: [Range<Int>] = []
        var index = range.lowerBound
        while index < range.upperBound {
            if text[index] == " " || text[index] == "\t" {
                index += 1
                continue
            }
            let start = index
            while index < range.upperBound, text[index] != " ", text[index] != "\t" { index += 1 }
            words.append(start..<index)
        }
        return words
    }

    private func wrongFieldCount(_ words: [Range<Int>], end: Int) -> CronError {
        if words.count > 5 {
            return CronError(
                message: "\(words.count) fields, but a schedule has five: \(Self.fieldList) (seconds and years are not supported)",
                offset: words[5].lowerBound)
        }
        let missing = CronFieldKind.allCases[words.count...].map(\.name).joined(separator: " ")
        return CronError(
            message: "\(words.count) \(words.count == 1 ? "field" : "fields"), but a schedule has five: \(Self.fieldList); missing: \(missing)",
            offset: end)
    }

    /// Rejects a day-of-month that no chosen month has (Vixie cron would accept it and never run).
    private func checkDaysOccur(_ days: CronField, in months: CronField, at offset: Int) throws(CronError) {
        let longest = months.values.map(Gregorian.longestLength(ofMonth:)).max() ?? 31
        guard let firstDay = days.first, firstDay > longest else { return }
        let monthNames = months.values.map { CronFieldKind.month.longNames[$0 - 1].capitalized }
        let dayList = Self.list(days.values.map(String.init), joinedBy: "or")
        let verb = monthNames.count == 1 ? "has" : "have"
        throw CronError(
            message: "never matches: \(Self.list(monthNames, joinedBy: "and")) \(verb) no day \(dayList); choose days that these months have, or other months",
            offset: offset)
    }

    private static func list(_ items: [String], joinedBy word: String) -> String {
        guard items.count > 1, let last = items.last else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " \(word) " + last
    }

    // MARK: One field

    private func field(_ kind: CronFieldKind, _ range: Range<Int>) throws(CronError) -> CronField {
        var field = CronField()
        var itemStart = range.lowerBound
        while true {
            let itemEnd = text[itemStart..<range.upperBound].firstIndex(of: ",") ?? range.upperBound
            guard itemStart < itemEnd else {
                throw CronError(message: "empty item in the \(kind.name) list: remove the extra ','", offset: itemStart)
            }
            try item(kind, itemStart..<itemEnd, into: &field)
            if itemEnd == range.upperBound { return field }
            itemStart = itemEnd + 1
        }
    }

    /// One list item: `*`, `N`, `A-B`, `*/S`, `A-B/S` or `N/S`.
    private func item(_ kind: CronFieldKind, _ range: Range<Int>, into field: inout CronField) throws(CronError) {
        var index = range.lowerBound
        var low = kind.bounds.lowerBound, high = kind.bounds.upperBound
        var isSingleValue = false
        if text[index] == "*" {
            index += 1
        } else {
            low = try value(kind, at: &index, end: range.upperBound)
            high = low
            isSingleValue = true
            if index < range.upperBound, text[index] == "-" {
                index += 1
                let rangeEnd = index
                high = try value(kind, at: &index, end: range.upperBound)
                isSingleValue = false
                guard low <= high else {
                    throw reversed(kind, low: low, high: high, lowText: String(text[range.lowerBound..<rangeEnd - 1]),
                                   highText: String(text[rangeEnd..<index]), at: range.lowerBound)
                }
            }
        }
        var step = 1
        if index < range.upperBound, text[index] == "/" {
            index += 1
            step = try self.step(kind, at: &index, end: range.upperBound)
            if isSingleValue { high = kind.bounds.upperBound }
        }
        if index < range.upperBound {
            throw unexpected(kind, at: index)
        }
        for value in stride(from: low, through: high, by: step) {
            field.insert(kind.stored(value))
        }
    }

    /// A number or a name, checked against the field's range.
    private func value(_ kind: CronFieldKind, at index: inout Int, end: Int) throws(CronError) -> Int {
        let start = index
        while index < end, text[index].isASCII, text[index].isLetter || text[index].isNumber { index += 1 }
        guard start < index else {
            if start == end {
                let previous = start > 0 ? "after '\(text[start - 1])' " : ""
                throw CronError(message: "expected a number \(previous)in the \(kind.name) field, which takes \(kind.accepted)", offset: start)
            }
            throw unexpected(kind, at: start)
        }
        let word = String(text[start..<index])
        if word.allSatisfy(\.isNumber) {
            let significant = word.drop { $0 == "0" }
            guard significant.count <= 2, let number = Int(word), kind.bounds.contains(number) else {
                throw CronError(message: "\(kind.name) \(word) is out of range \(kind.accepted)", offset: start)
            }
            return number
        }
        if let number = kind.value(named: word) { return number }
        throw CronError(message: notAValue(kind, word), offset: start)
    }

    /// Why a word is not a value of the field.
    private func notAValue(_ kind: CronFieldKind, _ word: String) -> String {
        let upper = word.uppercased()
        if kind == .dayOfMonth || kind == .dayOfWeek {
            if upper == "L" || upper == "LW" || (upper.hasSuffix("L") && upper.dropLast().allSatisfy(\.isNumber)) {
                return "'\(word)' (last day) is not supported in a five-field schedule; write day numbers or names"
            }
            if upper.hasSuffix("W") && upper.dropLast().allSatisfy(\.isNumber) {
                return "'\(word)' (nearest weekday) is not supported in a five-field schedule; write day numbers or names"
            }
        }
        if let index = kind.longNames.firstIndex(of: upper) {
            return "write the three-letter name \(kind.names[index]) for '\(word)'"
        }
        for other in [CronFieldKind.month, .dayOfWeek] where other != kind {
            if other.value(named: word) != nil || other.longNames.contains(upper) {
                return "'\(word)' is a \(other == .month ? "month" : "day of the week") name; the \(kind.name) field takes \(kind.accepted)"
            }
        }
        if kind.names.isEmpty {
            return "'\(word)' is not a number; the \(kind.name) field takes \(kind.accepted)"
        }
        return "unknown \(kind == .month ? "month" : "day of the week") '\(word)'; write \(kind.names.joined(separator: ", ")) or \(kind.bounds.lowerBound)-\(kind.bounds.upperBound)"
    }

    private func step(_ kind: CronFieldKind, at index: inout Int, end: Int) throws(CronError) -> Int {
        let start = index
        while index < end, text[index].isASCII, text[index].isNumber { index += 1 }
        guard start < index else {
            if start == end {
                throw CronError(message: "expected a step after '/', e.g. */5", offset: start)
            }
            throw CronError(message: "a step is a whole number, e.g. */5", offset: start)
        }
        let word = String(text[start..<index])
        guard word.drop(while: { $0 == "0" }).count <= 4, let step = Int(word) else {
            throw CronError(message: "step \(word) is longer than the \(kind.name) field's range \(kind.bounds.lowerBound)-\(kind.bounds.upperBound)", offset: start)
        }
        guard step > 0 else {
            throw CronError(message: "step 0 in the \(kind.name) field: a step is at least 1", offset: start)
        }
        return step
    }

    private func reversed(_ kind: CronFieldKind, low: Int, high: Int, lowText: String, highText: String, at offset: Int) -> CronError {
        if kind == .dayOfWeek && low == 7 {
            return CronError(message: "day-of-week range \(lowText)-\(highText) is reversed: 7 is Sunday; write 0-\(highText)", offset: offset)
        }
        let usesNames = kind.value(named: lowText) != nil
        func written(_ value: Int) -> String { usesNames ? (kind.name(of: value) ?? String(value)) : String(value) }
        let top = kind == .dayOfWeek ? 6 : kind.bounds.upperBound
        let wrapped = "\(lowText)-\(written(top)),\(written(kind.bounds.lowerBound))-\(highText)"
        return CronError(
            message: "\(kind.name) range \(lowText)-\(highText) is reversed; ranges go from low to high: write \(highText)-\(lowText), or \(wrapped) to wrap around",
            offset: offset)
    }

    private func unexpected(_ kind: CronFieldKind, at index: Int) -> CronError {
        let character = text[index]
        let message: String
        switch character {
        case "?":
            message = "'?' is not supported in a five-field schedule; write '*' for any"
        case "#":
            message = "'#' (the n-th weekday of the month) is not supported in a five-field schedule"
        case "-":
            message = "unexpected '-' in the \(kind.name) field: a range is A-B with \(kind.accepted)"
        case "/":
            message = "unexpected '/' in the \(kind.name) field: a step follows '*', a number or a range, e.g. */5 or 10-30/5"
        default:
            let shown = character.isWhitespace ? "whitespace" : "'\(character)'"
            message = "unexpected \(shown) in the \(kind.name) field; write *, N, A-B, */S, A-B/S or N/S, or a comma list of these, with \(kind.accepted)"
        }
        return CronError(message: message, offset: index)
    }
}
