import BatchTask
import Foundation
import JSON
import NIOCore
import NIOHTTP1
import Testing

@testable import APIClient

@Suite struct RetryPolicyTests {
    @Test func backoffIsFullJitterUnderADoublingCap() {
        let policy = RetryPolicy(baseDelay: .milliseconds(200), maxDelay: .seconds(1))
        for _ in 0..<200 {
            #expect(policy.delay(afterAttempt: 1, retryAfter: nil) <= .milliseconds(200))
            #expect(policy.delay(afterAttempt: 2, retryAfter: nil) <= .milliseconds(400))
            #expect(policy.delay(afterAttempt: 9, retryAfter: nil) <= .seconds(1))
            #expect(policy.delay(afterAttempt: 1000, retryAfter: nil) >= .zero)
        }
        // Full jitter spreads the waits rather than all waiting the cap.
        let delays = (0..<50).map { _ in policy.delay(afterAttempt: 4, retryAfter: nil) }
        #expect(Set(delays).count > 10)
    }

    @Test func retryAfterIsHonouredAndCapped() {
        let policy = RetryPolicy(baseDelay: .milliseconds(100), maxRetryAfter: .seconds(5))
        for _ in 0..<50 {
            let delay = policy.delay(afterAttempt: 1, retryAfter: .seconds(2))
            #expect(delay >= .seconds(2) && delay <= .milliseconds(2100))
            #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(3600)) <= .milliseconds(5100))
        }
    }

    @Test func retryAfterHeaderForms() throws {
        #expect(RetryPolicy.retryAfter("3") == .seconds(3))
        #expect(RetryPolicy.retryAfter(" 0 ") == .zero)
        #expect(RetryPolicy.retryAfter("99999999999999999999999") == .seconds(1_000_000_000))
        #expect(RetryPolicy.retryAfter(nil) == nil)
        #expect(RetryPolicy.retryAfter("soon") == nil)
        #expect(RetryPolicy.retryAfter("-1") == nil)
        let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT
        for form in ["Sun, 06 Nov 1994 08:49:47 GMT", "Sunday, 06-Nov-94 08:49:47 GMT", "Sun Nov  6 08:49:47 1994"] {
            #expect(RetryPolicy.retryAfter(form, now: now) == .seconds(10), "\(form)")
        }
        #expect(RetryPolicy.retryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now: now) == .zero)
    }
}

@Suite struct EndpointTests {
    @Test func rootsAreNormalised() throws {
        for given in [
            "https://online.example.com/Cust1", "https://online.example.com/Cust1/", "https://online.example.com/Cust1/api/v1",
            " https://online.example.com/Cust1/API/V1/ ",
        ] {
            let endpoint = try Endpoint(given)
            #expect(endpoint.collection == "https://online.example.com/Cust1/api/v1/BatchTask", "\(given)")
        }
        #expect(try Endpoint("http://127.0.0.1:8405").task(7) == "http://127.0.0.1:8405/api/v1/BatchTask/7")
        #expect(try Endpoint("http://[::1]:8405/").root == "http://[::1]:8405")
    }

    @Test(arguments: ["127.0.0.1:8405", "ftp://host", "http://", "http://user:pw@host", "http://host/?x=1", "http://host/#top"])
    func badRootsAreRefused(_ given: String) {
        #expect(throws: ClientError.self) { try Endpoint(given) }
    }

    @Test func nextLinksAlwaysStayOnTheEndpoint() throws {
        let endpoint = try Endpoint("https://online.example.com/Cust1")
        let expected = "https://online.example.com/Cust1/api/v1/BatchTask?$skip=3"
        #expect(endpoint.resolve(link: "https://online.example.com/Cust1/api/v1/BatchTask?$skip=3") == expected)
        // An internal host name behind a proxy, or any other host: the credentials never go there.
        #expect(endpoint.resolve(link: "http://10.0.0.5:8080/api/v1/BatchTask?$skip=3") == expected)
        #expect(endpoint.resolve(link: "/Cust1/api/v1/BatchTask?$skip=3") == expected)
        #expect(endpoint.resolve(link: "BatchTask?$skip=3") == expected)
        #expect(endpoint.resolve(link: "https://elsewhere.example/odata?page=2") == "https://online.example.com/odata?page=2")
    }
}

