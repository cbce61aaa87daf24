import BaogongModel
import BaogongTransport
import Foundation
import Logging
import ServiceLifecycle

/// What one upward sync did.
public struct UpstreamReport: Sendable, Hashable, Codable {
    /// Changes sent (a batch resent after a lost answer counts again).
    public var sent: Int
    /// Of those, how many changed something at the city.
    public var merged: Int
    /// Notices received from the city.
    public var notices: Int
    /// Requests made.
    public var requests: Int
    public var pending: Int64
    public var ackedSeq: Int64

    enum CodingKeys: String, CodingKey { case sent, merged, notices, requests, pending, ackedSeq = "acked_seq" }
}

/// A county hub's upward sync: batches of its stores' changes to the city hub until the city holds
/// everything and has sent every notice down. Each answer is recorded before the next batch, so a
/// crash of either hub at any point leaves the county resending at most one batch, which the city
/// merges idempotently.
public struct UpstreamSync: Sendable {
    let database: any HubStore
    let clock: @Sendable () -> Date

    public init(database: any HubStore, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.clock = clock
    }

    /// Syncs until nothing is pending; throws (after recording why) when the city cannot be reached
    /// or refuses. Refused with `not_found` when no upstream is set.
    public func run() async throws -> UpstreamReport {
        var report = UpstreamReport(sent: 0, merged: 0, notices: 0, requests: 0, pending: 0, ackedSeq: 0)
        var stalled = 0
        while true {
            guard let batch = try await database.upstreamBatch(limit: UpstreamProtocol.batchChanges, now: clock()) else {
                throw DomainError(.notFound, field: "upstream", "no city hub is set; run 'baogong-hub upstream set --url URL --token TOKEN'")
            }
            let response: UpstreamResponse
            do {
                response = try await Self.exchange(batch)
            } catch {
                try await database.recordUpstreamFailure((error as? DomainError)?.message ?? "\(error)", now: clock())
                throw error
            }
            try await database.recordUpstreamAnswer(response, to: batch, now: clock())
            report.requests += 1
            report.sent += batch.request.changes.count
            report.merged += response.merged
            report.notices += response.changes.count
            report.ackedSeq = response.acked
            report.pending = batch.request.pending
            let advanced = response.acked >= batch.request.upto
            if !batch.request.changes.isEmpty && !advanced {
                // The city holds less than this hub thought (restored from a backup): resend from there,
                // but do not loop forever on a city that never acknowledges.
                stalled += 1
                guard stalled < 3 else {
                    let message = "the city hub does not acknowledge this hub's changes (it holds up to \(response.acked))"
                    try await database.recordUpstreamFailure(message, now: clock())
                    throw DomainError(.failed, field: "upstream", message)
                }
                continue
            }
            stalled = 0
            // Done when this batch left nothing behind and the city has no more notices to send.
            guard response.more || batch.request.pending > 0 else { break }
        }
        return report
    }

    /// One request to the city hub over libcurl; a refusal or an unreachable city is a `DomainError`.
    static func exchange(_ batch: UpstreamBatch) async throws -> UpstreamResponse {
        let base = batch.endpoint.url
        var exchange = CurlExchange(url: (base.hasSuffix("/") ? base : base + "/") + "v1/upstream/sync")
        exchange.trustedCertificatesPEM = batch.endpoint.trustedCertificatesPEM
        exchange.acceptGzip = true
        exchange.headers = ["Content-Type: application/json", "Authorization: Bearer \(batch.endpoint.token)"]
        let body = try JSONEncoder().encode(batch.request)
        if body.count > 1024 {
            exchange.body = try Gzip.compress(body)
            exchange.headers.append("Content-Encoding: gzip")
        } else {
            exchange.body = body
        }
        let answer: CurlExchange.Response
        do {
            answer = try await exchange.perform()
        } catch let failure as CurlExchange.Failure {
            throw DomainError(.failed, field: "upstream", "city hub unreachable at \(base): \(failure.message)")
        }
        var data = answer.body
        if Gzip.isCompressed(data) { data = try Gzip.decompress(data, limit: 256 * 1024 * 1024) }
        guard answer.status == 200 else {
            let detail = (try? JSONDecoder().decode(ErrorBody.self, from: data)).map(\.error.message) ?? "HTTP \(answer.status)"
            switch answer.status {
            case 401:
                throw DomainError(.forbidden, field: "token", "the city hub at \(base) refused the county token (401): \(detail)")
            case 403:
                throw DomainError(.forbidden, field: "upstream", "the city hub at \(base) refused the batch (403): \(detail)")
            case 400..<500:
                throw DomainError(.invalidValue, field: "upstream", "the city hub at \(base) rejected the batch (HTTP \(answer.status)): \(detail)")
            default:
                throw DomainError(.failed, field: "upstream", "the city hub at \(base) failed (HTTP \(answer.status)): \(detail)")
            }
        }
        do {
            return try JSONDecoder().decode(UpstreamResponse.self, from: data)
        } catch {
            throw DomainError(.failed, field: "upstream", "the city hub's answer is not an upward sync response: \(error)")
        }
    }
}

/// `serve`'s upward sync while an upstream is set: every `interval`, and after a failure again
/// with back-off (doubling up to `maxBackoff`), so a county hub rides out a city hub that is away
/// for days and catches up when it is back. Stops with the server.
public struct UpstreamService: Service {
    let sync: UpstreamSync
    let logger: Logger
    let interval: Duration
    let maxBackoff: Duration

    public init(database: any HubStore, logger: Logger, interval: Duration = .seconds(30), maxBackoff: Duration = .seconds(900)) {
        self.sync = UpstreamSync(database: database)
        self.logger = logger
        self.interval = interval
        self.maxBackoff = maxBackoff
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var delay = Duration.milliseconds(500)
            var failures = 0
            while !Task.isCancelled {
                do { try await Task.sleep(for: delay) } catch { return }
                do {
                    let report = try await sync.run()
                    if failures > 0 { logger.info("upward sync back", metadata: ["upstream.failures": "\(failures)"]) }
                    failures = 0
                    delay = interval
                    if report.sent > 0 || report.notices > 0 {
                        logger.info(
                            "synced upward",
                            metadata: [
                                "upstream.sent": "\(report.sent)", "upstream.merged": "\(report.merged)",
                                "upstream.notices": "\(report.notices)", "upstream.acked_seq": "\(report.ackedSeq)",
                            ]
                        )
                    }
                } catch let error as DomainError where error.code == .notFound && error.field == "upstream" {
                    delay = interval  // no city hub set (yet): look again later
                } catch {
                    failures += 1
                    // 1 s (or the interval, if shorter), then doubling up to maxBackoff, with up to a quarter
                    // more at random so that many county hubs do not all return to a city hub at once.
                    let first = min(1, Self.seconds(interval))
                    let base = min(first * Double(1 << min(failures - 1, 20)), Self.seconds(maxBackoff))
                    delay = .milliseconds(Int64(base * 1000 * Double.random(in: 1...1.25)))
                    logger.warning(
                        "upward sync failed; retrying",
                        metadata: ["error": "\(error)", "upstream.failures": "\(failures)", "upstream.retry_in_s": "\(base)"]
                    )
                }
            }
        }
    }
}
