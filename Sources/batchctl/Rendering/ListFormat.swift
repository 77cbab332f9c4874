import ArgumentParser

/// `text` or `json`, for listings.
enum ListFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
