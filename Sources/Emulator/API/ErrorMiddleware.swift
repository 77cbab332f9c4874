import Hummingbird
import JSON
import Logging
import NIOHTTP1

/// Outermost middleware: turns every error below it into a response with the API's error body, so no error
/// (Hummingbird's own 404 and 413 included) reaches the client in another shape. A request the server fails on
/// is answered 500 with a fixed message: what went wrong (SQL, file paths) goes to the log, never to the client.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let lost as LostAnswer {
            // Not an error to report: the connection is already closed on purpose.
            throw lost
        } catch let error as APIError {
            return Self.response(error, for: request)
        } catch let error as any HTTPResponseError {
            return Self.response(Self.apiError(from: error), for: request)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPParserError {
            // The body cannot be read (a chunk size that is not hex): the client's mistake, and the connection
            // cannot go on. Hummingbird answers 400 and closes.
            throw error
        } catch {
            context.logger.error("request failed: \(String(describing: error))", metadata: ["path": "\(request.uri.path)"])
            return Self.response(.internalError(Self.internalErrorMessage(error)), for: request)
        }
    }

    /// Our choice: a stored row the emulator cannot read says which row and column (its own words, no SQL); any
    /// other failure says only that there was one.
    static func internalErrorMessage(_ error: any Error) -> String {
        (error as? StorageError)?.description ?? "the emulator failed to answer this request; its log says why"
    }

    static func apiError(from error: any HTTPResponseError) -> APIError {
        let message = (error as? HTTPError)?.body
        switch error.status {
        case .notFound:
            return APIError(status: .notFound, type: "SoNotFoundException", message: message ?? "no such resource")
        case .contentTooLarge:
            return .tooLarge(limit: EmulatorRequestContext.maximumBodySize)
        case .badRequest:
            return .badRequest(message ?? "bad request")
        default:
            return APIError(status: error.status, type: "SoServerException", message: message ?? error.status.reasonPhrase)
        }
    }

    /// Our choice of error body (api.md: the reference shows none), always JSON whatever the Accept.
    static func response(_ error: APIError, for request: Request) -> Response {
        var writer = JSONWriter()
        writer.write([
            "Error": true,
            "ErrorType": .string(error.type),
            "ErrorMessage": .string(error.message),
            // Method and path only: the query or headers could carry something secret.
            "ErrorSource": .string("batchctl serve: \(request.method) \(request.uri.path)"),
        ])
        var headers = error.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: error.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: writer.bytes)))
    }
}
