import BaogongHub
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// A real hub HTTP server (Hummingbird) inside the bench process, on a loopback port the kernel picks,
/// started the way the demo starts it.
final class InProcessHub: Sendable {
    let database: HubDatabase
    let port: Int
    let url: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(database: HubDatabase, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.database = database
        self.port = port
        self.url = "http://127.0.0.1:\(port)"
        self.group = group
        self.task = task
    }

    static func start(_ database: HubDatabase) async throws -> InProcessHub {
        var logger = Logger(label: "baogong.bench.hub")
        logger.logLevel = .error
        let context = HubContext(database: database, logger: logger)
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
        return InProcessHub(database: database, port: port, group: group, task: task)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
