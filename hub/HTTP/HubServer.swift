import BaogongModel
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import HummingbirdAuth
import HummingbirdTLS
import NIOFoundationEssentialsCompat
import Prometheus

/// The request context of every hub route: the body limit, the API's JSON encoder, and who the
/// caller is once `HubAuthenticator` has read the token (nil on public routes and for strangers).
public struct HubRequestContext: AuthRequestContext, RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Principal?
    /// The client's address (for rate limits), when the transport knows it.
    public let remoteAddress: SocketAddress?
    public var maxUploadSize: Int { HubServerSettings.maxBodyBytes }
    public var responseEncoder: JSONEncoder { JSONResponse.encoder }

    public init(source: Source) {
        coreContext = .init(source: source)
        identity = nil
        remoteAddress = source.channel.remoteAddress
    }
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
    /// Sync bodies held in memory at once (default 64 MiB: four full-size batches).
    public var syncMemory: SyncMemoryBudget
    /// Failed sign-ins per client address (10 per 10 minutes, then 429).
    public var signInThrottle = SignInThrottle()
    /// The server speaks TLS: the session cookie is marked `Secure`, so a browser never sends it
    /// over plain http.
    public var secureCookies = false
    /// The views' last snapshots (nil: every request reads its snapshot afresh).
    public var viewCache: ViewCache? = ViewCache()
    /// Merges each device's pipelined batches in the order it sent them.
    public var syncSequencer = SyncSequencer()

    /// A `Set-Cookie` value for the session cookie (an empty value with max age 0 clears it).
    func sessionCookie(_ value: String, sameSite: String, maxAge: Int) -> String {
        "\(HubServerSettings.sessionCookie)=\(value); Path=/; HttpOnly; SameSite=\(sameSite); Max-Age=\(maxAge)"
            + (secureCookies ? "; Secure" : "")
    }

    public init(database: any HubStore, metrics: HubMetrics = HubMetrics(), logger: Logger,
                viewSettings: ViewSettings = ViewSettings(), clock: @escaping @Sendable () -> Date = { Date() },
                syncMemory: SyncMemoryBudget = SyncMemoryBudget(limit: 64 * 1024 * 1024)) {
        self.syncMemory = syncMemory
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
        // A body refused before it was read in full is not read further: close the connection after
        // the answer, or a client still sending it would wait on a connection nobody reads.
        if response.status == .contentTooLarge || response.status == .serviceUnavailable {
            var closing = response
            closing.headers[.connection] = "close"
            return closing
        }
        return response
    }

    static func map(_ error: any Error) -> HubError {
        switch error {
        case let e as HubError: return e
        case let e as DomainError: return HubError(e)
        case let e as any HTTPResponseError:
            if e.status == .contentTooLarge { return HubError.payloadTooLarge }
            if e.status == .notFound { return HubError.notFound("no such endpoint") }
            if e.status == .badRequest { return HubError.badRequest((e as? HTTPError)?.body ?? "the request is malformed") }
            return HubError(e.status, "http_\(e.status.code)", (e as? HTTPError)?.body ?? e.status.reasonPhrase)
        default:
            return HubError(.internalServerError, "internal", "the hub could not complete the request")
        }
    }
}

/// Builds the hub's router. Routes live in three groups, so a reader sees at once who may call what:
/// public (health, metrics, the API description, sign-in), the store group (`POST /v1/sync`, store
/// tokens only) and the operator groups (reads, views, the dashboard). `HubAuthenticator` reads the
/// caller; each group's context refuses the wrong one; handlers receive the caller's id. A known path
/// asked with a method it has no route for is 405 with `Allow`, from the finished route table.
public func buildHubRouter(_ hub: HubContext) -> Router<HubRequestContext> {
    let router = Router(context: HubRequestContext.self)
    let routes = RouteTable()
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: HubErrorMiddleware(metrics: hub.metrics, logger: hub.logger))
    router.add(middleware: MethodNotAllowedMiddleware(routes: routes))
    addPublicRoutes(to: router, hub)
    let authenticated = router.group().add(middleware: HubAuthenticator(store: hub.database, clock: hub.clock))
    let store = authenticated.group("v1", context: StoreRequestContext.self)
    addSyncRoute(to: store, hub)
    addRestoreRoute(to: store, hub)
    addUpstreamRoute(to: authenticated.group("v1/upstream", context: CountyRequestContext.self), hub)
    addOperatorAPI(to: authenticated.group("v1", context: OperatorRequestContext.self), hub)
    addDashboard(
        to: authenticated.group().add(middleware: SignInRedirect()).group(context: OperatorRequestContext.self), hub
    )
    routes.load(router.routes)
    return router
}

func addPublicRoutes(to router: Router<HubRequestContext>, _ hub: HubContext) {
    router.get("/healthz") { _, _ in ["status": "ok"] }
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
    addSignInRoutes(to: router, hub)
}

