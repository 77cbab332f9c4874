/// The emulator's error answer without its HTTP parts: the codecs linked into this module throw only bad requests.
/// (The real one, in Sources/Emulator/API/APIError.swift, carries a Hummingbird status and headers.)
struct APIError: Error, Sendable, CustomStringConvertible {
    var type: String
    var message: String

    static func badRequest(_ message: String) -> APIError {
        APIError(type: "SoBadRequestException", message: message)
    }

    var description: String { "\(type): \(message)" }
}
