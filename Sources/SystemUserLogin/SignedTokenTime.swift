import Foundation

/// The time in a `SignedSystemToken` (`<system user token>.<time>.<signature>`): UTC as `yyyyMMddHHmm`.
public enum SignedTokenTime {
    /// `date` as the signer writes it.
    public static func text(_ date: Date) -> String {
        let parts = utcCalendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func padded(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return padded(parts.year, 4) + padded(parts.month, 2) + padded(parts.day, 2) + padded(parts.hour, 2) + padded(parts.minute, 2)
    }

    /// The moment `text` names; nil unless it is twelve digits naming a real minute.
    public static func date(_ text: Substring) -> Date? {
        guard text.count == 12, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let digits = Array(text)
        func number(_ range: Range<Int>) -> Int { Int(String(digits[range])) ?? -1 }
        var components = DateComponents()
        components.year = number(0..<4)
        components.month = number(4..<6)
        components.day = number(6..<8)
        components.hour = number(8..<10)
        components.minute = number(10..<12)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        guard components.isValidDate(in: calendar) else { return nil }
        return calendar.date(from: components)
    }

    private static var utcCalendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar
    }
}
