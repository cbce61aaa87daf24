import Foundation
import Logging
import ServiceLifecycle

/// `serve`'s background compaction: a first pass a minute after start, then one a day; stops with
/// the server. A failed pass is logged and tried again the next day.
public struct CompactionService: Service {
    let database: any HubStore
    let retainDays: Int
    let logger: Logger
    let interval: Duration
    let firstDelay: Duration

    public init(
        database: any HubStore, retainDays: Int, logger: Logger, interval: Duration = .seconds(86_400),
        firstDelay: Duration = .seconds(60)
    ) {
        self.database = database
        self.retainDays = retainDays
        self.logger = logger
        self.interval = interval
        self.firstDelay = firstDelay
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var delay = firstDelay
            while !Task.isCancelled {
                do { try await Task.sleep(for: delay) } catch { return }  // shutting down
                delay = interval
                do {
                    let report = try await database.compact(retainDays: retainDays, now: Date(), chunk: 10_000)
                    logger.info(
                        "compacted the change log",
                        metadata: [
                            "compaction.dropped": "\(report.dropped)", "compaction.remaining": "\(report.changeLogAfter)",
                            "compaction.retain_days": "\(retainDays)",
                        ]
                    )
                } catch {
                    logger.error("compaction failed; trying again tomorrow", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
