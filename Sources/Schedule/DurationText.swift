import Foundation

/// Durations as manifests write them: "90s", "30m", "1h", "1h30m", "2d", "1d12h"; units d, h, m, s; each unit at
/// most once, largest first; a positive total; at most 10 years.
public enum DurationText {
    /// Ten years of 365.25 days: 3652d12h.
    public static let maximum: TimeInterval = 315_576_000

    /// The seconds a text stands for, or nil when it is not a duration (``problem(_:)`` says why).
    public static func parse(_ text: String) -> TimeInterval? {
        if case .seconds(let seconds) = read(text) { TimeInterval(seconds) } else { nil }
    }

    /// A command-line flag's duration in seconds: what ``parse(_:)`` reads (`1h30m`), a plain number of seconds
    /// (`90`, `2.5`), or one unit after a decimal number (`1.5h`); space around it is ignored, zero is allowed. Nil
    /// for anything else and for more than ``maximum``: each flag then applies its own bounds and message.
    public static func flag(_ text: String) -> TimeInterval? {
        let text = text.trimmingCharacters(in: .whitespaces)
        let seconds: TimeInterval?
        if let number = Double(text) {
            seconds = number
        } else if let parsed = parse(text) {
            seconds = parsed
        } else if let last = text.last, let unit = units.first(where: { $0.unit == last }), let number = Double(text.dropLast()) {
            seconds = number * TimeInterval(unit.seconds)
        } else {
            seconds = nil
        }
        guard let seconds, seconds.isFinite, seconds >= 0, seconds <= maximum else { return nil }
        return seconds
    }

    /// A command-line flag's duration (as ``flag(_:)`` reads it) within `bounds` seconds, to the millisecond; nil
    /// outside them.
    public static func flag(_ text: String, within bounds: ClosedRange<TimeInterval>) -> Duration? {
        guard let seconds = flag(text), bounds.contains(seconds) else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// The reason a text is not a duration, for an error message ("'1x': unknown unit 'x'; write a number and a
    /// unit: 90s, 30m, 1h, 1h30m, 2d"); nil for a valid duration.
    public static func problem(_ text: String) -> String? {
        if case .problem(let problem) = read(text) { problem } else { nil }
    }

    /// Shortest text for a duration: 5400 -> "1h30m". Whole seconds (rounded), the largest units first, units that
    /// are zero left out; 0 is "0s", and a negative duration gets a "-".
    public static func format(_ seconds: TimeInterval) -> String {
        guard seconds.isFinite, abs(seconds) < 1e15 else { return "\(seconds)s" }
        var rest = Int(seconds.rounded())
        if rest == 0 { return "0s" }
        if rest < 0 { return "-" + format(TimeInterval(-rest)) }
        var text = ""
        for (unit, size) in units where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }

    private static let units: [(unit: Character, seconds: Int)] = [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)]
    private static let examples = "write a number and a unit: 90s, 30m, 1h, 1h30m, 2d"

    private enum Reading {
        case seconds(Int)
        case problem(String)
    }

    private static func read(_ text: String) -> Reading {
        guard !text.isEmpty else { return .problem("empty duration; \(examples)") }
        func problem(_ reason: String) -> Reading { .problem("'\(text)': \(reason)") }
        let characters = Array(text)
        var parts: [(number: Int, unit: Character, seconds: Int)] = []
        var index = 0
        while index < characters.count {
            let numberStart = index
            while index < characters.count, characters[index].isASCII, characters[index].isNumber { index += 1 }
            let digits = String(characters[numberStart..<index])
            let unitStart = index
            while index < characters.count, characters[index].isLetter { index += 1 }
            let unit = String(characters[unitStart..<index])
            if digits.isEmpty && unit.isEmpty {
                switch characters[index] {
                case ".", ",": return problem("write whole numbers, e.g. 1h30m for an hour and a half")
                case " ", "\t": return problem("write the parts without spaces, e.g. 1h30m")
                case "-": return problem("a duration is positive; \(examples)")
                case "+": return problem("write the number without a sign; \(examples)")
                default: return problem("unexpected '\(characters[index])'; \(examples)")
                }
            }
            guard !digits.isEmpty else { return problem("no number before '\(unit)'; \(examples)") }
            guard !unit.isEmpty else {
                if index < characters.count, characters[index] == "." || characters[index] == "," {
                    return problem("write whole numbers, e.g. 1h30m for an hour and a half")
                }
                return problem("no unit after \(digits); \(examples)")
            }
            guard unit.count == 1, let size = units.first(where: { String($0.unit) == unit })?.seconds else {
                return problem("unknown unit '\(unit)'; \(hint(forUnknownUnit: unit))")
            }
            guard digits.count <= 12, let number = Int(digits) else {
                return problem("more than 10 years; the longest duration is \(format(maximum))")
            }
            parts.append((number, Character(unit), size))
        }
        let total = parts.reduce(0) { $0 + $1.number * $1.seconds }
        let sizes = parts.map(\.seconds)
        if Set(sizes).count < sizes.count, let repeated = parts.first(where: { part in sizes.filter { $0 == part.seconds }.count > 1 }) {
            return problem("unit '\(repeated.unit)' is written twice; write each unit once, the largest first\(total > 0 ? ": \(format(TimeInterval(total)))" : "")")
        }
        if sizes != sizes.sorted(by: >) {
            return problem("write the largest unit first\(total > 0 ? ": \(format(TimeInterval(total)))" : "")")
        }
        guard total > 0 else { return problem("a duration must be longer than zero; \(examples)") }
        guard TimeInterval(total) <= maximum else {
            return problem("more than 10 years; the longest duration is \(format(maximum))")
        }
        return .seconds(total)
    }

    private static func hint(forUnknownUnit unit: String) -> String {
        switch unit {
        case "D", "H", "M", "S": "units are lower-case: d, h, m, s"
        case "w", "wk", "week", "weeks": "write weeks as days: 7d"
        case "y", "yr", "year", "years": "write years as days: 365d"
        case "ms": "the smallest unit is s"
        case "min", "mins", "minute", "minutes": "write minutes as m: 30m"
        case "sec", "secs", "second", "seconds": "write seconds as s: 90s"
        case "hr", "hrs", "hour", "hours": "write hours as h: 1h"
        case "day", "days": "write days as d: 2d"
        default: examples
        }
    }
}
