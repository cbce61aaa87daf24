import BaogongModel
import Foundation
import Logging
import ServiceLifecycle

/// `baogong-agent run`: syncs every `interval`, backing off exponentially with jitter while the
/// hub is unreachable. On SIGTERM/SIGINT it lets the batch in flight finish (or be abandoned:
/// either is safe) and stops.
public struct AgentSyncService: Service {
    public let client: SyncClient
    public var interval: Double
    public var maxBackoff: Double
    public var logger: Logger

    public init(client: SyncClient, interval: Double, maxBackoff: Double = 300, logger: Logger) {
        self.client = client
        self.interval = interval
        self.maxBackoff = max(maxBackoff, interval)
        self.logger = logger
    }

    /// Delay before the next attempt after `failures` consecutive failures: interval × 2^failures,
    /// capped, with ±20 % jitter so that stores coming back online at once do not sync in lockstep.
    public static func delay(interval: Double, failures: Int, maxBackoff: Double, jitter: Double) -> Double {
        let base = min(maxBackoff, interval * pow(2, Double(min(failures, 20))))
        return max(0.05, base * (1 + 0.2 * (2 * jitter - 1)))
    }

    public func run() async throws {
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let report = try await client.syncOnce()
                if failures > 0 { logger.info("hub reachable again", metadata: ["sync.sent": "\(report.sent)"]) }
                failures = 0
            } catch {
                failures += 1
                logger.warning(
                    "sync failed; will retry",
                    metadata: ["sync.error": "\((error as? AgentError)?.message ?? "\(error)")", "sync.failures": "\(failures)"]
                )
            }
            let wait = Self.delay(
                interval: interval, failures: failures, maxBackoff: maxBackoff, jitter: Double.random(in: 0...1)
            )
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: .milliseconds(Int(wait * 1000)))
            }
        }
        logger.info("agent stopped")
    }
}
