@testable import BaogongHub
import BaogongModel
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Logging
import Testing

/// The matching desk over HTTP: roles decide who may confirm, a browser session needs its CSRF
/// token, and every refusal writes nothing.
@Suite("Matching routes")
struct MatchingRouteTests {
    typealias Route = HubRouteTests

    struct Desk {
        let db: HubDatabase
        let context: HubContext
        let viewer: String
        let dispatcher: String
        var app: some ApplicationProtocol { Application(router: buildHubRouter(context)) }
    }

    static func makeDesk() async throws -> Desk {
        let now = MatchingDeskTests.now
        let db = try await MatchingDeskTests.makeHub()
        _ = try await db.sync(MatchingDeskTests.request("S01", [MatchingDeskTests.need("S01", "n-1", 1500)], upto: 1), store: "S01", now: now)
        _ = try await db.sync(MatchingDeskTests.request("F01", [MatchingDeskTests.offer("F01", "o-1", 1750)], upto: 1), store: "F01", now: now)
        let viewer = try await db.addOperator(name: "viewer", now: now)
        let dispatcher = try await db.addOperator(name: "dispatcher", role: .dispatcher, now: now)
        #expect(viewer.role == .viewer, "viewer is the default role")
        let context = HubContext(database: db, logger: Logger(label: "matching-tests"), clock: { now })
        return Desk(db: db, context: context, viewer: viewer.token, dispatcher: dispatcher.token)
    }

    static let body = ByteBuffer(string: #"{"need":"n-1","offer":"o-1","quantity":3000,"unit":"jin"}"#)

    @Test("viewers read the desk but may not confirm; dispatchers confirm; over-allocation is 409")
    func roles() async throws {
        let desk = try await Self.makeDesk()
        try await desk.app.test(.router) { client in
            try await client.execute(uri: "/v1/matching/suggestions", method: .get, headers: Route.headers(bearer: desk.viewer)) {
                response in
                #expect(response.status == .ok)
                let rows = try JSONDecoder().decode([MatchSuggestion].self, from: Data(String(buffer: response.body).utf8))
                #expect(rows.map(\.need) == ["n-1"])
            }
            let before = try desk.db.fingerprint()
            try await client.execute(uri: "/v1/matching/confirm", method: .post, headers: Route.headers(bearer: desk.viewer), body: Self.body) {
                try Route.expectError($0, .forbidden, "forbidden")
            }
            #expect(try desk.db.fingerprint() == before)
            try await client.execute(uri: "/v1/matching/confirm", method: .post, headers: Route.headers(bearer: desk.dispatcher), body: Self.body) {
                response in
                #expect(response.status == .created)
                let match = try JSONDecoder().decode(MatchRecord.self, from: Data(String(buffer: response.body).utf8))
                #expect(match.quantity == 1500)
                #expect(match.unit == "kg")
            }
            let full = try desk.db.fingerprint()
            try await client.execute(uri: "/v1/matching/confirm", method: .post, headers: Route.headers(bearer: desk.dispatcher), body: Self.body) {
                try Route.expectError($0, .conflict, "over_allocated", field: "quantity")
            }
            #expect(try desk.db.fingerprint() == full)
            try await client.execute(uri: "/v1/matching/matches?status=lost", method: .get, headers: Route.headers(bearer: desk.viewer)) {
                try Route.expectError($0, .badRequest, "invalid_parameter", field: "status")
            }
            try await client.execute(uri: "/v1/matching/stats?from=2020-02-30", method: .get, headers: Route.headers(bearer: desk.viewer)) {
                try Route.expectError($0, .badRequest, "invalid_parameter", field: "from")
            }
            try await client.execute(uri: "/v1/matching/stats", method: .get, headers: Route.headers(bearer: desk.viewer)) { response in
                let stats = try JSONDecoder().decode(MatchingStats.self, from: Data(String(buffer: response.body).utf8))
                #expect(stats.matches == 1)
                #expect(stats.needsOpen == 0)
                #expect(stats.offersOpen == 1)
            }
        }
    }

    @Test("a browser session must present its CSRF token; the dashboard shows forms to dispatchers only")
    func csrf() async throws {
        let desk = try await Self.makeDesk()
        let dispatcherSession = try #require(try await desk.db.startSession(operatorToken: desk.dispatcher, now: MatchingDeskTests.now))
        let viewerSession = try #require(try await desk.db.startSession(operatorToken: desk.viewer, now: MatchingDeskTests.now))
        let cookie: HTTPFields = [.cookie: "baogong_session=\(dispatcherSession)", .contentType: "application/json"]
        try await desk.app.test(.router) { client in
            let before = try desk.db.fingerprint()
            try await client.execute(uri: "/v1/matching/confirm", method: .post, headers: cookie, body: Self.body) {
                try Route.expectError($0, .forbidden, "csrf")
            }
            var forged = cookie
            forged[HTTPField.Name("X-CSRF-Token")!] = CSRF.token(session: viewerSession)
            try await client.execute(uri: "/v1/matching/confirm", method: .post, headers: forged, body: Self.body) {
                try Route.expectError($0, .forbidden, "csrf")
            }
            #expect(try desk.db.fingerprint() == before)

            // The dashboard: the dispatcher's page carries the form with this session's token.
            let page = try await client.execute(uri: "/?lang=en", method: .get, headers: [.cookie: "baogong_session=\(dispatcherSession)"]) {
                String(buffer: $0.body)
            }
            let token = CSRF.token(session: dispatcherSession)
            #expect(page.contains(#"<section id="matching">"#))
            #expect(page.contains(#"name="csrf" value="\#(token)""#))
            let viewerPage = try await client.execute(uri: "/?lang=en", method: .get, headers: [.cookie: "baogong_session=\(viewerSession)"]) {
                String(buffer: $0.body)
            }
            #expect(!viewerPage.contains("form method=\"post\" action=\"/matching/confirm\""))
            #expect(viewerPage.contains("class=\"view-only\""))

            let form: HTTPFields = [.cookie: "baogong_session=\(dispatcherSession)", .contentType: "application/x-www-form-urlencoded"]
            try await client.execute(uri: "/matching/confirm", method: .post, headers: form,
                                     body: ByteBuffer(string: "need=S01%2Fn-1&offer=F01%2Fo-1&quantity=1500&csrf=bad&lang=en")) {
                #expect($0.status == .forbidden)
                #expect(String(buffer: $0.body).contains("CSRF"))
            }
            #expect(try desk.db.fingerprint() == before)
            try await client.execute(uri: "/matching/confirm", method: .post, headers: form,
                                     body: ByteBuffer(string: "need=S01%2Fn-1&offer=F01%2Fo-1&quantity=1500&csrf=\(token)&lang=en")) {
                #expect($0.status == .seeOther)
                #expect($0.headers[.location]?.hasPrefix("/?lang=en&confirmed=m-") == true)
            }
            #expect(try await desk.db.matchingBook().matches.count == 1)
        }
    }
}
