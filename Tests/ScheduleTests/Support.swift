import Foundation
import Schedule
import Testing

/// An instant written as an ISO 8601 UTC literal, e.g. "2026-03-29T01:00:00Z".
func instant(_ text: String) throws -> Date {
    try Date(text, strategy: .iso8601)
}

/// An instant as the same kind of literal, so that expectations read as written and failures print readably.
func iso(_ date: Date?) -> String? {
    date?.formatted(.iso8601)
}

func zone(_ identifier: String) throws -> TimeZone {
    try #require(TimeZone(identifier: identifier))
}

/// The first `count` slots of `expression` after `start`, as UTC literals.
func slots(_ expression: String, after start: String, in zoneName: String = "UTC", count: Int = 1) throws -> [String] {
    let cron = try CronExpression(parsing: expression)
    let timeZone = try zone(zoneName)
    var found: [String] = []
    var cursor = try instant(start)
    for _ in 0..<count {
        guard let next = cron.next(after: cursor, in: timeZone), let text = iso(next) else { break }
        found.append(text)
        cursor = next
    }
    return found
}

/// The error `CronExpression(parsing:)` throws for `text`, or nil when it parses.
func cronError(_ text: String) -> CronError? {
    do {
        _ = try CronExpression(parsing: text)
        return nil
    } catch {
        return error
    }
}
