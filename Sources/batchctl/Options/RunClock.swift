import Foundation
import State

/// The time schedules are read at: the system clock, or `BATCHCTL_NOW` (an ISO 8601 time such as
/// `2026-12-02T02:05:00Z`), which is for testing: it lets a test play a schedule forward without waiting for it.
enum RunClock {
    static let variable = "BATCHCTL_NOW"

    static func now() throws -> Date {
        guard let text = ProcessInfo.processInfo.environment[variable], !text.isEmpty else { return Date() }
        guard let date = Timestamp.date(text) else {
            throw CommandFailure("\(variable) is '\(text)', not an ISO 8601 time such as 2026-12-02T02:05:00Z (it is for testing; unset it to use the clock)")
        }
        return date
    }
}