@Suite struct ResponseDecoderTests {
    static func decoder(capture: LogCapture = LogCapture()) -> ResponseDecoder {
        ResponseDecoder(logger: capture.logger)
    }

    @Test func wellFormedTasksIgnoreUnknownProperties() throws {
        let task = try Self.decoder().task(
            ["Id": 5, "Name": "x", "Created": "2018-06-01T14:34:02.7132229+02:00", "TableRight": .null, "FieldProperties": [:]])
        #expect(task.id == 5)
        #expect(task.created == "2018-06-01T14:34:02.7132229+02:00")
    }

    @Test func datesInEveryFormAreKeptAsTheServerWroteThem() throws {
        // api.md v3: no offset, `Z`, `+hh:mm`, `+hhmm`; compared as instants later, never rewritten here.
        let forms = ["2018-06-01T14:34:02.71", "2018-06-01T15:00:00Z", "2018-06-01T15:00:00+02:00", "2018-06-01T15:00:00-0500"]
        for form in forms {
            let task = try Self.decoder().task(["Id": 5, "Created": .string(form), "LastStarted": .string(form)])
            #expect(task.created == form && task.lastStarted == form)
        }
    }

    @Test func whatIsNoDateIsLeftOutWithOneWarning() throws {
        let capture = LogCapture()
        let decoder = Self.decoder(capture: capture)
        let task = try decoder.task(["Id": 5, "Name": "kept", "Created": "yesterday", "LastStarted": 12])
        #expect(task.name == "kept")
        #expect(task.created == nil && task.lastStarted == nil)
        _ = try decoder.task(["Id": 6, "Created": "2018-06-01 14:34"])
        #expect(capture.lines.filter { $0.hasPrefix("warning") }.count == 1)
        // DateTime.MinValue is .NET's "never".
        let never = try Self.decoder().task(["Id": 7, "LastStarted": "0001-01-01T00:00:00"])
        #expect(never.lastStarted == nil)
    }

    @Test func otherWrongTypesAreStillErrors() {
        #expect(throws: ClientError.self) { try Self.decoder().task(["Id": "five"]) }
        #expect(throws: ClientError.self) { try Self.decoder().task([1, 2]) }
    }

    @Test func errorBodiesBecomeHTTPErrorsWithoutSecrets() {
        let redactor = Redactor(credentials: .ticket("7T:TICKET-VALUE"), appToken: nil)
        let body = ByteBuffer(string: #"{"Error":true,"ErrorType":"SoException","ErrorMessage":"ticket 7T:TICKET-VALUE expired"}"#)
        let error = ResponseDecoder.httpError(.forbidden, headers: [:], body: body, redactor: redactor)
        guard error.status == 403, error.errorType == "SoException", case let message = error.detail else {
            Issue.record("got \(error)")
            return
        }
        #expect(message == "ticket [redacted] expired")

        let html = ResponseDecoder.httpError(.badGateway, headers: [:], body: ByteBuffer(string: "<html>\n  upstream down</html>"), redactor: redactor)
        #expect("\(html)" == "the API answered 502: Bad Gateway: <html> upstream down</html>")
        let moved = ResponseDecoder.httpError(
            .movedPermanently, headers: ["Location": "https://secure.example/"], body: ByteBuffer(), redactor: redactor)
        #expect("\(moved)".contains("redirects to https://secure.example/"))
    }
}

@Suite struct ArchiveRowTests {
    @Test func primaryKeyIsAStringOrANumber() {
        // api.md v3: the slim mode writes `"PrimaryKey": "3"`.
        #expect(ArchiveRow(columns: ["PrimaryKey": "3", "EntityName": "batchtask"]).primaryKey == 3)
        #expect(ArchiveRow(columns: ["PrimaryKey": 4]).primaryKey == 4)
        #expect(ArchiveRow(columns: ["PrimaryKey": "three"]).primaryKey == nil)
        #expect(ArchiveRow(columns: ["PrimaryKey": "99999999999"]).primaryKey == nil)
        #expect(ArchiveRow(columns: [:]).primaryKey == nil)
    }
}
