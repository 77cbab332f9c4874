import Hummingbird

extension HTTPFields {
    /// The first value of a header given by name, case-insensitively; for the API's own headers (`SO-TimeZone`),
    /// which have no predefined `HTTPField.Name`.
    func value(named name: String) -> String? {
        let lowered = name.lowercased()
        return first { $0.name.canonicalName == lowered }?.value
    }
}
