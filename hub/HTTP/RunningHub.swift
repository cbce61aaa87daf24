import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// A hub HTTP server running inside this process, on a port the kernel picks when asked for port 0:
/// how the demo, the bench and the tests start a real hub on loopback.
public final class RunningHub: Sendable {
    public let port: Int
    public let url: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(port: Int, url: String, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.url = url
        self.group = group
        self.task = task
    }

    /// Starts the server and returns once it listens. `shutdownSignals` (SIGTERM, SIGINT) stop it
    /// gracefully, as `serve` does. With `tls`, it speaks https only and `url` names `localhost`
    /// (the name a test certificate is made for).
    public static func start(
        _ context: HubContext, host: String = "127.0.0.1", port: Int = 0, tls: HubTLS? = nil,
        background: [any Service] = [], shutdownSignals: [UnixSignal] = []
    ) async throws -> RunningHub {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try makeHubApplication(context, host: host, port: port, tls: tls) { bound in
            continuation.yield(bound)
            continuation.finish()
        }
        let group = ServiceGroup(
            configuration: .init(services: [app] + background, gracefulShutdownSignals: shutdownSignals, logger: context.logger)
        )
        let task = Task {
            defer { continuation.finish() }  // a server that fails to bind ends the wait below
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            task.cancel()
            _ = try? await task.value
            throw HubStartError()
        }
        let url = tls == nil ? "http://127.0.0.1:\(bound)" : "https://localhost:\(bound)"
        return RunningHub(port: bound, url: url, group: group, task: task)
    }

    /// Waits until the server has stopped (a shutdown signal, or `stop()`).
    public func wait() async throws { try await task.value }

    /// Stops gracefully: requests in flight finish, then the server closes.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// The hub's HTTP server stopped before it listened (the port is taken, say).
public struct HubStartError: Error, CustomStringConvertible {
    public var description: String { "the hub's HTTP server did not start" }
}

extension HubContext {
    /// A context over `database` that logs errors only: for a hub inside a bench or a test.
    public static func quiet(_ database: any HubStore, label: String = "baogong.hub") -> HubContext {
        var logger = Logger(label: label)
        logger.logLevel = .error
        return HubContext(database: database, logger: logger)
    }
}
