import BaogongModel
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOFoundationEssentialsCompat
import Prometheus

/// The request context of every hub route: the body limit, and who the caller is once authenticated.
public struct HubRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var maxUploadSize: Int { HubServerSettings.maxBodyBytes }

    public init(source: Source) { coreContext = .init(source: source) }
}

public enum HubServerSettings {
    /// Largest accepted request body. A full batch of 20,000 stock records is about 4 MB of JSON.
    public static let maxBodyBytes = 16 * 1024 * 1024
    public static let sessionCookie = "baogong_session"
}

/// Everything a route needs, built once per server.
public struct HubContext: Sendable {
    public let database: any HubStore
    public let metrics: HubMetrics
    public let logger: Logger
    public var viewSettings: ViewSettings
    /// The hub's notion of now: the wall clock, or a simulated one in the demo.
    public var clock: @Sendable () -> Date

    public init(database: any HubStore, metrics: HubMetrics = HubMetrics(), logger: Logger,
                viewSettings: ViewSettings = ViewSettings(), clock: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.viewSettings = viewSettings
    }
}

/// Turns every error into a JSON answer with the right status, counts it, and times the request.
/// No header or body is logged, so tokens never reach the log.
struct HubErrorMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let metrics: HubMetrics
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            let hubError = Self.map(error)
            metrics.refused(code: hubError.code)
            if hubError.status.code >= 500 {
                logger.error("request failed", metadata: ["hb.request.path": "\(request.uri.path)", "error": "\(error)"])
            }
            response = try hubError.response(from: request, context: context)
        }
        metrics.requestLatency.record(ContinuousClock.now - start)
        metrics.responses(status: response.status.code)
        return response
    }

    static func map(_ error: any Error) -> HubError {
        switch error {
        case let e as HubError: return e
        case let e as DomainError: return HubError(e)
        case let e as DecodingError: return HubError.badRequest("malformed JSON: \(describe(e))", code: "malformed_json")
        case let e as any HTTPResponseError:
            if e.status == .contentTooLarge {
                return HubError(.contentTooLarge, "payload_too_large", "request body larger than \(HubServerSettings.maxBodyBytes) bytes")
            }
            if e.status == .notFound { return HubError.notFound("no such endpoint") }
            return HubError(e.status, "http_\(e.status.code)", e.status.reasonPhrase)
        default:
            return HubError(.internalServerError, "internal", "the hub could not complete the request")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "" : " at \(p)"
        }
        switch error {
        case .typeMismatch(_, let c): return "wrong type\(path(c)): \(c.debugDescription)"
        case .valueNotFound(_, let c): return "missing value\(path(c))"
        case .keyNotFound(let key, let c): return "missing key '\(key.stringValue)'\(path(c))"
        case .dataCorrupted(let c): return "invalid data\(path(c)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

/// Builds the hub's router: sync, operator reads, views, dashboard, health and metrics.
public func buildHubRouter(_ hub: HubContext) -> Router<HubRequestContext> {
    let router = Router(context: HubRequestContext.self)
    router.add(middleware: HubErrorMiddleware(metrics: hub.metrics, logger: hub.logger))

    router.get("/healthz") { _, _ in try JSONResponse.make(["status": "ok"]) }
    router.get("/metrics") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: .init(byteBuffer: ByteBuffer(string: hub.metrics.text()))
        )
    }
    router.get("/openapi.json") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json))
        )
    }

    router.post("/v1/sync") { request, context -> Response in
        let store: String
        switch try await authenticate(request, hub) {
        case .store(let id)?: store = id
        case .operator?: throw HubError(.forbidden, "forbidden", "a store token is required to sync; operator tokens only read")
        case nil: throw HubError.unauthorized
        }
        let body = try await readBody(request, context)
        let syncRequest: SyncRequest
        do {
            syncRequest = try SyncRequest(jsonData: try inflatedBody(body, request, context))
        } catch let error as WireFormatError {
            throw HubError.badRequest("malformed sync request: \(error)", code: "malformed_json")
        }
        let response = try await hub.database.syncAsync(syncRequest, store: store, now: hub.clock())
        hub.metrics.syncs.increment()
        hub.metrics.changesReceived.increment(by: Int64(syncRequest.changes.count))
        hub.metrics.changesMerged.increment(by: Int64(response.merged))
        hub.logger.debug(
            "sync merged",
            metadata: ["sync.store": "\(store)", "sync.batch.count": "\(syncRequest.changes.count)", "sync.merged": "\(response.merged)"]
        )
        return try JSONResponse.make(json: response.jsonData(), gzipFor: request)
    }

    router.get("/v1/stores") { request, _ in
        try await requireOperator(request, hub)
        return try JSONResponse.make(try await offCooperativePool { try hub.database.listStores() })
    }
    router.get("/v1/status") { request, _ in
        try await requireOperator(request, hub)
        let now = hub.clock()
        return try JSONResponse.make(
            try await offCooperativePool { try hub.database.fleetStatus(staleAfter: hub.viewSettings.staleAfter, now: now) }
        )
    }
    router.get("/v1/records/{set}") { request, context in
        try await requireOperator(request, hub)
        let set = try context.parameters.require("set")
        let query = request.uri.queryParameters
        let after = Int64(query.get("after") ?? "0") ?? 0
        let limit = min(max(Int(query.get("limit") ?? "1000") ?? 1000, 1), 10_000)
        let (store, date) = (query.get("store"), query.get("date"))
        return try JSONResponse.make(
            try await offCooperativePool { try hub.database.records(set: set, store: store, date: date, afterSeq: after, limit: limit) }
        )
    }
    addViewRoutes(to: router, hub)
    return router
}

