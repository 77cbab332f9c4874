import BatchTask
import Foundation

/// The current instant in DotNetDate ticks; injectable so job timing can be tested without sleeping.
struct EmulatorClock: Sendable {
    let now: @Sendable () -> Int64

    static let system = EmulatorClock {
        DotNetDate(secondsSince1970: Date().timeIntervalSince1970, offsetMinutes: 0).ticksSince1970
    }

    /// Server-written dates are UTC with a numeric offset, as .NET's "o" format writes them.
    static func text(ticks: Int64) -> String {
        DotNetDate(ticksSince1970: ticks, offsetMinutes: 0).text
    }
}
