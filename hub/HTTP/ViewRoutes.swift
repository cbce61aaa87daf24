import BaogongModel
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension SupplyView: ResponseEncodable {}
extension ReportingView: ResponseEncodable {}
extension CheckpointView: ResponseEncodable {}
extension RecordWrite: ResponseEncodable {}
extension SupplyByCounty: ResponseEncodable {}
extension ReportingByCounty: ResponseEncodable {}
extension CheckpointsByCounty: ResponseEncodable {}
extension AlertsByCounty: ResponseEncodable {}

/// A city hub's grouping of a view request: `?by=county` (one row per county) and `?county=ID`
/// (one county's stores; with `by=county`, that county's row).
struct CountyScope {
    var byCounty: Bool
    var county: String?

    init(_ request: Request) throws {
        byCounty = try Query.choice(request, "by", ["county"]) != nil
        county = request.uri.queryParameters.get("county")
        if let county {
            do { try HubDatabase.validateCountyID(county, field: "county") } catch { throw HubError.invalidParameter(error) }
        }
    }

    /// The snapshot restricted to the requested county; 404 for a county not enrolled here.
    func apply(_ snapshot: CountySnapshot) throws -> CountySnapshot {
        guard let county else { return snapshot }
        guard snapshot.counties.contains(where: { $0.id == county }) else {
            throw HubError(.notFound, "not_found", "no county '\(county)' is enrolled at this hub", field: "county")
        }
        return snapshot.restricted(toCounty: county)
    }
}

/// Stand-ins for what changes between requests in a page the views' cache keeps: letters and
/// digits only (unchanged by HTML escaping), random per process (no content can hold them).
enum PageMarkers {
    static let asOf = "asof" + Timestamps.randomHex(12)
    static let csrf = "csrf" + Timestamps.randomHex(12)
}

/// The snapshot a view request asks for: `?date=` or the latest date with a report, or today.
func requestedSnapshot(_ request: Request, _ hub: HubContext) async throws -> CountySnapshot {
    try await requestedViews(request, hub).snapshot
}

/// The views of the date a request asks for, from the views' cache when the hub keeps one.
func requestedViews(_ request: Request, _ hub: HubContext) async throws -> CachedViews {
    var requested: CalendarDate?
    if let text = request.uri.queryParameters.get("date") {
        do { requested = try CalendarDate(text) } catch { throw HubError.invalidParameter(error) }
    }
    let now = hub.clock()
    var date = requested
    if date == nil { date = try await hub.database.latestReportDate() }
    let day = date ?? Timestamps.today(now)
    if let cache = hub.viewCache {
        return try await cache.views(date: day, settings: hub.viewSettings, now: now, database: hub.database)
    }
    return CachedViews(snapshot: try await hub.database.snapshot(date: day, settings: hub.viewSettings, now: now))
}

/// `/v1/views/...`: the county views as JSON, for operators.
func addViewRoutes(to group: RouterGroup<OperatorRequestContext>, _ hub: HubContext) {
    group.get("supply") { request, _ in
        // Only mass units convert, written as the catalog writes them.
        let unit = try Query.choice(request, "unit", [CommodityUnit.kg, .jin].map(\.rawValue)).flatMap(CommodityUnit.init(rawValue:))
        let scope = try CountyScope(request)
        let views = try await requestedViews(request, hub)
        if scope.county == nil && !scope.byCounty {
            // The county's own supply view: encoded once per snapshot.
            return JSONResponse.make(encoded: try views.supplyJSON(unit: unit) { try $0.jsonData() })
        }
        let snapshot = try scope.apply(views.snapshot)
        return scope.byCounty ? try JSONResponse.make(snapshot.supplyByCounty(unit: unit)) : try JSONResponse.make(snapshot.supply(unit: unit))
    }
    group.get("alerts") { request, _ in
        let scope = try CountyScope(request)
        let snapshot = try scope.apply(try await requestedSnapshot(request, hub))
        return scope.byCounty ? try JSONResponse.make(snapshot.alertsByCounty()) : try JSONResponse.make(snapshot.alerts())
    }
    group.get("checkpoints") { request, _ in
        let scope = try CountyScope(request)
        let snapshot = try scope.apply(try await requestedSnapshot(request, hub))
        return scope.byCounty ? try JSONResponse.make(snapshot.checkpointsByCounty()) : try JSONResponse.make(snapshot.checkpointTotals())
    }
    group.get("reporting") { request, _ in
        let scope = try CountyScope(request)
        let snapshot = try scope.apply(try await requestedSnapshot(request, hub))
        return scope.byCounty ? try JSONResponse.make(snapshot.reportingByCounty()) : try JSONResponse.make(snapshot.reporting())
    }
    group.get("stores") { request, _ in try await requestedSnapshot(request, hub).storeHistory() }
}

