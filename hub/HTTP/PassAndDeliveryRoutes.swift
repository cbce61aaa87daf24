import BaogongModel
import Foundation
import Hummingbird

extension IssuedPass: ResponseEncodable {}
extension DeliveriesView: ResponseEncodable {}

/// `/v1/passes` and `/v1/views/deliveries` for operators.
func addPassAndDeliveryRoutes(to group: RouterGroup<OperatorRequestContext>, _ hub: HubContext) {
    group.get("passes") { _, _ in try await hub.database.passes() }
    group.get("passes/{id}") { _, context -> IssuedPass in
        let id = try context.parameters.require("id")
        guard let pass = try await hub.database.pass(id: id) else { throw HubError.notFound("no pass '\(id)'") }
        return pass
    }
    group.get("views/deliveries") { request, _ in
        let (from, to) = try dateRange(request)
        return DeliveriesView(try await hub.database.deliveries(from: from, to: to), from: from, to: to)
    }
}

/// `GET /passes/{id}`: the printable pass, behind the dashboard's sign-in.
func addPassPage(to group: RouterGroup<OperatorRequestContext>, _ hub: HubContext) {
    group.get("/passes/{id}") { request, context -> Response in
        let language = try Language(parsing: request.uri.queryParameters.get("lang"))
        let id = try context.parameters.require("id")
        guard let pass = try await hub.database.pass(id: id) else { throw HubError.notFound("no pass '\(id)'") }
        let names = try await hub.database.listStores()
        let page = try PassPage(pass: pass, storeName: names.first { $0.id == pass.store }?.name, language: language).render()
        return htmlResponse(page)
    }
}

/// `GET /history?set=…&key=…`: one record's writes as a page, behind the dashboard's sign-in.
func addHistoryPage(to group: RouterGroup<OperatorRequestContext>, _ hub: HubContext) {
    group.get("/history") { request, _ -> Response in
        let query = request.uri.queryParameters
        let language = try Language(parsing: query.get("lang"))
        guard let name = query.get("set"), let key = query.get("key"), !key.isEmpty else {
            throw HubError.badRequest("give the record with ?set=SET&key=KEY", code: "missing_parameter")
        }
        guard let schema = RecordSetSchema.named(name) else { throw HubError.notFound("'\(name)' is not a record set") }
        let writes = try await hub.database.history(set: schema, key: key)
        return htmlResponse(HistoryPage(set: name, key: key, writes: writes, language: language).render())
    }
}
