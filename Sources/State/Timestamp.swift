import Foundation
import Synchronization

/// Times as the state, the journal and the lock write them: ISO 8601, UTC, to the second (`2026-11-29T07:00:00Z`).
public enum Timestamp {
    /// The last second formatted: an apply stamps two records per task, thousands a second, and formatting
    /// a date each time was a noticeable part of its work.
    private static let last = Mutex<(second: Int64, text: String)>((-1, ""))

    public static func now() -> String {
        let date = Date.now
        let second = Int64(date.timeIntervalSince1970.rounded(.down))
        if let text = last.withLock({ $0.second == second ? $0.text : nil }) { return text }
        let text = Date(timeIntervalSince1970: Double(second)).ISO8601Format()
        last.withLock { $0 = (second, text) }
        return text
    }

    public static func string(_ date: Date) -> String {
        date.ISO8601Format()
    }

    /// Reads a time written by `now()`; fractional seconds are accepted too.
    public static func date(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
