import Hummingbird

/// An error answer in the API's shape: `{"Error": true, "ErrorType": ..., "ErrorMessage": ..., "ErrorSource": ...}`.
struct APIError: Error, Sendable {
    var status: HTTPResponse.Status
    /// A .NET-style exception name, as the real server reports them (`SoNotFoundException`).
    var type: String
    var message: String
    var headers: HTTPFields = [:]

    static func badRequest(_ message: String) -> APIError {
        APIError(status: .badRequest, type: "SoBadRequestException", message: message)
    }

    static func notFound(id: Int32) -> APIError {
        APIError(status: .notFound, type: "SoNotFoundException", message: "BatchTask id \(id) not found")
    }

    static func unauthorized(_ message: String, challenges: [String]) -> APIError {
        var headers = HTTPFields()
        headers[values: .wwwAuthenticate] = challenges
        return APIError(status: .unauthorized, type: "SoAuthenticationException", message: message, headers: headers)
    }

    /// Our choice of status for a body type or charset the emulator does not read (and 413 below for size).
    static func unsupportedMediaType(_ message: String) -> APIError {
        APIError(status: .unsupportedMediaType, type: "SoUnsupportedMediaTypeException", message: message)
    }

    static func tooLarge(limit: Int) -> APIError {
        APIError(
            status: .contentTooLarge, type: "SoRequestTooLargeException",
            message: "request body larger than \(limit) bytes")
    }

    static func preconditionFailed(_ message: String) -> APIError {
        APIError(status: .preconditionFailed, type: "SoPreconditionFailedException", message: message)
    }

    static func internalError(_ message: String) -> APIError {
        APIError(status: .internalServerError, type: "SoServerException", message: message)
    }
}
