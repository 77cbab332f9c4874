import BatchTask
import Foundation

/// How often and how patiently a request that met throttling, a server fault or a dropped connection is tried
/// again: capped exponential backoff with full jitter, or the server's `Retry-After` when it gives one.
public struct RetryPolicy: Sendable, Hashable {
    /// Tries in all, the first included; 1 never retries.
    public var maxAttempts: Int
    /// The backoff cap of the first retry; it doubles with every further one.
    public var baseDelay: Duration
    /// The largest backoff cap.
    public var maxDelay: Duration
    /// The longest `Retry-After` waited for; a server asking for more gets this, so a run never stalls for an hour.
    public var maxRetryAfter: Duration

    public init(
        maxAttempts: Int = 10, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(10),
        maxRetryAfter: Duration = .seconds(60)
    ) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// One attempt, no retries.
    public static let never = RetryPolicy(maxAttempts: 1)

    /// The pause after failed attempt `attempt` (1-based). With a `Retry-After` the server's wish (capped) plus a
    /// little jitter, so clients throttled together do not return together; otherwise full jitter: uniform in
    /// 0...min(maxDelay, baseDelay * 2^(attempt-1)).
    public func delay(afterAttempt attempt: Int, retryAfter: Duration?) -> Duration {
        let base = max(0, Self.seconds(baseDelay))
        if let retryAfter {
            let wanted = min(max(0, Self.seconds(retryAfter)), max(0, Self.seconds(maxRetryAfter)))
            return .seconds(wanted + Double.random(in: 0...max(base, 0.001)))
        }
        // 2^(attempt-1) without pow(): past 2^30 the cap has long been reached anyway.
        let exponent = min(max(attempt - 1, 0), 30)
        let cap = min(max(0, Self.seconds(maxDelay)), base * Double(1 << exponent))
        return .seconds(cap > 0 ? Double.random(in: 0...cap) : 0)
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    /// A `Retry-After` value: delay-seconds, or an HTTP-date (IMF-fixdate, and the obsolete RFC 850 and asctime
    /// forms RFC 9110 still asks recipients to accept). A date in the past means "now"; nil when unreadable.
    static func retryAfter(_ header: String?, now: Date = Date()) -> Duration? {
        guard let text = header?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // Any number past a billion seconds (or past Int) is "a very long time"; the policy caps it anyway.
            return .seconds(min(Int(text) ?? Int.max, 1_000_000_000))
        }
        guard let date = httpDate(text) else { return nil }
        return .seconds(max(0, date - now.timeIntervalSince1970))
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Seconds since 1970 of an HTTP-date. The three forms differ in order and separators but all name the month,
    /// give the time as hh:mm:ss, and put the day before the year.
    static func httpDate(_ text: String) -> Double? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" }).map { $0.lowercased() }
        var month: Int?
        var time: [Int]?
        var numbers: [(value: Int, digits: Int)] = []
        for token in tokens {
            if let index = months.firstIndex(of: token) {
                month = index + 1
            } else if token.contains(":") {
                let parts = token.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 3 else { return nil }
                time = parts
            } else if let value = Int(token) {
                numbers.append((value, token.count))
            }
        }
        guard let month, let time, numbers.count == 2 else { return nil }
        let day = numbers[0].value
        var year = numbers[1].value
        // RFC 850's two-digit years: RFC 9110 says a year that looks more than 50 years ahead is in the past.
        if numbers[1].digits <= 2 { year += year < 70 ? 2000 : 1900 }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        guard (1...9999).contains(year) else { return nil }
        let yearText = String(repeating: "0", count: max(0, 4 - String(year).count)) + String(year)
        let iso = "\(yearText)-\(two(month))-\(two(day))T\(two(time[0])):\(two(time[1])):\(two(time[2]))Z"
        return DotNetDate(iso)?.secondsSince1970
    }
}