/// `POST /v1/sync`: the body is read by `SyncWireFormat`, not by Foundation's coders (5–10× faster
/// per 5,000-record batch, docs/performance.md), and answered gzipped when the agent accepts it.
func addSyncRoute(to group: RouterGroup<StoreRequestContext>, _ hub: HubContext) {
    group.post("sync") { request, context -> Response in
        // A body is JSON (gzipped or not); any other declared type is refused before it is read.
        if let type = request.headers[.contentType]?.lowercased(),
            type.split(separator: ";").first?.trimmingCharacters(in: .whitespaces) != "application/json"
        {
            throw HubError(.unsupportedMediaType, "unsupported_media_type", "Content-Type '\(type)' is not accepted; send application/json")
        }
        // Reserve the body's memory before reading it (the announced length, else the largest allowed).
        let announced = request.headers[.contentLength].flatMap(Int.init) ?? context.maxUploadSize
        let reserved = min(max(announced, 0), context.maxUploadSize)
        guard hub.syncMemory.reserve(reserved) else {
            hub.metrics.refused(code: "busy")
            // Dropped as it arrives (nothing kept), so that the client gets the answer.
            if announced <= 4 * context.maxUploadSize { for try await _ in request.body {} }
            var busy = try HubError(.serviceUnavailable, "busy", "the hub is merging other large batches; try again shortly")
                .response(from: request, context: context)
            busy.headers[.retryAfter] = "2"
            busy.headers[.connection] = "close"
            return busy
        }
        defer { hub.syncMemory.release(reserved) }
        let body = try await readBody(request, context)
        let syncRequest: SyncRequest
        do {
            syncRequest = try SyncRequest(jsonData: try inflatedBody(body, request, context))
        } catch let error as WireFormatError {
            throw HubError.badRequest("malformed sync request: \(error)", code: "malformed_json")
        }
        let now = hub.clock()
        let response: SyncResponse
        do {
            response = try await hub.syncSequencer.inOrder(
                replica: syncRequest.replica, acked: syncRequest.acked, upto: syncRequest.upto
            ) {
                try await hub.database.sync(syncRequest, store: context.store, now: now)
            }
        } catch let error as DomainError where error.code == .clockAhead {
            var refusal = HubError(error)
            refusal.hubTime = Int64(now.timeIntervalSince1970 * 1000)
            throw refusal
        }
        hub.metrics.syncs.increment()
        hub.metrics.changesReceived.increment(by: Int64(syncRequest.changes.count))
        hub.metrics.changesMerged.increment(by: Int64(response.merged))
        hub.logger.debug(
            "sync merged",
            metadata: [
                "sync.store": "\(context.store)", "sync.batch.count": "\(syncRequest.changes.count)",
                "sync.merged": "\(response.merged)",
            ]
        )
        return JSONResponse.make(json: try response.jsonData(), gzipFor: request)
    }
}

/// `POST /v1/upstream/sync` at a city hub: a county hub's batch (docs/protocol.md, "County and city
/// hubs"). JSON, gzipped or not; answered gzipped when the county accepts it.
func addUpstreamRoute(to group: RouterGroup<CountyRequestContext>, _ hub: HubContext) {
    group.post("sync") { request, context -> Response in
        if let type = request.headers[.contentType]?.lowercased(),
            type.split(separator: ";").first?.trimmingCharacters(in: .whitespaces) != "application/json"
        {
            throw HubError(.unsupportedMediaType, "unsupported_media_type", "Content-Type '\(type)' is not accepted; send application/json")
        }
        let body = try await readBody(request, context)
        let upstream: UpstreamRequest
        do {
            upstream = try JSONDecoder().decode(UpstreamRequest.self, from: try inflatedBody(body, request, context))
        } catch DecodingError.keyNotFound(let key, _) {
            throw HubError(.badRequest, "bad_request", "\(key.stringValue) is required", field: key.stringValue)
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw HubError(.badRequest, "bad_request", "\(field.isEmpty ? "the body" : field) has the wrong type", field: field)
        } catch is DecodingError {
            throw HubError.badRequest("malformed upward sync request: not valid JSON", code: "malformed_json")
        }
        let response = try await hub.database.mergeUpstream(upstream, county: context.county, now: hub.clock())
        hub.logger.debug(
            "upward sync merged",
            metadata: [
                "upstream.county": "\(context.county)", "upstream.batch.count": "\(upstream.changes.count)",
                "upstream.merged": "\(response.merged)",
            ]
        )
        return JSONResponse.make(json: try JSONEncoder().encode(response), gzipFor: request)
    }
}

