import BatchTask
import Foundation

/// HTTP-date (RFC 9110 §5.6.7): written as IMF-fixdate, read in all three forms a recipient must accept.
enum HTTPDate {
    private static let formats = [
        "EEE, dd MMM yyyy HH:mm:ss 'GMT'",  // IMF-fixdate
        "EEEE, dd-MMM-yy HH:mm:ss 'GMT'",  // obsolete RFC 850
        "EEE MMM d HH:mm:ss yyyy",  // asctime
    ]

    /// `Sun, 06 Nov 1994 08:49:37 GMT` for an instant in DotNetDate ticks (the fraction is dropped).
    static func text(ticks: Int64) -> String {
        formatter(formats[0]).string(from: Date(timeIntervalSince1970: Double(floorSeconds(ticks))))
    }

    /// Whole seconds since 1970; nil when the text is no HTTP-date (a recipient then ignores the header).
    static func seconds(_ text: String) -> Int64? {
        let trimmed = text.trimmingASCIIWhitespace()
        for format in formats {
            if let date = formatter(format).date(from: trimmed) { return Int64(date.timeIntervalSince1970.rounded(.down)) }
        }
        return nil
    }

    static func floorSeconds(_ ticks: Int64) -> Int64 {
        let (quotient, remainder) = ticks.quotientAndRemainder(dividingBy: DotNetDate.ticksPerSecond)
        return remainder < 0 ? quotient - 1 : quotient
    }

    /// A new formatter per use: DateFormatter is not Sendable, and these headers are rare.
    private static func formatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = format
        return formatter
    }
}
