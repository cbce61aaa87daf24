import BaogongModel
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// How the agent reaches the hub. A protocol so tests can put a fault-injecting double in between.
public protocol SyncTransport: Sendable {
    func sync(_ request: SyncRequest, hub: String, token: String) async throws -> SyncResponse
}

/// HTTP over Foundation's URLSession (libcurl on Linux): one shared session per process.
public struct HTTPSyncTransport: SyncTransport {
    /// The process's one session; connections are reused between batches. It never follows a
    /// redirect: the request carries the store's token, which must go to the configured hub only.
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 60
        configuration.httpMaximumConnectionsPerHost = 2
        return URLSession(configuration: configuration, delegate: RedirectRefusal(), delegateQueue: nil)
    }()

    /// gzip request bodies over this size (and accept gzip answers); 0 turns compression off.
    public var compressAbove: Int

    public init(compressAbove: Int = 1024) { self.compressAbove = compressAbove }

    public func sync(_ request: SyncRequest, hub: String, token: String) async throws -> SyncResponse {
        guard let url = URL(string: hub)?.appendingPathComponent("v1/sync") else {
            throw AgentError(.invalidInput, "hub: '\(hub)' is not a URL")
        }
        var http = URLRequest(url: url)
        http.httpMethod = "POST"
        http.setValue("application/json", forHTTPHeaderField: "Content-Type")
        http.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let body: Data
        do {
            body = try request.jsonData()
        } catch {
            throw AgentError(.invalidInput, "the batch cannot be written as JSON: \(error)")
        }
        if compressAbove > 0 {
            http.setValue("gzip", forHTTPHeaderField: "Accept-Encoding")
        }
        if compressAbove > 0 && body.count > compressAbove {
            http.httpBody = try Gzip.compress(body)
            http.setValue("gzip", forHTTPHeaderField: "Content-Encoding")
        } else {
            http.httpBody = body
        }
        var data: Data
        let response: URLResponse
        do {
            (data, response) = try await Self.session.data(for: http)
        } catch {
            throw AgentError(.hubUnreachable, "hub unreachable at \(hub): \(error.localizedDescription)")
        }
        // libcurl may already have inflated a gzip answer; inflate it here when it has not.
        if Gzip.isCompressed(data) {
            do {
                data = try Gzip.decompress(data, limit: 256 * 1024 * 1024)
            } catch {
                throw AgentError(.hubError, "the hub's answer could not be inflated: \(error)")
            }
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        if (300..<400).contains(status) {
            let location = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Location") ?? "(no Location header)"
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
                let after = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Retry-After") ?? "a few"
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

/// Refuses every redirect, so that the answer itself (3xx with its Location) reaches the agent and the
/// token and batch are never sent to the address a redirect names.
final class RedirectRefusal: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
