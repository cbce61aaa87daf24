import BaogongHub
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// A real hub HTTP server (Hummingbird) inside the bench process, on a loopback port the kernel picks,
/// started the way the demo starts it.
final class InProcessHub: Sendable {
    let database: HubDatabase
    let metrics: HubMetrics
    let port: Int
    let url: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(database: HubDatabase, metrics: HubMetrics, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.database = database
        self.metrics = metrics
        self.port = port
        self.url = "http://127.0.0.1:\(port)"
        self.group = group
        self.task = task
    }

    static func start(_ database: HubDatabase) async throws -> InProcessHub {
        var logger = Logger(label: "baogong.bench.hub")
        logger.logLevel = .error
        let metrics = HubMetrics()
        let context = HubContext(database: database, metrics: metrics, logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = makeHubApplication(context, host: "127.0.0.1", port: 0) { bound in
            continuation.yield(bound)
            continuation.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            task.cancel()
            throw BenchError("the in-process hub did not start")
        }
        return InProcessHub(database: database, metrics: metrics, port: port, group: group, task: task)
    }

    /// Total seconds the hub spent handling requests (route handlers, from its /metrics histogram) and
    /// how many it handled.
    func requestTime() -> (seconds: Double, count: Int) {
        var seconds = 0.0
        var count = 0
        for line in metrics.text().split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2 else { continue }
            if parts[0] == "baogong_request_duration_seconds_sum" { seconds = Double(parts[1]) ?? 0 }
            if parts[0] == "baogong_request_duration_seconds_count" { count = Int(Double(parts[1]) ?? 0) }
        }
        return (seconds, count)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
