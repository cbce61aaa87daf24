import BaogongModel
import Foundation

/// What a PostgreSQL hub does not do yet. Each refuses with `unsupported` (HTTP 501, CLI exit 1) and
/// changes nothing, rather than answer differently from a SQLite hub. docs/operator.md, "Running on
/// PostgreSQL", lists them; they are the next steps of the PostgreSQL store.
extension PostgresHubStore {
    public func addCounty(id: String, name: String, now: Date) async throws -> String {
        throw unsupported("a city hub (counties)")
    }

    public func listCounties() async throws -> [EnrolledCounty] {
        throw unsupported("a city hub (counties)")
    }

    public func revokeCounty(id: String, now: Date) async throws {
        throw unsupported("a city hub (counties)")
    }

    public func rotateCountyToken(id: String, now: Date) async throws -> String {
        throw unsupported("a city hub (counties)")
    }

    public func mergeUpstream(_ request: UpstreamRequest, county: String, now: Date) async throws -> UpstreamResponse {
        throw unsupported("a city hub (counties)")
    }

    public func setUpstream(url: String, token: String, county: String?, caPEM: String?, allowInsecureHTTP: Bool, now: Date) async throws {
        throw unsupported("syncing upward to a city hub")
    }

    public func clearUpstream() async throws {
        throw unsupported("syncing upward to a city hub")
    }

    /// No city hub can be set on PostgreSQL yet, so none is.
    public func upstreamStatus() async throws -> UpstreamStatus? { nil }

    /// No city hub can be set on PostgreSQL yet: there is never an upward batch.
    public func upstreamBatch(limit: Int, now: Date) async throws -> UpstreamBatch? { nil }

    public func recordUpstreamAnswer(_ response: UpstreamResponse, to batch: UpstreamBatch, now: Date) async throws {
        throw unsupported("syncing upward to a city hub")
    }

    public func recordUpstreamFailure(_ message: String, now: Date) async throws {
        throw unsupported("syncing upward to a city hub")
    }
}
