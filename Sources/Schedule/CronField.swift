/// The values one field of a cron expression matches, as bits: value `v` is bit `v`.
struct CronField: Sendable, Hashable {
    private(set) var bits: UInt64 = 0

    init() {}

    init(_ values: some Sequence<Int>) {
        for value in values { insert(value) }
    }

    mutating func insert(_ value: Int) {
        bits |= 1 << UInt64(value)
    }

    func contains(_ value: Int) -> Bool {
        value >= 0 && value < 64 && bits & (1 << UInt64(value)) != 0
    }

    /// The smallest value in the field that is `value` or more; nil when there is none.
    func first(atOrAfter value: Int) -> Int? {
        guard value < 64 else { return nil }
        let from = UInt64(max(value, 0))
        let rest = (bits >> from) << from
        return rest == 0 ? nil : rest.trailingZeroBitCount
    }

    var values: [Int] { (0..<64).filter(contains) }

    var isEmpty: Bool { bits == 0 }

    var first: Int? { first(atOrAfter: 0) }
}

/// The five fields of a cron expression, in order, with their ranges and names.
enum CronFieldKind: Int, CaseIterable, Sendable {
    case minute, hour, dayOfMonth, month, dayOfWeek

    var name: String {
        switch self {
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }

    /// The numbers the field takes as written; day-of-week 7 is Sunday, like 0.
    var bounds: ClosedRange<Int> {
        switch self {
        case .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    /// The three-letter names the field takes, upper-case, the first for `bounds.lowerBound`'s value (month) or 0 (day of week).
    var names: [String] {
        switch self {
        case .month: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        case .dayOfWeek: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        default: []
        }
    }

    /// The names written out, to recognise "MONDAY" or "january" and point to the short name.
    var longNames: [String] {
        switch self {
        case .month: ["JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER"]
        case .dayOfWeek: ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"]
        default: []
        }
    }

    /// The value of a name (case-insensitive), or nil.
    func value(named name: String) -> Int? {
        names.firstIndex(of: name.uppercased()).map { $0 + (self == .month ? 1 : 0) }
    }

    /// The name to show for a value in a suggestion, as the user would write it.
    func name(of value: Int) -> String? {
        let index = self == .month ? value - 1 : value % 7
        return names.indices.contains(index) ? names[index] : nil
    }

    /// What the field takes, for messages: "0-59", "1-12 or JAN-DEC".
    var accepted: String {
        switch self {
        case .month: "1-12 or JAN-DEC"
        case .dayOfWeek: "0-7 (0 and 7 are Sunday) or SUN-SAT"
        default: "\(bounds.lowerBound)-\(bounds.upperBound)"
        }
    }

    /// The value the field stores for a number as written: day-of-week 7 is stored as 0.
    func stored(_ value: Int) -> Int {
        self == .dayOfWeek && value == 7 ? 0 : value
    }
}
