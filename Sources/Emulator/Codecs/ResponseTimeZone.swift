import BatchTask
import Foundation

/// The `SO-TimeZone` request header: the zone the response's dates are written in. Accepted forms: `UTC`, `GMT`
/// or `Z`; a fixed offset `+02:00`, `+0200`, `+2` or `-05:30`, optionally after `UTC`/`GMT` (`UTC+02:00`); or an
/// IANA zone name such as `Europe/Oslo`, whose offset is taken at each date's own instant (so summer and winter
/// dates differ). SuperOffice's own zone codes (`NOOSL`) are not known here and get 400.
enum ResponseTimeZone: Sendable, Equatable {
    /// No header: dates go out exactly as stored.
    case verbatim
    case fixed(offsetMinutes: Int)
    /// Looked up once per request, not once per date.
    case named(TimeZone)

    static func parse(_ header: String?) throws(APIError) -> ResponseTimeZone {
        guard let header else { return .verbatim }
        let text = header.trimmingASCIIWhitespace()
        if text.isEmpty { return .verbatim }
        let upper = text.uppercased()
        if upper == "UTC" || upper == "GMT" || upper == "Z" { return .fixed(offsetMinutes: 0) }
        var offsetText = Substring(text)
        if upper.hasPrefix("UTC") || upper.hasPrefix("GMT") { offsetText = offsetText.dropFirst(3) }
        if let minutes = offset(offsetText) { return .fixed(offsetMinutes: minutes) }
        if text.contains("/"), let zone = TimeZone(identifier: text) { return .named(zone) }
        throw .badRequest(
            "SO-TimeZone \"\(text.prefix(40))\" is not understood; use UTC, an offset such as +02:00, or an IANA name such as Europe/Oslo")
    }

    /// `±h`, `±hh`, `±hhmm` or `±hh:mm`, up to ±14:00 as .NET allows.
    private static func offset(_ text: Substring) -> Int? {
        guard let sign = text.first, sign == "+" || sign == "-" else { return nil }
        let digits = text.dropFirst().filter { $0 != ":" }
        guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let hours: Int
        var minutes = 0
        if digits.count <= 2 {
            guard text.dropFirst().allSatisfy({ $0 != ":" }), let h = Int(digits) else { return nil }
            hours = h
        } else {
            guard digits.count == 4, let h = Int(digits.prefix(2)), let m = Int(digits.suffix(2)) else { return nil }
            hours = h
            minutes = m
        }
        guard minutes < 60, hours * 60 + minutes <= 14 * 60 else { return nil }
        return (sign == "-" ? -1 : 1) * (hours * 60 + minutes)
    }

    /// The date written in this zone; text that is not a date is returned unchanged.
    func convert(_ text: String) -> String {
        switch self {
        case .verbatim:
            return text
        case .fixed(let minutes):
            guard let date = DotNetDate(text) else { return text }
            return date.converted(toOffsetMinutes: minutes).text
        case .named(let zone):
            guard let date = DotNetDate(text) else { return text }
            let seconds = zone.secondsFromGMT(for: Date(timeIntervalSince1970: date.secondsSince1970))
            return date.converted(toOffsetMinutes: seconds / 60).text
        }
    }

    func convert(_ task: BatchTaskInfo) -> BatchTaskInfo {
        guard self != .verbatim else { return task }
        var task = task
        task.created = task.created.map(convert)
        task.lastStarted = task.lastStarted.map(convert)
        return task
    }
}
