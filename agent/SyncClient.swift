import BaogongModel
import Foundation
import Logging

/// Drains the outbox to the hub in bounded batches and applies what the hub sends down.
///
/// Safe to interrupt anywhere: the hub merges idempotently and the agent only moves its cursors
/// after the hub's answer is stored, so a batch cut short is simply sent again.
public struct SyncClient: Sendable {
    public let database: AgentDatabase
    public let transport: any SyncTransport
    public var batchSize: Int
    public var logger: Logger
    /// The agent's notion of now (the wall clock; simulated in the demo and in tests).
    public var clock: @Sendable () -> Date
    /// Called after each batch with the report so far (`pending` is what is still to send).
    public var progress: (@Sendable (Report) -> Void)?

    public init(
        database: AgentDatabase, transport: any SyncTransport = HTTPSyncTransport(), batchSize: Int = 5_000,
        logger: Logger = Logger(label: "baogong.agent.sync"), clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.clock = clock
        self.transport = transport
        self.batchSize = min(max(1, batchSize), SyncProtocol.maxBatchChanges)
        self.logger = logger
    }

    /// What one `sync` did.
    public struct Report: Sendable, Hashable, Codable {
        public var batches = 0
        public var sent = 0
        public var merged = 0
        public var received = 0
        public var pending: Int64 = 0
        public var cursor: Int64 = 0
        /// Batches sent ahead that the hub did not acknowledge (merged out of order, or failed), and
        /// that were therefore sent again.
        public var sentAgain = 0
        public init() {}
    }

    /// Whether the next batch is sent while the hub merges this one (at most two requests in
    /// flight). The hub merges a store's batches in the order they were sent and acknowledges a batch
    /// only when the one before it is held; a batch that arrives ahead of its predecessor (two hub
    /// processes, a dropped predecessor) is answered with less than it assumed, and is simply sent
    /// again, so the agent's cursors still move strictly in order.
    public var pipelined = true

    /// A batch sent ahead, before the answer to the one before it.
    private struct Flight {
        var request: SyncRequest
        var hub: Int
        var answer: Task<SyncResponse, any Error>
    }

    private func send(_ request: SyncRequest, to hub: HubEndpoint) -> Task<SyncResponse, any Error> {
        let transport = self.transport
        return Task { try await transport.sync(request, to: hub) }
    }

    /// Syncs until nothing is pending and the hub has nothing more; throws on the first failure
    /// (after recording it for `status`).
    public func syncOnce() async throws -> Report {
        var report = Report()
        let identity = try await database.identity()
        do {
            // An agent configured before this rule (or a database edited by hand) is held to it too.
            for hub in identity.hubs { try HubAddress.validate(hub, allowInsecureHTTP: identity.allowInsecureHTTP) }
        } catch {
            try? await database.recordFailure(error.message, now: clock())
            throw error
        }
        // Several hubs (processes of one county hub on one database): the one in use first, then the
        // others in order; the agent stays with whichever answers.
        let candidates = identity.failoverOrder
        var current = 0
        var recordedHub = identity.hub
        var restarts = 0
        var restamped = false
        var ahead: Flight?
        while true {
            // The batch to settle now: the one sent ahead, or the next from what the hub acknowledged.
            let request: SyncRequest
            let answer: Task<SyncResponse, any Error>
            let sentAhead: Bool
            if let flight = ahead, flight.hub == current {
                (request, answer, sentAhead) = (flight.request, flight.answer, true)
            } else {
                request = try await database.nextBatch(limit: batchSize, now: clock())
                answer = send(request, to: identity.endpoint(candidates[current]))
                sentAhead = false
            }
            ahead = nil
            // While the hub merges it, read and send the batch after it.
            if pipelined && request.pending > 0 && !request.changes.isEmpty {
                let next = try await database.nextBatch(limit: batchSize, now: clock(), after: request.upto)
                ahead = Flight(request: next, hub: current, answer: send(next, to: identity.endpoint(candidates[current])))
            }
            let response: SyncResponse
            do {
                if sentAhead {
                    // A batch sent ahead that failed, or that the hub merged before the one it follows
                    // (so did not acknowledge), is sent again as an ordinary batch: the hub's merge is
                    // idempotent, and errors are dealt with there.
                    guard let answered = try? await answer.value, answered.acked >= request.upto else {
                        logger.debug("a batch sent ahead was not acknowledged; sending it again", metadata: ["sync.upto": "\(request.upto)"])
                        ahead = nil
                        report.sentAgain += 1
                        continue
                    }
                    response = answered
                } else {
                    response = try await answer.value
                    if candidates[current] != recordedHub {
                        try await database.useHub(candidates[current])
                        recordedHub = candidates[current]
                        logger.notice("now syncing with another hub", metadata: ["sync.hub": "\(recordedHub)"])
                    }
                    let restored = request.acked.map { response.acked < $0 } ?? false
                    guard response.acked >= request.upto || restored else {
                        throw AgentError(
                            .hubError, "the hub acknowledged up to \(response.acked) of a batch up to \(request.upto)"
                        )
                    }
                    if restored {
                        ahead = nil  // it assumed what the hub does not hold
                        restarts += 1
                        guard restarts <= 2 else {
                            throw AgentError(.hubError, "the hub keeps acknowledging less than it was sent (\(response.acked))")
                        }
                        logger.warning("the hub holds less than it acknowledged; sending again", metadata: ["sync.acked": "\(response.acked)"])
                    }
                }
                try await database.applyResponse(response, to: request, now: clock())
            } catch let error as AgentError where error.code == .clockAhead && !restamped && error.hubTimeMilliseconds != nil {
                // This device's clock is wrong: take the hub's time, re-stamp what the hub has not
                // acknowledged, and send it again (once).
                ahead = nil
                restamped = true
                let count = try await database.correctClock(hubMilliseconds: error.hubTimeMilliseconds!, localNow: clock())
                logger.warning("clock ahead of the hub's; re-stamped pending changes", metadata: ["sync.restamped": "\(count)"])
                continue
            } catch let error as AgentError
                where (error.code == .hubUnreachable || error.code == .hubError) && current + 1 < candidates.count
            {
                // This hub cannot be reached or failed: the same batch goes to the next one.
                ahead = nil
                logger.warning(
                    "hub failed; trying the next", metadata: ["sync.hub": "\(candidates[current])", "sync.error": "\(error.message)"]
                )
                current += 1
                continue
            } catch {
                let message = (error as? AgentError)?.message ?? "\(error)"
                try? await database.recordFailure(message, now: clock())
                logger.debug("sync failed", metadata: ["sync.error": "\(message)"])
                throw error
            }
            report.batches += 1
            report.sent += request.changes.count
            report.merged += response.merged
            report.received += response.changes.count
            report.cursor = response.cursor
            report.pending = request.pending
            progress?(report)
            logger.debug(
                "batch synced",
                metadata: ["sync.batch.count": "\(request.changes.count)", "sync.pending": "\(request.pending)"]
            )
            let resend = request.acked.map { response.acked < $0 } ?? false
            if request.pending == 0 && !response.more && !resend { break }
        }
        do {
            try await database.compactIfDue(now: clock())
        } catch {
            logger.warning("compaction failed; the sync itself succeeded", metadata: ["error": "\(error)"])
        }
        return report
    }
}
