import Foundation
import Logging

/// What a front end was told about the API: its flags, and the environment they fall back on.
public struct EndpointSettings: Sendable {
    /// `--endpoint`: a URL or `embedded`; nil to use `BATCHCTL_ENDPOINT`, else the project's.
    public var endpoint: String?
    /// Seconds one request may take; nil for the project's timeout, else 30.
    public var timeout: Double?
    /// At most this many requests a second.
    public var rateLimit: Double?
    /// Where credentials, `BATCHCTL_ENDPOINT` and `BATCHCTL_LOG` are read.
    public var environment: [String: String]
    /// The sign-in's log: its news at info, its timings at debug (with `BATCHCTL_LOG=debug`).
    public var signInLogger: Logger

    public init(endpoint: String? = nil, timeout: Double? = nil, rateLimit: Double? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                signInLogger: Logger = Logger(label: "batchctl.login", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.endpoint = endpoint
        self.timeout = timeout
        self.rateLimit = rateLimit
        self.environment = environment
        self.signInLogger = signInLogger
    }

    /// `BATCHCTL_LOG=debug`: every request and the sign-in's timings on standard error.
    public var debug: Bool { environment["BATCHCTL_LOG"] == "debug" }
}
