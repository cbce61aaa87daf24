import BaogongModel
import Foundation
import HTTPTypes
import Hummingbird

/// `/v1/views/...` (JSON) and the dashboard at `/` with its sign-in form. Operator access only.
func addViewRoutes(to router: Router<HubRequestContext>, _ hub: HubContext) {
    @Sendable func snapshot(_ request: Request) async throws -> CountySnapshot {
        let query = request.uri.queryParameters
        var requested: CalendarDate?
        if let text = query.get("date") {
            do { requested = try CalendarDate(text) } catch { throw HubError.invalidParameter(error) }
        }
        let now = hub.clock()
        return try await offCooperativePool { [requested] in
            let date = try requested ?? hub.database.latestReportDate() ?? Timestamps.today(now)
            return try hub.database.snapshot(date: date, settings: hub.viewSettings, now: now)
        }
    }

    router.get("/v1/views/supply") { request, _ in
        try await requireOperator(request, hub)
        var unit: CommodityUnit?
        if let text = request.uri.queryParameters.get("unit") {
            do throws(DomainError) {
                unit = try CommodityUnit(parsing: text)
                guard unit?.kilograms != nil else {
                    throw DomainError(.invalidValue, field: "unit", "only mass units convert: use kg or jin")
                }
            } catch {
                throw HubError.invalidParameter(error)
            }
        }
        return try JSONResponse.make(try await snapshot(request).supply(unit: unit))
    }
    router.get("/v1/views/alerts") { request, _ in
        try await requireOperator(request, hub)
        return try JSONResponse.make(try await snapshot(request).alerts())
    }
    router.get("/v1/views/checkpoints") { request, _ in
        try await requireOperator(request, hub)
        return try JSONResponse.make(try await snapshot(request).checkpointTotals())
    }
    router.get("/v1/views/reporting") { request, _ in
        try await requireOperator(request, hub)
        return try JSONResponse.make(try await snapshot(request).reporting())
    }
    router.get("/v1/views/stores") { request, _ in
        try await requireOperator(request, hub)
        return try JSONResponse.make(try await snapshot(request).storeHistory())
    }

    router.get("/") { request, _ -> Response in
        let language = try Language(parsing: request.uri.queryParameters.get("lang"))
        guard case .operator? = try await authenticate(request, hub) else {
            return Response(status: .seeOther, headers: [.location: "/login?lang=\(language.rawValue)"])
        }
        let page = DashboardPage(snapshot: try await snapshot(request), language: language).render()
        return htmlResponse(page)
    }
    router.get("/login") { request, _ in
        htmlResponse(SignInPage(language: try Language(parsing: request.uri.queryParameters.get("lang")), failed: false).render())
    }
    // A sign-in link: an existing session id in the path (the demo prints one, tests use one), so a
    // browser can open the dashboard without typing a token. It carries no token and expires with the session.
    router.get("/login/session/{id}") { request, context -> Response in
        let language = try Language(parsing: request.uri.queryParameters.get("lang"))
        let id = try context.parameters.require("id")
        let now = hub.clock()
        guard let expires = try await offCooperativePool({ try hub.database.sessionExpiry(id, now: now) }) else {
            hub.metrics.refused(code: "unauthorized")
            var response = htmlResponse(SignInPage(language: language, failed: true).render())
            response.status = .unauthorized
            return response
        }
        var target = "/?lang=\(language.rawValue)"
        if let date = request.uri.queryParameters.get("date"), (try? CalendarDate(date)) != nil { target += "&date=\(date)" }
        return Response(
            status: .seeOther,
            headers: [
                .location: target,
                .setCookie: "\(HubServerSettings.sessionCookie)=\(id); Path=/; HttpOnly; SameSite=Lax; Max-Age=\(Int(expires.timeIntervalSince(hub.clock())))",
            ]
        )
    }
    router.post("/login") { request, context -> Response in
        let language = try Language(parsing: request.uri.queryParameters.get("lang"))
        let body = try await request.body.collect(upTo: 8192)
        let form = String(buffer: body)
        let token = form.split(separator: "&").compactMap { pair -> String? in
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, kv[0] == "token" else { return nil }
            return String(kv[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }.first ?? ""
        let now = hub.clock()
        guard let session = try await offCooperativePool({
            try hub.database.startSession(operatorToken: token.trimmingCharacters(in: .whitespaces), lifetime: 12 * 3600, now: now)
        }) else {
            hub.metrics.refused(code: "unauthorized")
            var response = htmlResponse(SignInPage(language: language, failed: true).render())
            response.status = .unauthorized
            return response
        }
        return Response(
            status: .seeOther,
            headers: [
                .location: "/?lang=\(language.rawValue)",
                .setCookie: "\(HubServerSettings.sessionCookie)=\(session); Path=/; HttpOnly; SameSite=Strict; Max-Age=43200",
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
