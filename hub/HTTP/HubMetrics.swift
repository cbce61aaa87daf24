import Prometheus

/// The hub's Prometheus metrics, on its own registry so several hubs can live in one test process.
public final class HubMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let syncs: Counter
    let changesMerged: Counter
    let changesReceived: Counter
    let requestLatency: DurationHistogram

    public init() {
        syncs = registry.makeCounter(descriptor: Self.name("syncs", "total", "Sync batches accepted."))
        changesMerged = registry.makeCounter(
            descriptor: Self.name("changes_merged", "total", "Changes that altered hub state (replays excluded).")
        )
        changesReceived = registry.makeCounter(descriptor: Self.name("changes_received", "total", "Changes received in sync batches."))
        requestLatency = registry.makeDurationHistogram(
            descriptor: Self.name("request_duration", "seconds", "HTTP request latency."),
            buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                      .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)]
        )
    }

    /// `baogong_<metric>_<unit>`.
    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "baogong", metricName: metric, unitName: unit, helpText: help)
    }

    /// Requests refused, by error code (unauthorized, forbidden, invalid_change, …).
    func refused(code: String) {
        registry.makeCounter(descriptor: Self.name("refusals", "total", "Requests refused, by code."), labels: [("code", code)])
            .increment()
    }

    func responses(status: Int) {
        registry.makeCounter(
            descriptor: Self.name("http_responses", "total", "HTTP responses by status."), labels: [("status", String(status))]
        ).increment()
    }

    public func text() -> String { registry.emitToString() }
}
