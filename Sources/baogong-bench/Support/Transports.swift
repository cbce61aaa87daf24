import BaogongAgent
import BaogongModel
import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Wraps a transport and adds up the time spent in it (encode, HTTP, hub, decode), so a sync's
/// wall time splits into transport and agent-side database work.
final class TimingTransport: SyncTransport {
    let inner: any SyncTransport
    private let nanoseconds = Atomic<Int>(0)
    private let calls = Atomic<Int>(0)

    init(_ inner: any SyncTransport) { self.inner = inner }

    var seconds: Double { Double(nanoseconds.load(ordering: .relaxed)) / 1e9 }
    var count: Int { calls.load(ordering: .relaxed) }

    func sync(_ request: SyncRequest, to hub: HubEndpoint) async throws -> SyncResponse {
        let start = ContinuousClock.now
        defer {
            let d = (ContinuousClock.now - start).components
            nanoseconds.add(Int(d.seconds) * 1_000_000_000 + Int(d.attoseconds / 1_000_000_000), ordering: .relaxed)
            calls.add(1, ordering: .relaxed)
        }
        return try await inner.sync(request, to: hub)
    }
}

/// The same HTTP exchange as the library's `HTTPSyncTransport` (gzip bodies over 1 KB, gzip answers
/// accepted), on a session that allows many
/// connections: the library's one session per process allows 2 per host, which is right for one
/// agent process but would funnel a thousand in-process agents through two sockets. Here each
/// simulated agent gets its own connection, as a thousand agent processes would.
struct WideHTTPTransport: SyncTransport {
    let session: URLSession

    init(connections: Int) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 120
        configuration.httpMaximumConnectionsPerHost = connections
        session = URLSession(configuration: configuration)
    }

    struct Refused: Error, CustomStringConvertible {
        var status: Int
        var body: String
        var description: String { "HTTP \(status): \(body)" }
    }

    func sync(_ request: SyncRequest, to hub: HubEndpoint) async throws -> SyncResponse {
        var http = URLRequest(url: URL(string: hub.url)!.appendingPathComponent("v1/sync"))
        http.httpMethod = "POST"
        http.setValue("application/json", forHTTPHeaderField: "Content-Type")
        http.setValue("Bearer \(hub.token)", forHTTPHeaderField: "Authorization")
        let body = try request.jsonData()
        http.setValue("gzip", forHTTPHeaderField: "Accept-Encoding")
        if body.count > 1024 {
            http.httpBody = try Gzip.compress(body)
            http.setValue("gzip", forHTTPHeaderField: "Content-Encoding")
        } else {
            http.httpBody = body
        }
        var (data, response) = try await session.data(for: http)
        if Gzip.isCompressed(data) { data = try Gzip.decompress(data, limit: 1 << 28) }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else { throw Refused(status: status, body: String(decoding: data.prefix(300), as: UTF8.self)) }
        return try SyncResponse(jsonData: data)
    }
}

/// Plain HTTP GETs for the views scenario.
struct HTTPGetter {
    let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 120
        return URLSession(configuration: configuration)
    }()

    /// The body of a GET that must answer 200.
    func get(_ url: String, bearer: String? = nil) async throws -> Data {
        var request = URLRequest(url: URL(string: url)!)
        if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await session.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else { throw BenchError("GET \(url): HTTP \(status) \(String(decoding: data.prefix(200), as: UTF8.self))") }
        return data
    }
}
