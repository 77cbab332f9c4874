#if canImport(Glibc)
import DesiredTasks
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import APIClient
import ArgumentParser
import Controller
import Diagnostics
import Dispatch
import Emulator
import Foundation
import Logging
import Manifest
import Schedule
import Session
import State
import Synchronization

/// `batchctl controller`: reconcile continuously, with status, metrics and notifications on `--listen`.
struct ControllerCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Reconcile continuously: plan and apply every --interval, start scheduled runs, and serve status, health and metrics.",
        discussion: """
            Each cycle (after `git pull --ff-only` with --git-pull) reads the manifests, takes the state's lock, plans \
            with a refresh, applies what changed and starts the scheduled runs that are due, then lets go of the lock. \
            A failed cycle is tried again after 2 s, three times longer after each further failure (at most 5 min). \
            SIGHUP or `POST /reconcile` (from this machine) starts a cycle now; SIGTERM stops after the requests in \
            flight. With a PostgreSQL state several controllers may run: one leads and applies, the others serve status.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var input: ManifestInput
    @OptionGroup var endpoint: EndpointOptions
    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var parallelism: ParallelismOption

    @Option(name: .customLong("interval"), help: ArgumentHelp("Time between cycles: 30s, 5m, 1h (default 60s).", valueName: "DURATION"))
    var interval = "60s"

    @Option(name: .customLong("jitter"), help: ArgumentHelp("Each wait varies by up to this fraction of itself, at random (0 to 1; default 0.1).", valueName: "FRACTION"))
    var jitter = 0.1

    @Option(name: .customLong("listen"), help: ArgumentHelp("Where to serve /, /api/status, /metrics, /healthz and /readyz (port 0: a free one).", valueName: "HOST:PORT"))
    var listen = "127.0.0.1:9405"

    @Flag(name: .customLong("detect-only"), help: "Plan and report each cycle; never apply or start runs.")
    var detectOnly = false

    @Flag(name: .customLong("self-heal"), help: "Plan tasks changed or deleted outside batchctl back to what the manifests say (without it, drift is reported).")
    var selfHeal = false

    @Flag(name: .customLong("prune"), help: "Delete managed tasks that left the manifests.")
    var prune = false

    @Flag(name: .customLong("allow-mass-delete"), help: "With --prune, allow a cycle that deletes more than half of the managed tasks.")
    var allowMassDelete = false

    @Flag(name: .customLong("git-pull"), help: "Run `git pull --ff-only` in the project's folder before each cycle; a failed pull fails the cycle.")
    var gitPull = false

    @Option(name: .customLong("refresh"), help: ArgumentHelp("Read the live tasks each cycle, for drift and health.", valueName: "true|false"))
    var refresh = true

    @OptionGroup var refreshRead: RefreshReadOption

    @Option(name: .customLong("notify-url"), help: ArgumentHelp("POST a JSON notification here when a cycle fails, drift is first seen, changes are applied, or a run fails, is retried, times out, misses its slot or is paused (repeatable).", valueName: "URL"))
    var notifyURLs: [String] = []

    @Option(name: .customLong("notify-on"), help: ArgumentHelp("Which notifications to send, comma-separated: on-sync-failed, on-health-degraded, on-deployed and the run triggers on-run-failed, on-run-retry, on-run-timeout, on-run-missed, on-run-paused, on-run-succeeded (default: all but on-run-succeeded).", valueName: "TRIGGER[,TRIGGER...]"))
    var notifyOn: [String] = []

    func validate() throws {
        guard Self.duration(interval) != nil else {
            throw ValidationError("--interval takes a duration such as 30s, 5m or 1h, not '\(interval)'")
        }
        guard (0...1).contains(jitter) else { throw ValidationError("--jitter must be from 0 to 1") }
        guard ListenAddress(parsing: listen) != nil else {
            throw ValidationError("--listen takes HOST:PORT, such as 127.0.0.1:9405, not '\(listen)'")
        }
        for url in notifyURLs {
            do {
                try Notifier.check(url: url)
            } catch {
                throw ValidationError(error.message)
            }
        }
        if !notifyOn.isEmpty && notifyURLs.isEmpty { throw ValidationError("--notify-on chooses what --notify-url is sent; give --notify-url too") }
        _ = try notificationTriggers()
    }

    func notificationTriggers() throws -> NotificationTriggers {
        do {
            return try NotificationTriggers.parse(notifyOn, allowed: NotificationTriggers.controllerTriggers)
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// `30s`, `5m`, `1h30m`, or a number of seconds; at least a second.
    static func duration(_ text: String) -> Duration? {
        DurationText.flag(text, within: 1...DurationText.maximum)
    }

    func execute() async throws {
        let project = try global.enterProject(environment)
        let directory = FileManager.default.currentDirectoryPath
        let session = try endpoint.open(project, state: stateOptions, parallelism: parallelism.value)
        let backend = session.backend
        let workspace = StateSettings.workspace(of: project)
        let period = Self.duration(interval) ?? .seconds(60)
        let address = ListenAddress(parsing: listen) ?? ListenAddress(host: "127.0.0.1", port: 9405)
        let logger = Logger(label: "batchctl.controller") { _ in ControllerLogHandler() }
        // As long as an interval (at least 2 s), so a leader that died elsewhere is replaced within two.
        let lease = try await Self.lease(of: backend, duration: max(period, .seconds(2)))

        let metrics = ControllerMetrics()
        let notifier = try Notifier(urls: notifyURLs, triggers: notificationTriggers(), logger: logger)
        let settings = settings(endpoint: session.endpointName, workspace: workspace, period: period, parallelism: session.parallelism)
        try await session.withConnection(observeAttempts: { method, status in metrics.request(method: method, status: status) }) { connection in
            let parts = ControllerParts(
                expand: { [input, environment] in try Self.expand(input: input, environment: environment) },
                now: { try RunClock.now() }, client: connection.client, backend: backend, lease: lease, directory: directory,
                logger: logger)
            let reconciler = Reconciler(settings: settings, parts: parts, notifier: notifier, metrics: metrics)
            let server = try await ControllerServer.start(host: address.host, port: address.port, reconciler: reconciler, logger: logger)
            let shown = ListenAddress(host: address.host, port: server.port)
            Terminal.err("batchctl controller: \(session.endpointName), state \(backend.description), every \(interval)\(lease.allowsReplicas ? "" : " (a state file: this is its one controller)")\n")
            Terminal.err("listening on http://\(shown)\n")
            let signals = await ControllerSignals.install(reconciler: reconciler)
            await reconciler.run()
            await server.stop()
            await notifier.shutdown()
            signals.finished()
        }
        await backend.close()
        Terminal.err("batchctl controller: stopped\n")
    }

    /// The backend's leader lease; a state file's is taken at once, since a second controller of one file is refused.
    private static func lease(of backend: any StateBackend, duration: Duration) async throws -> any LeaderLease {
        let holder = LockInfo.current(operation: "controller")
        guard let lease = backend.leaderLease(holder: holder, duration: duration) else {
            throw CommandFailure("the controller needs a state file or a PostgreSQL state")
        }
        guard !lease.allowsReplicas else { return lease }
        if case .following(let other) = try await lease.acquire() {
            throw CommandFailure("another controller runs for \(backend.description) (pid \(other.pid) on \(other.host), since \(other.created)); a state file has one controller, replicas need a PostgreSQL state")
        }
        return lease
    }

    private func settings(endpoint: String, workspace: String, period: Duration, parallelism: Int) -> ControllerSettings {
        var settings = ControllerSettings(endpoint: endpoint, workspace: workspace)
        settings.interval = period
        settings.jitter = jitter
        settings.detectOnly = detectOnly
        settings.selfHeal = selfHeal
        settings.prune = prune
        settings.allowMassDelete = allowMassDelete
        settings.gitPull = gitPull
        settings.refresh = refresh
        settings.refreshRead = refreshRead.value
        settings.parallelism = parallelism
        let lockTimeout = stateOptions.settings.lockTimeout
        settings.lockTimeout = lockTimeout > .zero ? lockTimeout : .seconds(10)
        return settings
    }

    /// The project's manifests, read afresh (batchctl.yaml too) for each cycle; every error is in the failure.
    static func expand(input: ManifestInput, environment: EnvironmentOption) throws -> ExpansionResult {
        let project: Project
        do {
            project = try GlobalOptions.loadProject(environment)
        } catch {
            throw ControllerFailure(Self.describe(error))
        }
        let result = ManifestEngine.expand(input.options(project: project))
        guard !result.hasErrors else {
            let errors = result.diagnostics.filter { $0.severity == .error }
            let shown = errors.prefix(5).map { TerminalText.escape($0.description) }
            let more = errors.count > 5 ? "; and \(errors.count - 5) more errors" : ""
            // One line, as every message in the log is.
            throw ControllerFailure("the manifests do not validate; nothing was applied: " + shown.joined(separator: "; ") + more)
        }
        return result
    }

    private static func describe(_ error: any Error) -> String {
        TerminalText.escape(Reconciler.message(of: error))
    }
}

/// SIGTERM and SIGINT stop the controller after the requests in flight (leaving by force after 9 s, with the
/// state's lock released); SIGHUP starts a cycle now.
final class ControllerSignals: Sendable {
    private let reconciler: Reconciler
    private let trap = Mutex<SignalTrap?>(nil)
    private let stopping = Mutex(false)
    /// Within 10 s of SIGTERM the process is gone: the cycle has this long to finish what is in flight.
    static let grace: Duration = .seconds(9)

    private init(reconciler: Reconciler) {
        self.reconciler = reconciler
    }

    /// Handles the controller's signals from now until `finished()`.
    static func install(reconciler: Reconciler) async -> ControllerSignals {
        let signals = ControllerSignals(reconciler: reconciler)
        let trap = await SignalTrap.start([.sigterm, .sigint, .sighup]) { [signals] in signals.received($0.rawValue) }
        signals.trap.withLock { $0 = trap }
        return signals
    }

    func finished() {
        trap.withLock { trap in
            trap?.cancel()
            trap = nil
        }
    }

    private func received(_ signalNumber: Int32) {
        if signalNumber == SIGHUP {
            reconciler.reconcileNow()
            return
        }
        let first = stopping.withLock { stopping in
            defer { stopping = true }
            return !stopping
        }
        guard first else {
            Terminal.err("batchctl controller: leaving now; the journal records what was sent\n")
            Self.leave()
        }
        Terminal.err("batchctl controller: stopping after the requests in flight\n")
        reconciler.stop()
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(Int(Self.grace.components.seconds))) {
            Terminal.err("batchctl controller: requests still in flight after \(Self.grace.components.seconds) s; leaving, the journal records what was sent\n")
            Self.leave()
        }
    }

    private static func leave() -> Never {
        _ = HeldLocks.releaseAll(timeout: .milliseconds(800))
        exit(0)
    }
}

/// One line per event on standard error: `2026-12-02T06:00:00Z info: message`, control characters escaped.
struct ControllerLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = ProcessInfo.processInfo.environment["BATCHCTL_LOG"] == "debug" ? .debug : .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        Terminal.err("\(Timestamp.now()) \(event.level): \(TerminalText.escape("\(event.message)"))\n")
    }
}
