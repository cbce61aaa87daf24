import Prometheus

/// The hub's Prometheus metrics, on its own registry so several hubs can live in one test process.
public final class HubMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let syncs: Counter
    let changesMerged: Counter
    let changesReceived: Counter
    let requestLatency: DurationHistogram

    public init() {
        syncs = registry.makeCounter(name: "baogong_syncs_total", help: "Sync batches accepted.")
        changesMerged = registry.makeCounter(
            name: "baogong_changes_merged_total", help: "Changes that altered hub state (replays excluded)."
        )
        changesReceived = registry.makeCounter(name: "baogong_changes_received_total", help: "Changes received in sync batches.")
        requestLatency = registry.makeDurationHistogram(
            name: "baogong_request_duration_seconds",
            buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                      .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)],
            help: "HTTP request latency."
        )
    }

    /// Requests refused, by error code (unauthorized, forbidden, invalid_change, …).
    func refused(code: String) {
        registry.makeCounter(name: "baogong_refusals_total", labels: [("code", code)], help: "Requests refused, by code.")
            .increment()
    }

    func responses(status: Int) {
        registry.makeCounter(name: "baogong_http_responses_total", labels: [("status", String(status))],
                             help: "HTTP responses by status.").increment()
    }

    public func text() -> String { registry.emitToString() }
}