/// The dashboard at `/`, behind `SignInRedirect`: a browser that is not signed in goes to `/login`.
func addDashboard(to group: RouterGroup<OperatorRequestContext>, _ hub: HubContext) {
    group.get("/") { request, context -> Response in
        let language = try Language(parsing: request.uri.queryParameters.get("lang"))
        // At a city hub, `?county=ID` is that county's board (its stores); `?by=county` the city's,
        // whose county table is shown whenever the hub has counties.
        let scope = try CountyScope(request)
        let views = try await requestedViews(request, hub)
        let full = views.snapshot
        let csrf = CSRF.session(of: request).map { CSRF.token(session: $0) }
        guard scope.county == nil else {
            let page = DashboardPage(
                snapshot: try scope.apply(full), language: language, role: context.role, csrfToken: csrf,
                county: full.counties.first { $0.id == scope.county }
            ).render()
            return htmlResponse(page)
        }
        // The board is rendered once per snapshot, language and role; the time and the session's
        // CSRF token are filled in per request.
        let template = views.page("\(language.rawValue)|\(context.role.rawValue)|\(csrf != nil)") {
            DashboardPage(
                snapshot: full, board: views.board, language: language, role: context.role,
                csrfToken: csrf == nil ? nil : PageMarkers.csrf, asOfMarker: PageMarkers.asOf
            ).render()
        }
        var page = template.replacingOccurrences(of: PageMarkers.asOf, with: Timestamps.countyTime(full.asOf))
        if let csrf { page = page.replacingOccurrences(of: PageMarkers.csrf, with: csrf) }
        return htmlResponse(page)
    }
    addMatchingForm(to: group, hub)
    addPassPage(to: group, hub)
    addHistoryPage(to: group, hub)
}

/// What the sign-in form posts (`application/x-www-form-urlencoded`): `token`.
enum SignInForm {
    /// The largest sign-in form taken: a token is under 100 bytes, and the form is refused (413) long
    /// before it could cost the hub anything, unlike the 16 MiB a sync batch may take.
    static let maxBytes = 4 * 1024
}

