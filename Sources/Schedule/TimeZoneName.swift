import Diagnostics
import Foundation

/// IANA time zones. `TimeZone(identifier:)` alone accepts things like "GMT+2" or abbreviations; a manifest needs an IANA name.
///
/// A name is accepted when it is "UTC", or has the IANA form Area/Location (Area one of Africa, America, Antarctica,
/// Arctic, Asia, Atlantic, Australia, Europe, Indian, Pacific or Etc; case as written in the tz database) and
/// Foundation knows it. That takes the tz database's current names and its renamed ones (Asia/Calcutta and
/// Asia/Kolkata alike), and refuses abbreviations (CET, PST), offsets (GMT+2, UTC+1) and legacy names (US/Eastern).
public enum TimeZoneName {
    /// The zone for an IANA name ("Europe/Oslo", "UTC"); nil for an unknown name.
    public static func zone(_ name: String) -> TimeZone? {
        if name == "UTC" { return TimeZone(secondsFromGMT: 0) }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, areas.contains(String(parts[0])),
              parts.dropFirst().allSatisfy({ !$0.isEmpty && $0.allSatisfy(isNameCharacter) }) else { return nil }
        return TimeZone(identifier: name)
    }

    /// Up to 3 close known names, for "did you mean" hints ("Europe/Olso" -> ["Europe/Oslo"]), the closest first;
    /// none for a valid name. A city alone ("Oslo", "new york") finds its zone, and an abbreviation its usual zone
    /// ("PST" -> ["America/Los_Angeles"]).
    public static func suggestions(for name: String) -> [String] {
        let wanted = normalized(name)
        guard !wanted.isEmpty, zone(name) == nil else { return [] }
        if utcSpellings.contains(wanted) { return name == "UTC" ? [] : ["UTC"] }
        if let usual = TimeZone.abbreviationDictionary[name.uppercased()], zone(usual) != nil {
            return [usual]
        }
        let spelled = wanted
        let allowed = max(1, min(3, (spelled.unicodeScalars.count + 2) / 4))
        let isCityAlone = !wanted.contains("/")
        var close: [(name: String, distance: Int)] = []
        for candidate in candidates where candidate.name != name {
            var distance = Suggestion.editDistance(spelled, candidate.spelled)
            if isCityAlone {
                distance = min(distance, Suggestion.editDistance(spelled, candidate.city))
            }
            if distance <= allowed { close.append((candidate.name, distance)) }
        }
        close.sort { ($0.distance, $0.name) < ($1.distance, $1.name) }
        // Only names about as close as the closest: a name that differs only in case stands alone.
        let best = close.first?.distance ?? 0
        return close.prefix { $0.distance <= (best == 0 ? 0 : best + 1) }.prefix(3).map(\.name)
    }

    /// The names that suggestions are drawn from: Foundation's list of zones and "UTC".
    public static let knownNames: [String] = {
        var names = Set(TimeZone.knownTimeZoneIdentifiers.filter { zone($0) != nil })
        names.insert("UTC")
        // ICU lists this zone under its old name, Asia/Calcutta, only.
        if zone("Asia/Kolkata") != nil { names.insert("Asia/Kolkata") }
        return names.sorted()
    }()

    /// The known names as compared: normalized, whole and their last part (the city).
    private static let candidates: [(name: String, spelled: String, city: String)] = knownNames.map { name in
        let spelled = normalized(name)
        return (name, spelled, String(spelled.split(separator: "/").last ?? ""))
    }

    private static let areas: Set<String> = [
        "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific", "Etc",
    ]

    private static let utcSpellings: Set<String> = ["utc", "gmt", "z", "zulu", "uct", "universal", "etc/universal", "gmt0", "greenwich"]

    private static func isNameCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "_" || character == "-" || character == "+")
    }

    /// Case and the spelling of spaces do not count: "new york" is close to "America/New_York".
    private static func normalized(_ name: String) -> String {
        name.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: " ", with: "_")
    }
}