/// `GET /v1/restore?after=SEQ&limit=N`: what the store's own devices wrote, page by page, for a new
/// device replacing a broken one (`baogong-agent init --restore`).
func addRestoreRoute(to group: RouterGroup<StoreRequestContext>, _ hub: HubContext) {
    group.get("restore") { request, context -> Response in
        let query = request.uri.queryParameters
        guard let after = Int64(query.get("after") ?? "0"), after >= 0,
            let limit = Int(query.get("limit") ?? "5000"), (1...SyncProtocol.maxBatchChanges).contains(limit)
        else {
            throw HubError.badRequest(
                "after must be a non-negative integer and limit from 1 to \(SyncProtocol.maxBatchChanges)", code: "invalid_parameter"
            )
        }
        let page = try await hub.database.storeRecords(store: context.store, after: after, limit: limit)
        return JSONResponse.make(json: try page.jsonData(), gzipFor: request)
    }
}

/// Operator reads: the enrolled stores, the fleet's sync status, and record sets page by page.
func addOperatorAPI(to group: RouterGroup<OperatorRequestContext>, _ hub: HubContext) {
    group.get("stores") { _, _ in try await hub.database.listStores() }
    group.get("status") { _, _ in
        try await hub.database.fleetStatus(staleAfter: hub.viewSettings.staleAfter, now: hub.clock())
    }
    group.get("records/{set}") { request, context in
        let name = try context.parameters.require("set")
        guard let schema = RecordSetSchema.named(name) else {
            let known = RecordSetSchema.all.map(\.name).joined(separator: ", ")
            throw HubError.notFound("'\(name)' is not a record set; known: \(known)")
        }
        // Exactly as docs/openapi.json states them: a value out of range is 400, not clamped.
        let after = try Query.integer(request, "after", in: 0...Int64.max, default: 0)
        let limit = Int(try Query.integer(request, "limit", in: 1...10_000, default: 1000))
        let date = try Query.date(request, "date")
        return try await hub.database.records(
            set: schema, store: request.uri.queryParameters.get("store"), date: date, afterSeq: after, limit: limit
        )
    }
    group.get("history") { request, _ -> [RecordWrite] in
        let query = request.uri.queryParameters
        guard let name = query.get("set"), let key = query.get("key"), !key.isEmpty else {
            throw HubError.badRequest("give the record with ?set=SET&key=KEY", code: "missing_parameter")
        }
        guard let schema = RecordSetSchema.named(name) else {
            let known = RecordSetSchema.all.map(\.name).joined(separator: ", ")
            throw HubError.badRequest("'\(name)' is not a record set; known: \(known)", code: "invalid_parameter")
        }
        return try await hub.database.history(set: schema, key: key)
    }
    addViewRoutes(to: group.group("views"), hub)
    addMatchingRoutes(to: group.group("matching"), hub)
    addPassAndDeliveryRoutes(to: group, hub)
}

/// Reads the body up to the limit; an announced length over the limit is refused before reading.
func readBody(_ request: Request, _ context: some RequestContext) async throws -> ByteBuffer {
    try await readBody(request, limit: context.maxUploadSize) { length in
        HubError(.contentTooLarge, "payload_too_large", "request body of \(length.map(String.init) ?? "more than \(context.maxUploadSize)") bytes; at most \(context.maxUploadSize)")
    }
}

/// Reads the body up to `limit` bytes. A body over it is refused with `tooLarge` (given the announced
/// length, or nil for a body without one that went past the limit): when the length is announced,
/// before anything is read.
func readBody(_ request: Request, limit: Int, tooLarge: (Int?) -> HubError) async throws -> ByteBuffer {
    if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
        // Read and drop what the client is sending (up to 4× the largest body the hub takes, without
        // keeping it), so that a client that writes its whole body before reading gets the answer
        // instead of waiting on a connection nobody reads; the answer then closes the connection.
        if length <= 4 * max(limit, HubServerSettings.maxBodyBytes) {
            for try await _ in request.body {}
        }
        throw tooLarge(length)
    }
    do {
        return try await request.body.collect(upTo: limit)
    } catch let error as HTTPError where error.status == .contentTooLarge {
        throw tooLarge(nil)
    }
}

/// The request body as sent, or inflated when it came with `Content-Encoding: gzip` (bounded by the
/// same limit as a plain body, so a small compressed body cannot expand without bound).
func inflatedBody(_ body: ByteBuffer, _ request: Request, _ context: some RequestContext) throws -> Data {
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

/// The hub as a service: the HTTP server with graceful shutdown on SIGTERM/SIGINT.
public func makeHubApplication(
    _ hub: HubContext, host: String, port: Int, tls: HubTLS? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    var hub = hub
    hub.secureCookies = tls != nil
    return Application(
        router: buildHubRouter(hub),
        server: try tls.map { try .tls(.http1(), tlsConfiguration: $0.configuration) } ?? .http1(),
        configuration: .init(address: .hostname(host, port: port), serverName: "baogong-hub"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: hub.logger
    )
}
