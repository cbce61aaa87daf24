import BaogongModel
import Foundation
import HTTPTypes
import Hummingbird
import Logging

extension NeedPosting: ResponseEncodable {}
extension OfferPosting: ResponseEncodable {}
extension MatchRecord: ResponseEncodable {}
extension MatchSuggestion: ResponseEncodable {}
extension MatchingStats: ResponseEncodable {}

/// `POST /v1/matching/confirm` body.
struct ConfirmMatchBody: Decodable {
    var need: String
    var offer: String
    var quantity: Double
    /// Unit of `quantity` (default: the commodity's catalog unit).
    var unit: String?
}

/// `POST /v1/matching/matches/{id}/cancel` body (optional).
struct CancelMatchBody: Decodable {
    var reason: String?
}

/// The largest confirm form the dashboard takes (its four fields are under 300 bytes).
let confirmFormLimit = 4 * 1024

/// The matching desk's view and the snapshot it was computed from (suggestions need the supply).
func matchingView(_ hub: HubContext) async throws -> (MatchingView, CountySnapshot) {
    try await hub.database.matchingView(settings: hub.viewSettings, now: hub.clock())
}

/// `?from=` and `?to=` of a period; a date that does not exist is 400 `invalid_parameter`.
func dateRange(_ request: Request) throws -> (from: CalendarDate?, to: CalendarDate?) {
    let query = request.uri.queryParameters
    do throws(DomainError) {
        return (
            try query.get("from").map { t throws(DomainError) in try CalendarDate(t, field: "from") },
            try query.get("to").map { t throws(DomainError) in try CalendarDate(t, field: "to") }
        )
    } catch {
        throw HubError.invalidParameter(error)
    }
}

/// `/v1/matching/...`: the desk for operators; confirming and cancelling need a dispatcher or admin.
func addMatchingRoutes(to group: RouterGroup<OperatorRequestContext>, _ hub: HubContext) {
    group.get("needs") { _, _ in try await matchingView(hub).0.openNeeds }
    group.get("offers") { _, _ in try await matchingView(hub).0.openOffers }
    group.get("suggestions") { _, _ in
        let (view, snapshot) = try await matchingView(hub)
        return view.suggestions(supply: snapshot.supply().stores)
    }
    group.get("matches") { request, _ in
        var status: MatchStatus?
        if let text = request.uri.queryParameters.get("status") {
            guard let s = MatchStatus(rawValue: text) else {
                throw HubError.invalidParameter(DomainError(
                    .invalidValue, field: "status",
                    "must be one of \(MatchStatus.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'"
                ))
            }
            status = s
        }
        return try await matchingView(hub).0.matches(status: status)
    }
    group.get("stats") { request, _ in
        let (from, to) = try dateRange(request)
        return try await matchingView(hub).0.stats(from: from, to: to)
    }
    group.post("confirm") { request, context -> Response in
        try context.requireDispatcher()
        try CSRF.check(request, presented: request.headers[HTTPField.Name("X-CSRF-Token")!])
        let body = try await JSONBody.decode(ConfirmMatchBody.self, from: request, what: "a confirm")!
        // The unit exactly as the catalog writes it (docs/openapi.json lists them).
        let unit = try body.unit.map { text throws(HubError) in
            guard let unit = CommodityUnit(rawValue: text) else {
                throw HubError(
                    .badRequest, "bad_request",
                    "unit: must be one of \(CommodityUnit.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'", field: "unit"
                )
            }
            return unit
        }
        let match = try await hub.database.confirmMatch(
            need: body.need, offer: body.offer, quantity: body.quantity, unit: unit, now: hub.clock()
        )
        hub.logger.info("match confirmed", metadata: ["match": "\(match.id)", "operator": "\(context.operatorID)"])
        return try JSONResponse.make(match, status: .created)
    }
    group.post("matches/{id}/cancel") { request, context -> MatchRecord in
        try context.requireDispatcher()
        try CSRF.check(request, presented: request.headers[HTTPField.Name("X-CSRF-Token")!])
        let id = try context.parameters.require("id")
        // The body is optional; one that is sent must be what the API describes.
        let body = try await JSONBody.decode(CancelMatchBody.self, from: request, what: "a cancel", optional: true)
        return try await hub.database.cancelMatch(id: id, reason: body?.reason, now: hub.clock())
    }
}

/// `POST /matching/confirm`: the dashboard's confirm form. Answers with a redirect back to the panel,
/// or with a short page saying why not (403 for a viewer or a bad CSRF token, 409 over-allocated).
func addMatchingForm(to group: RouterGroup<OperatorRequestContext>, _ hub: HubContext) {
    group.post("/matching/confirm") { request, context -> Response in
        try FormFields.requireFormType(request, what: "the confirm form")
        let form = try await FormFields.read(request, limit: confirmFormLimit, what: "the confirm form")
        let language = (try? Language(parsing: form["lang"])) ?? .zh
        do {
            try context.requireDispatcher()
            try CSRF.check(request, presented: form["csrf"])
            guard let need = form["need"], let offer = form["offer"], let text = form["quantity"] else {
                throw HubError.badRequest("need, offer and quantity are required", code: "bad_request")
            }
            let quantity = try NumberParsing.quantity(text, field: "quantity")
            let match = try await hub.database.confirmMatch(need: need, offer: offer, quantity: quantity, unit: nil, now: hub.clock())
            hub.logger.info("match confirmed", metadata: ["match": "\(match.id)", "operator": "\(context.operatorID)"])
            return Response(status: .seeOther, headers: [.location: "/?lang=\(language.rawValue)&confirmed=\(match.id)#matching"])
        } catch {
            let refusal = HubErrorMiddleware.map(error)
            hub.metrics.refused(code: refusal.code)
            var response = htmlResponse(RefusalPage(language: language, message: refusal.message).render())
            response.status = refusal.status
            return response
        }
    }
}
