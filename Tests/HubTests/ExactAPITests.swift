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
        let before = try hub.db.fingerprint()
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
        #expect(try hub.db.fingerprint() == before)
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
}