/// Reads the body up to the limit; an announced length over the limit is refused before reading.
func readBody(_ request: Request, _ context: HubRequestContext) async throws -> ByteBuffer {
    if let length = request.headers[.contentLength].flatMap(Int.init), length > context.maxUploadSize {
        throw HubError(.contentTooLarge, "payload_too_large", "request body of \(length) bytes; at most \(context.maxUploadSize)")
    }
    return try await request.body.collect(upTo: context.maxUploadSize)
}

/// The request body as sent, or inflated when it came with `Content-Encoding: gzip` (bounded by the
/// same limit as a plain body, so a small compressed body cannot expand without bound).
func inflatedBody(_ body: ByteBuffer, _ request: Request, _ context: HubRequestContext) throws -> Data {
    let data = Data(buffer: body)
    switch request.headers[.contentEncoding]?.lowercased() {
    case nil, "identity":
        return data
    case "gzip":
        do {
            return try Gzip.decompress(data, limit: context.maxUploadSize)
        } catch let error as Gzip.Failure where error.description.contains("beyond") {
            throw HubError(.contentTooLarge, "payload_too_large", "the gzip body inflates beyond \(context.maxUploadSize) bytes")
        } catch {
            throw HubError.badRequest("the body is not valid gzip", code: "bad_encoding")
        }
    case let other?:
        throw HubError(.unsupportedMediaType, "unsupported_encoding", "Content-Encoding '\(other)' is not supported; use gzip")
    }
}

/// The caller: a bearer token, or for browsers the dashboard session cookie. The lookup is a
/// SQLite read that may wait for a free reader, so it runs off the cooperative pool.
func authenticate(_ request: Request, _ hub: HubContext) async throws -> Principal? {
    if let header = request.headers[.authorization] {
        guard header.lowercased().hasPrefix("bearer ") else { return nil }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        return try await offCooperativePool { try hub.database.authenticate(token: token) }
    }
    if let cookie = request.cookies[HubServerSettings.sessionCookie]?.value {
        let now = hub.clock()
        return try await offCooperativePool { try hub.database.sessionOperator(cookie, now: now) }.map(Principal.operator)
    }
    return nil
}

@discardableResult
func requireOperator(_ request: Request, _ hub: HubContext) async throws -> String {
    switch try await authenticate(request, hub) {
    case .operator(let id)?: return id
    case .store?: throw HubError(.forbidden, "forbidden", "an operator token is required; store tokens may only sync")
    case nil: throw HubError.unauthorized
    }
}

extension HubDatabase {
    /// `sync` off the cooperative thread pool.
    public func syncAsync(_ request: SyncRequest, store: String, now: Date = Date()) async throws -> SyncResponse {
        try await offCooperativePool { try self.sync(request, store: store, now: now) }
    }
}

/// Runs blocking SQLite work on a dispatch thread so that it never stalls Swift's cooperative pool
/// (two threads on a two-core hub), which serves every other request meanwhile.
func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}

/// The hub as a service: the HTTP server with graceful shutdown on SIGTERM/SIGINT.
public func makeHubApplication(
    _ hub: HubContext, host: String, port: Int, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildHubRouter(hub),
        configuration: .init(address: .hostname(host, port: port), serverName: "baogong-hub"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: hub.logger
    )
}
