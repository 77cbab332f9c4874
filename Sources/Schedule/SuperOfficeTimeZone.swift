import Foundation

/// A time zone as the SuperOffice Web API names it in `SO-TimeZone` (api.md v3, "Dates and time zones"): by
/// SuperOffice code (`NO`, `US-NY`, `UTC`) or id (`261`), and, as our choice, by IANA name (`Europe/Oslo`) or fixed
/// offset (`+02:00`, `+0200`, `UTC+2`).
///
/// The codes and ids are the ten api.md lists, each mapped to the IANA zone whose summer-time rules it follows.
public struct SuperOfficeTimeZone: Sendable, Hashable, CustomStringConvertible {
    /// The name as a header carries it: the code for a SuperOffice zone (an id is written as its code), the IANA
    /// name, or the offset as `+hh:mm`.
    public let name: String
    private let zone: TimeZone

    /// SuperOffice's codes, ids and IANA zones (api.md v3: "UTC 1, AU-ACT 36, BD 50, CA-QC 114, DK 140, FR 156,
    /// NO 261, US-CA 425, US-HI 433, US-NY 460").
    public static let known: [(code: String, id: Int, iana: String)] = [
        ("UTC", 1, "UTC"), ("AU-ACT", 36, "Australia/Sydney"), ("BD", 50, "Asia/Dhaka"), ("CA-QC", 114, "America/Toronto"),
        ("DK", 140, "Europe/Copenhagen"), ("FR", 156, "Europe/Paris"), ("NO", 261, "Europe/Oslo"),
        ("US-CA", 425, "America/Los_Angeles"), ("US-HI", 433, "Pacific/Honolulu"), ("US-NY", 460, "America/New_York"),
    ]

    public static let utc = SuperOfficeTimeZone(name: "UTC", zone: TimeZone(secondsFromGMT: 0) ?? .gmt)

    private init(name: String, zone: TimeZone) {
        self.name = name
        self.zone = zone
    }

    /// The zone a name gives, or nil: a SuperOffice code (any case) or id, an IANA name, or a fixed offset up to
    /// ±14:00 (`+02:00`, `+0200`, `-5`, optionally after `UTC` or `GMT`).
    public init?(_ text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        let upper = text.uppercased()
        if let entry = Self.known.first(where: { $0.code == upper || String($0.id) == text }),
           let zone = entry.iana == "UTC" ? TimeZone(secondsFromGMT: 0) : TimeZone(identifier: entry.iana) {
            self.init(name: entry.code, zone: zone)
            return
        }
        if upper == "GMT" || upper == "Z" {
            self = .utc
            return
        }
        if let zone = TimeZoneName.zone(text) {
            self.init(name: text, zone: zone)
            return
        }
        var offsetText = Substring(text)
        if upper.hasPrefix("UTC") || upper.hasPrefix("GMT") { offsetText = offsetText.dropFirst(3) }
        if let minutes = Self.offset(offsetText), let zone = TimeZone(secondsFromGMT: minutes * 60) {
            let sign = minutes < 0 ? "-" : "+"
            let hours = abs(minutes) / 60, rest = abs(minutes) % 60
            self.init(name: sign + (hours < 10 ? "0" : "") + "\(hours):" + (rest < 10 ? "0" : "") + "\(rest)", zone: zone)
            return
        }
        return nil
    }

    public var description: String { name }

    /// The offset from UTC, in minutes, at an instant (ticks of 100 ns since 1970, as `DotNetDate` counts them).
    public func offsetMinutes(atTicks ticks: Int64) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(ticks) / 1e7)) / 60
    }

    /// The offset from UTC, in minutes, of a wall time in this zone (its ticks since 1970 counted as if UTC). A wall
    /// time that a clock change skips or repeats takes the offset in force just before the change.
    public func offsetMinutes(forWallTicks wall: Int64) -> Int {
        let ticksPerMinute: Int64 = 600_000_000
        let first = offsetMinutes(atTicks: wall)
        let guess = offsetMinutes(atTicks: wall - Int64(first) * ticksPerMinute)
        if guess == first { return first }
        let second = offsetMinutes(atTicks: wall - Int64(guess) * ticksPerMinute)
        // A skipped wall time: clocks move forward, so the offset before the change is the smaller one.
        return second == guess ? guess : min(first, guess)
    }

    /// Names for an error message: the codes with their ids.
    public static var knownList: String {
        known.map { "\($0.code) (\($0.id))" }.joined(separator: ", ")
    }

    /// `±h`, `±hh`, `±hhmm` or `±hh:mm`, up to ±14:00 as .NET allows.
    private static func offset(_ text: Substring) -> Int? {
        guard let sign = text.first, sign == "+" || sign == "-" else { return nil }
        let body = text.dropFirst()
        let digits = body.filter { $0 != ":" }
        guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var hours = 0, minutes = 0
        if digits.count <= 2 {
            guard !body.contains(":"), let h = Int(digits) else { return nil }
            hours = h
        } else {
            guard digits.count == 4, let h = Int(digits.prefix(2)), let m = Int(digits.suffix(2)) else { return nil }
            if body.contains(":") { guard body.count == 5, body[body.index(body.startIndex, offsetBy: 2)] == ":" else { return nil } }
            hours = h
            minutes = m
        }
        guard minutes < 60, hours * 60 + minutes <= 14 * 60 else { return nil }
        return (sign == "-" ? -1 : 1) * (hours * 60 + minutes)
    }
}

/// The `SO-TimeZone` header: a zone, and whether answers carry their offset (`, includeTZOffset`).
public struct TimeZoneHeader: Sendable, Hashable, CustomStringConvertible {
    public var zone: SuperOfficeTimeZone
    public var includesOffset: Bool

    public init(zone: SuperOfficeTimeZone, includesOffset: Bool) {
        self.zone = zone
        self.includesOffset = includesOffset
    }

    /// `US-NY`, `460, includeTZOffset`, `Europe/Oslo,includeTZOffset`: the zone and the flag (any case, any spacing
    /// around the comma). Nil when the zone is unknown or another word follows.
    public init?(_ text: String) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard (1...2).contains(parts.count), let zone = SuperOfficeTimeZone(parts[0]) else { return nil }
        if parts.count == 2 {
            guard parts[1].lowercased() == "includetzoffset" else { return nil }
        }
        self.init(zone: zone, includesOffset: parts.count == 2)
    }

    /// What batchctl sends: the zone, with the offset asked for, so every date it reads is an exact instant.
    public var description: String { includesOffset ? "\(zone.name), includeTZOffset" : zone.name }
}

extension TimeZoneHeader {
    /// `UTC, includeTZOffset`: what batchctl asks for unless a project names a zone.
    public static let standard = TimeZoneHeader(zone: .utc, includesOffset: true)
}
