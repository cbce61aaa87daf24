@testable import BaogongHub
import BaogongModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The API as docs/openapi.json states it: the same routes and methods, 405 with `Allow` for a method
/// a path does not have, and the limits and ranges the document gives enforced with a 4xx.
@Suite("Exact API")
struct ExactAPITests {
    typealias Route = HubRouteTests

    /// docs/openapi.json, parsed.
    static func document() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    static let httpMethods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// `path` → its documented methods, upper case.
    static func documentedOperations() throws -> [String: Set<String>] {
        let paths = try #require(try document()["paths"] as? [String: [String: Any]])
        return paths.mapValues { Set($0.keys.filter(httpMethods.contains).map { $0.uppercased() }) }
    }

    /// The error body's message.
    static func message(_ response: TestResponse) -> String? {
        let object = try? JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
        return (object?["error"] as? [String: Any])?["message"] as? String
    }

    @Test("an unknown method on a known path is 405 with Allow and a JSON error, before authentication; an unknown path stays 404")
    func methodNotAllowed() async throws {
        let hub = try await Route.makeHub()
        let before = try await hub.db.fingerprint()
        try await hub.app.test(.router) { client in
            for token in [nil, hub.s01] {
                try await client.execute(uri: "/v1/sync", method: .delete, headers: Route.headers(bearer: token)) { response in
                    try Route.expectError(response, .methodNotAllowed, "method_not_allowed")
                    #expect(response.headers[.allow] == "POST")
                }
            }
            let reader = Route.headers(bearer: hub.operatorToken)
            try await client.execute(uri: "/v1/views/supply?date=2020-02-10", method: .put, headers: reader) { response in
                try Route.expectError(response, .methodNotAllowed, "method_not_allowed")
                #expect(response.headers[.allow] == "GET")
                #expect(Self.message(response)?.contains("PUT is not allowed on /v1/views/supply") == true)
            }
            try await client.execute(uri: "/login", method: .delete) { response in
                try Route.expectError(response, .methodNotAllowed, "method_not_allowed")
                #expect(response.headers[.allow] == "GET, POST")
            }
            try await client.execute(uri: "/v1/matching/matches/M-1/cancel", method: .get, headers: reader) { response in
                try Route.expectError(response, .methodNotAllowed, "method_not_allowed")
                #expect(response.headers[.allow] == "POST")
            }
            try await client.execute(uri: "/", method: .options) { response in
                try Route.expectError(response, .methodNotAllowed, "method_not_allowed")
                #expect(response.headers[.allow] == "GET")
            }
            // Known methods still reach their routes, and unknown paths are 404 whatever the method.
            try await client.execute(uri: "/v1/views/supply", method: .get, headers: reader) { #expect($0.status == .ok) }
            for method in [HTTPRequest.Method.get, .delete] {
                try await client.execute(uri: "/v1/nothing", method: method, headers: reader) {
                    try Route.expectError($0, .notFound, "not_found")
                    #expect($0.headers[.allow] == nil)
                }
            }
        }
        #expect(try await hub.db.fingerprint() == before)
    }

    @Test("the router's routes are exactly the document's operations")
    func routesAreTheDocument() async throws {
        let hub = try await Route.makeHub()
        let routed = Set(buildHubRouter(hub.context).routes.map { "\($0.method.rawValue) \($0.path.description)" })
        let documented = Set(try Self.documentedOperations().flatMap { path, methods in methods.map { "\($0) \(path)" } })
        #expect(routed.subtracting(documented).sorted() == [], "routes the document does not state")
        #expect(documented.subtracting(routed).sorted() == [], "operations the hub does not have")
    }

    @Test("every documented path answers a method it does not have with 405 and its documented methods in Allow")
    func allowIsTheDocument() async throws {
        let hub = try await Route.makeHub()
        let operations = try Self.documentedOperations()
        try await hub.app.test(.router) { client in
            for (path, methods) in operations.sorted(by: { $0.key < $1.key }) {
                let uri = path.replacingOccurrences(of: #"\{[a-z]+\}"#, with: "x1", options: .regularExpression)
                try await client.execute(uri: uri, method: .patch, headers: Route.headers(bearer: hub.operatorToken)) { response in
                    #expect(response.status == .methodNotAllowed, "PATCH \(uri)")
                    #expect(response.headers[.allow] == methods.sorted().joined(separator: ", "), "PATCH \(uri)")
                }
            }
        }
    }

    @Test("a sign-in form beyond 4 KiB is 413 with the form's own limit in the message")
    func oversizedSignInForm() async throws {
        let hub = try await Route.makeHub()
        let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        let padding = String(repeating: "x", count: 5000)
        try await hub.app.test(.router) { client in
            try await client.execute(
                uri: "/login", method: .post, headers: form, body: ByteBuffer(string: "token=\(hub.operatorToken)&pad=\(padding)")
            ) { response in
                try Route.expectError(response, .contentTooLarge, "payload_too_large")
                let message = Self.message(response) ?? ""
                #expect(message.contains("the sign-in form is limited to 4 KiB"), "\(message)")
                #expect(!message.contains("16777216"), "not the sync upload limit")
                #expect(response.headers[.setCookie] == nil)
            }
            // Within the limit the form is read as before.
            let within = "token=\(hub.operatorToken)&pad=" + String(repeating: "x", count: 3000)
            try await client.execute(uri: "/login", method: .post, headers: form, body: ByteBuffer(string: within)) {
                #expect($0.status == .seeOther)
            }
        }
    }

    @Test("query parameters are read exactly: out of range, not whole, not in the list or not a date is 400, never clamped or ignored")
    func exactQueries() async throws {
        let hub = try await Route.makeHub()
        let reader = Route.headers(bearer: hub.operatorToken, json: false)
        try await hub.app.test(.router) { client in
            for (uri, field) in [
                ("/v1/records/stock?limit=0", "limit"), ("/v1/records/stock?limit=10001", "limit"), ("/v1/records/stock?limit=ten", "limit"),
                ("/v1/records/stock?after=-1", "after"), ("/v1/records/stock?after=x", "after"), ("/v1/records/stock?date=1899-12-31", "date"),
                ("/v1/views/supply?unit=KG", "unit"), ("/v1/views/supply?unit=L", "unit"), ("/v1/views/alerts?date=3000-01-01", "date"),
            ] {
                try await client.execute(uri: uri, method: .get, headers: reader) {
                    try Route.expectError($0, .badRequest, "invalid_parameter", field: field)
                }
            }
            for uri in ["/v1/records/stock?limit=1&after=0", "/v1/records/stock?limit=10000", "/v1/views/supply?unit=jin", "/v1/views/alerts?date=2999-12-31"] {
                try await client.execute(uri: uri, method: .get, headers: reader) { #expect($0.status == .ok, "\(uri)") }
            }
            // lang is zh or en, as written; on every page and on sign-out.
            for (uri, method) in [("/login?lang=EN", HTTPRequest.Method.get), ("/?lang=Zh", .get), ("/logout?lang=xx", .post)] {
                try await client.execute(uri: uri, method: method, headers: reader) { try Route.expectError($0, .badRequest, "bad_request", field: "lang") }
            }
            // A sign-in link's date is checked before the code is spent.
            try await client.execute(uri: "/login/session/abc?date=2020-02-30", method: .get) {
                try Route.expectError($0, .badRequest, "invalid_parameter", field: "date")
            }
        }
    }

    @Test("the sign-in form: a broken encoding is 400, a repeated name takes the first, no token is 400")
    func signInFormParsing() async throws {
        let hub = try await Route.makeHub()
        let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        try await hub.app.test(.router) { client in
            try await client.execute(uri: "/login", method: .post, headers: form, body: ByteBuffer(string: "token=%zz")) {
                try Route.expectError($0, .badRequest, "malformed_form")
            }
            try await client.execute(uri: "/login", method: .post, headers: form, body: ByteBuffer(string: "note=a")) {
                try Route.expectError($0, .badRequest, "bad_request", field: "token")
            }
            let twice = "token=\(hub.operatorToken)&token=other&x[y]=1&x=2"
            try await client.execute(uri: "/login", method: .post, headers: form, body: ByteBuffer(string: twice)) {
                #expect($0.status == .seeOther)
            }
        }
    }

    @Test("the matching desk's bodies: JSON only (415), 64 KiB at most (413 naming it), units as the catalog writes them, a malformed cancel is 400")
    func matchingBodies() async throws {
        let desk = try await MatchingRouteTests.makeDesk()
        let dispatcher = Route.headers(bearer: desk.dispatcher)
        let before = try desk.db.fingerprint()
        try await desk.app.test(.router) { client in
            var plain = dispatcher
            plain[.contentType] = "text/plain"
            try await client.execute(uri: "/v1/matching/confirm", method: .post, headers: plain, body: MatchingRouteTests.body) {
                try Route.expectError($0, .unsupportedMediaType, "unsupported_media_type")
            }
            let big = ByteBuffer(string: #"{"need":"n-1","offer":"o-1","quantity":1,"pad":""# + String(repeating: "x", count: 70_000) + #""}"#)
            try await client.execute(uri: "/v1/matching/confirm", method: .post, headers: dispatcher, body: big) { response in
                try Route.expectError(response, .contentTooLarge, "payload_too_large")
                #expect(Self.message(response)?.contains("limited to 64 KiB") == true)
            }
            let upper = ByteBuffer(string: #"{"need":"n-1","offer":"o-1","quantity":3000,"unit":"JIN"}"#)
            try await client.execute(uri: "/v1/matching/confirm", method: .post, headers: dispatcher, body: upper) {
                try Route.expectError($0, .badRequest, "bad_request", field: "unit")
            }
            try await client.execute(uri: "/v1/matching/confirm", method: .post, headers: dispatcher, body: ByteBuffer(string: #"{"need":"n-1","offer":"o-1"}"#)) {
                try Route.expectError($0, .badRequest, "bad_request", field: "quantity")
            }
            try await client.execute(uri: "/v1/matching/matches/m-1/cancel", method: .post, headers: dispatcher, body: ByteBuffer(string: #"{"reason":7}"#)) {
                try Route.expectError($0, .badRequest, "bad_request", field: "reason")
            }
            var form = dispatcher
            form[.contentType] = "application/json"
            try await client.execute(uri: "/matching/confirm", method: .post, headers: form, body: ByteBuffer(string: "need=n-1&offer=o-1&quantity=1")) {
                try Route.expectError($0, .unsupportedMediaType, "unsupported_media_type")
            }
        }
        #expect(try desk.db.fingerprint() == before, "nothing was written")
    }

    @Test("a pair or a unit that does not fit the stored need is 409 mismatch, not a malformed request")
    func mismatchIsConflict() async throws {
        let desk = try await MatchingRouteTests.makeDesk()
        let before = try desk.db.fingerprint()
        try await desk.app.test(.router) { client in
            let barrels = ByteBuffer(string: #"{"need":"n-1","offer":"o-1","quantity":3,"unit":"barrel"}"#)
            try await client.execute(uri: "/v1/matching/confirm", method: .post, headers: Route.headers(bearer: desk.dispatcher), body: barrels) {
                try Route.expectError($0, .conflict, "mismatch", field: "unit")
            }
        }
        #expect(try desk.db.fingerprint() == before)
    }
}
