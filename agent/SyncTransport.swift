import BaogongModel
import BaogongTransport
import Foundation


/// Where the agent syncs: the hub's address, the store's token, and the CA to trust for it.
public struct HubEndpoint: Sendable, Hashable {
    public var url: String
    public var token: String
    /// PEM certificates of a county's private CA (`--ca-cert`); nil trusts the system's store.
    public var trustedCertificatesPEM: String?

    public init(url: String, token: String, trustedCertificatesPEM: String? = nil) {
        self.url = url
        self.token = token
        self.trustedCertificatesPEM = trustedCertificatesPEM
    }
}

/// How the agent reaches the hub. A protocol so tests can put a fault-injecting double in between.
public protocol SyncTransport: Sendable {
    func sync(_ request: SyncRequest, to hub: HubEndpoint) async throws -> SyncResponse
    /// A page of the store's own records as the hub holds them (`GET /v1/restore`), for a new device.
    func restore(after seq: Int64, limit: Int, from hub: HubEndpoint) async throws -> SyncResponse
}

extension SyncTransport {
    public func restore(after seq: Int64, limit: Int, from hub: HubEndpoint) async throws -> SyncResponse {
        throw AgentError(.hubError, "this transport cannot restore a device")
    }
}

/// HTTP(S) over the system libcurl (`CurlExchange`): connections reused between batches, the hub's
/// certificate and host name always verified, redirects never followed (the request carries the
/// store's token, which must go to the configured hub only).
public struct HTTPSyncTransport: SyncTransport {
    /// gzip request bodies over this size (and accept gzip answers); 0 turns compression off.
    public var compressAbove: Int

    public init(compressAbove: Int = 1024) { self.compressAbove = compressAbove }

    public func sync(_ request: SyncRequest, to endpoint: HubEndpoint) async throws -> SyncResponse {
        let hub = endpoint.url
        guard URL(string: hub)?.host != nil else {
            throw AgentError(.invalidInput, "hub: '\(hub)' is not a URL")
        }
        var exchange = CurlExchange(url: hub.hasSuffix("/") ? hub + "v1/sync" : hub + "/v1/sync")
        exchange.trustedCertificatesPEM = endpoint.trustedCertificatesPEM
        exchange.acceptGzip = compressAbove > 0
        exchange.headers = ["Content-Type: application/json", "Authorization: Bearer \(endpoint.token)"]
        let body: Data
        do {
            body = try request.jsonData()
        } catch {
            throw AgentError(.invalidInput, "the batch cannot be written as JSON: \(error)")
        }
        if compressAbove > 0 && body.count > compressAbove {
            exchange.body = try Gzip.compress(body)
            exchange.headers.append("Content-Encoding: gzip")
        } else {
            exchange.body = body
        }
        return try await perform(exchange, endpoint)
    }

    public func restore(after seq: Int64, limit: Int, from endpoint: HubEndpoint) async throws -> SyncResponse {
        let hub = endpoint.url
        var exchange = CurlExchange(url: (hub.hasSuffix("/") ? hub : hub + "/") + "v1/restore?after=\(seq)&limit=\(limit)")
        exchange.method = "GET"
        exchange.trustedCertificatesPEM = endpoint.trustedCertificatesPEM
        exchange.acceptGzip = compressAbove > 0
        exchange.headers = ["Authorization: Bearer \(endpoint.token)"]
        return try await perform(exchange, endpoint)
    }

    /// Sends an exchange and reads the hub's answer: a sync response, or an error the clerk can act on.
    private func perform(_ exchange: CurlExchange, _ endpoint: HubEndpoint) async throws -> SyncResponse {
        let hub = endpoint.url
        let answer: CurlExchange.Response
        do {
            answer = try await exchange.perform()
        } catch let failure as CurlExchange.Failure {
            switch failure.kind {
            case .certificate:
                throw AgentError(
                    .tlsRefused,
                    "the hub at \(hub) was refused: \(failure.message)"
                        + (endpoint.trustedCertificatesPEM == nil
                            ? " (a county CA is given with 'baogong-agent config --ca-cert FILE')"
                            : " (checked against the CA given with --ca-cert)")
                )
            case .unreachable, .other:
                throw AgentError(.hubUnreachable, "hub unreachable at \(hub): \(failure.message)")
            }
        }
        var data = answer.body
        let status = answer.status
        // libcurl may already have inflated a gzip answer; inflate it here when it has not.
        if Gzip.isCompressed(data) {
            do {
                data = try Gzip.decompress(data, limit: 256 * 1024 * 1024)
            } catch {
                throw AgentError(.hubError, "the hub's answer could not be inflated: \(error)")
            }
        }
        if (300..<400).contains(status) {
            let location = answer.headers["location"] ?? "(no Location header)"
            throw AgentError(
                .hubError,
                "the hub at \(hub) answered with a redirect (HTTP \(status)) to \(location); the agent does not send its token"
                    + " to another address: if the hub has moved, run 'baogong-agent config --hub URL'"
            )
        }
        guard status == 200 else {
            let body = try? JSONDecoder().decode(ErrorBody.self, from: data)
            let detail = body.map { "\($0.error.message)" } ?? "HTTP \(status)"
            switch status {
            case 401: throw AgentError(.tokenRefused, "token refused by the hub: \(detail)")
            case 403: throw AgentError(.forbidden, "the hub refused the batch: \(detail)")
            case 409 where body?.error.code == "clock_ahead":
                var error = AgentError(.clockAhead, "this device's clock is ahead of the hub's: \(detail)")
                error.hubTimeMilliseconds = body?.error.hubTime
                throw error
            case 409 where body?.error.code == "schema_too_new":
                throw AgentError(.schemaTooNew, "schema too new for the hub: \(detail)")
            case 400..<500: throw AgentError(.rejected, "the hub rejected the batch (HTTP \(status)): \(detail)")
            case 503:
                // Busy (too many large batches at once): like an unreachable hub, retried later.
                let after = answer.headers["retry-after"] ?? "a few"
                throw AgentError(.hubUnreachable, "hub busy, retry in \(after) s: \(detail)")
            default: throw AgentError(.hubError, "the hub failed (HTTP \(status)): \(detail)")
            }
        }
        do {
            return try SyncResponse(jsonData: data)
        } catch {
            throw AgentError(.hubError, "the hub's answer is not a sync response: \(error)")
        }
    }
}
