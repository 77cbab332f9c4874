import Foundation

/// Times as the state, the journal and the lock write them: ISO 8601, UTC, to the second (`2026-11-29T07:00:00Z`).
public enum Timestamp {
    public static func now() -> String {
        Date.now.ISO8601Format()
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