/// The sign-in page, the form it posts, and sign-in links. Public: they are how an operator gets a session.
func addSignInRoutes(to router: Router<HubRequestContext>, _ hub: HubContext) {
    addSignOutRoute(to: router, hub)
    @Sendable func refused(_ language: Language) -> Response {
        hub.metrics.refused(code: "unauthorized")
        var response = htmlResponse(SignInPage(language: language, failed: true).render())
        response.status = .unauthorized
        return response
    }

    router.get("/login") { request, _ in
        htmlResponse(SignInPage(language: try Language(parsing: request.uri.queryParameters.get("lang")), failed: false).render())
    }
    // A sign-in link (`baogong-hub` prints one with the demo): a single-use code, good for 10 minutes,
    // exchanged for a fresh session id that only this browser receives. It carries no token, and a
    // link visited twice (or planted in another browser) gives nothing the second time.
    router.get("/login/session/{id}") { request, context -> Response in
        let language = try Language(parsing: request.uri.queryParameters.get("lang"))
        let code = try context.parameters.require("id")
        let date = try Query.date(request, "date")
        guard let session = try await hub.database.redeemSignInLink(code, lifetime: 12 * 3600, now: hub.clock()) else {
            return refused(language)
        }
        var target = "/?lang=\(language.rawValue)"
        if let date { target += "&date=\(date)" }
        return Response(
            status: .seeOther,
            headers: [
                .location: target,
                .setCookie: hub.sessionCookie(session, sameSite: "Lax", maxAge: 43200),
            ]
        )
    }
    router.post("/login") { request, context -> Response in
        let language = try Language(parsing: request.uri.queryParameters.get("lang"))
        try SignInGuard.check(request)
        let address = context.remoteAddress?.ipAddress ?? "unknown"
        if let wait = hub.signInThrottle.retryAfter(address, now: hub.clock()) {
            var refusal = try HubError(.tooManyRequests, "too_many_sign_ins", "too many failed sign-ins from this address; wait \(wait) s")
                .response(from: request, context: context)
            refusal.headers[.retryAfter] = String(wait)
            hub.metrics.refused(code: "too_many_sign_ins")
            return refusal
        }
        let form = try await FormFields.read(request, limit: SignInForm.maxBytes, what: "the sign-in form")
        guard let field = form["token"] else { throw HubError(.badRequest, "bad_request", "the sign-in form has no token", field: "token") }
        let token = field.trimmingCharacters(in: .whitespaces)
        guard let session = try await hub.database.startSession(operatorToken: token, lifetime: 12 * 3600, now: hub.clock())
        else {
            hub.signInThrottle.failed(address, now: hub.clock())
            return refused(language)
        }
        hub.signInThrottle.succeeded(address)
        return Response(
            status: .seeOther,
            headers: [
                .location: "/?lang=\(language.rawValue)",
                .setCookie: hub.sessionCookie(session, sameSite: "Strict", maxAge: 43200),
            ]
        )
    }
}

func htmlResponse(_ page: String) -> Response {
    Response(
        status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
        body: .init(byteBuffer: ByteBuffer(string: page))
    )
}

/// What `POST /login` accepts: the sign-in form of the hub's own page, and nothing another site's page
/// could make a browser send. A form post from another origin is refused (403), as is a body that is
/// not a form (415).
enum SignInGuard {
    static func check(_ request: Request) throws {
        try FormFields.requireFormType(request, what: "the sign-in form")
        if request.headers[HTTPField.Name("Sec-Fetch-Site")!]?.lowercased() == "cross-site" {
            throw HubError(.forbidden, "cross_site", "a sign-in sent from another site's page is refused")
        }
        if let origin = request.headers[HTTPField.Name("Origin")!], origin != "null" {
            let host = request.head.authority ?? ""
            let originHost = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init) ?? ""
            guard !host.isEmpty, originHost.lowercased() == host.lowercased() else {
                throw HubError(.forbidden, "cross_site", "a sign-in from \(origin) is refused: sign in on the hub's own page")
            }
        }
    }
}

/// `POST /logout`: ends the browser's session at the hub and clears its cookie.
func addSignOutRoute(to router: Router<HubRequestContext>, _ hub: HubContext) {
    router.post("/logout") { request, _ -> Response in
        let language = try Language(parsing: request.uri.queryParameters.get("lang"))
        if request.headers[HTTPField.Name("Sec-Fetch-Site")!]?.lowercased() == "cross-site" {
            throw HubError(.forbidden, "cross_site", "a sign-out sent from another site's page is refused")
        }
        if let session = request.cookies[HubServerSettings.sessionCookie]?.value {
            try await hub.database.endSession(session)
        }
        return Response(
            status: .seeOther,
            headers: [
                .location: "/login?lang=\(language.rawValue)",
                .setCookie: hub.sessionCookie("", sameSite: "Strict", maxAge: 0),
            ]
        )
    }
}
