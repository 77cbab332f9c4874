import Prometheus
import State
import Synchronization

/// The controller's Prometheus metrics, in a registry of its own (nothing global), written out by `/metrics`.
public final class ControllerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let reconcileSuccess: Counter
    private let reconcileFailure: Counter
    private let reconcileDuration: DurationHistogram
    private let leader: Gauge
    private let lastSuccess: Gauge
    /// Gauges of label sets that may go away (a set that became Synced), to drop them when they do.
    private let setGauges = Mutex<(tasks: [String: Gauge], drifted: [String: Gauge])>(([:], [:]))
    /// The last result of each task's runs, by address, to drop those of tasks that left the state.
    private let resultGauges = Mutex<[String: Gauge]>([:])

    static func name(_ metric: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "batchctl", metricName: metric, unitName: unit, helpText: help)
    }

    static var reconcile: MetricNameDescriptor { name("reconcile", unit: "total", help: "Reconcile cycles, by result (success or failure).") }
    static var duration: MetricNameDescriptor { name("reconcile_duration", unit: "seconds", help: "How long reconcile cycles took.") }
    static var tasks: MetricNameDescriptor { name("tasks", help: "Tasks the manifests hold, by task set, sync status and health.") }
    static var drifted: MetricNameDescriptor { name("drifted_tasks", help: "Tasks changed outside batchctl or gone from the server, by task set.") }
    static var actions: MetricNameDescriptor { name("actions", unit: "total", help: "Actions carried out, by action and result.") }
    static var requests: MetricNameDescriptor { name("api_requests", unit: "total", help: "Attempts of API requests, by method and status code (error: no answer).") }
    static var runs: MetricNameDescriptor { name("runs", unit: "total", help: "Scheduled runs, by result (started, skipped, failed, retried).") }
    static var lastResult: MetricNameDescriptor { name("run_last_result", help: "How the last settled run of each task ended: 0 succeeded, 1 failed, 2 timed out.") }
    static var leaderName: MetricNameDescriptor { name("leader", help: "1 while this controller leads (applies), 0 while another does.") }
    static var lastSuccessName: MetricNameDescriptor { name("last_success_timestamp", unit: "seconds", help: "When the last successful cycle ended, in seconds since 1970.") }

    public init() {
        reconcileSuccess = registry.makeCounter(descriptor: Self.reconcile, labels: [("result", "success")])
        reconcileFailure = registry.makeCounter(descriptor: Self.reconcile, labels: [("result", "failure")])
        reconcileDuration = registry.makeDurationHistogram(
            descriptor: Self.duration, labels: [],
            buckets: [.milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
                      .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(300)])
        leader = registry.makeGauge(descriptor: Self.leaderName)
        lastSuccess = registry.makeGauge(descriptor: Self.lastSuccessName)
        // Every result of the run counter from the start, so a rate over it is defined before the first run.
        for result in RunResult.allCases { _ = registry.makeCounter(descriptor: Self.runs, labels: [("result", result.rawValue)]) }
    }

    func cycle(_ result: CycleSummary.Result, duration: Duration, endedAt seconds: Double) {
        switch result {
        case .success:
            reconcileSuccess.increment()
            lastSuccess.set(to: seconds)
        case .failure:
            reconcileFailure.increment()
        }
        reconcileDuration.record(duration)
    }

    func leading(_ leads: Bool) {
        leader.set(to: leads ? 1 : 0)
    }

    func actions(_ actions: ActionCounts) {
        for (kind, result, count) in actions.entries {
            registry.makeCounter(descriptor: Self.actions, labels: [("action", kind.rawValue), ("result", result.rawValue)])
                .increment(by: Int64(count))
        }
    }

    func runs(_ runs: RunCounts) {
        for (result, count) in runs.counts {
            registry.makeCounter(descriptor: Self.runs, labels: [("result", result.rawValue)]).increment(by: Int64(count))
        }
    }

    /// The last result of each task's runs (by address); series of tasks no longer given are dropped.
    func lastResults(_ results: [String: RunOutcome]) {
        resultGauges.withLock { gauges in
            var kept: [String: Gauge] = [:]
            for (address, outcome) in results {
                let gauge = gauges[address] ?? registry.makeGauge(descriptor: Self.lastResult, labels: [("address", address)])
                gauge.set(to: Self.value(of: outcome))
                kept[address] = gauge
            }
            for (address, gauge) in gauges where kept[address] == nil { registry.unregisterGauge(gauge) }
            gauges = kept
        }
    }

    static func value(of outcome: RunOutcome) -> Double {
        switch outcome {
        case .succeeded: 0
        case .failed: 1
        case .timedOut: 2
        }
    }

    /// One API attempt; `status` nil when no answer came.
    public func request(method: String, status: Int?) {
        registry.makeCounter(descriptor: Self.requests, labels: [("method", method), ("code", status.map(String.init) ?? "error")]).increment()
    }

    /// The per-set gauges for `sets`: one series per set with its current sync and health; series of earlier
    /// statuses are dropped.
    func sets(_ sets: [SetStatus]) {
        setGauges.withLock { gauges in
            var tasks: [String: Gauge] = [:]
            var drifted: [String: Gauge] = [:]
            for set in sets {
                let key = "\(set.name)\u{0}\(set.sync.rawValue)\u{0}\(set.health.rawValue)"
                let gauge = gauges.tasks[key] ?? registry.makeGauge(
                    descriptor: Self.tasks, labels: [("set", set.name), ("sync", set.sync.rawValue), ("health", set.health.rawValue)])
                gauge.set(to: Double(set.taskCount))
                tasks[key] = gauge
                let driftGauge = gauges.drifted[set.name] ?? registry.makeGauge(descriptor: Self.drifted, labels: [("set", set.name)])
                driftGauge.set(to: Double(set.drifted.count))
                drifted[set.name] = driftGauge
            }
            for (key, gauge) in gauges.tasks where tasks[key] == nil { registry.unregisterGauge(gauge) }
            for (key, gauge) in gauges.drifted where drifted[key] == nil { registry.unregisterGauge(gauge) }
            gauges = (tasks, drifted)
        }
    }

    /// The Prometheus text format.
    public func text() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
