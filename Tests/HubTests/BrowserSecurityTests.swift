@testable import BaogongHub
import BaogongModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// What a browser is told and allowed: security headers on every answer, sign-in only from the
/// hub's own form, sign-out that ends the session at the hub.
@Suite("Browser security")
struct BrowserSecurityTests {
    typealias Route = HubRouteTests

    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    @Test("pages carry CSP, no framing, no sniffing, no referrer; JSON answers too (without CSP)")
    func headers() async throws {
        let hub = try await Route.makeHub()
        try await hub.app.test(.router) { client in
            try await client.execute(uri: "/login", method: .get) { response in
                #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
                #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            }
            try await client.execute(uri: "/v1/status", method: .get, headers: Route.headers(bearer: hub.operatorToken)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[.contentSecurityPolicy] == nil)
            }
            try await client.execute(uri: "/v1/status", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY", "refusals carry them too")
            }
        }
    }

    @Test("sign-in accepts the hub's own form only: another origin is 403, another content type 415")
    func signInGuard() async throws {
        let hub = try await Route.makeHub()
        let body = ByteBuffer(string: "token=\(hub.operatorToken)")
        let before = try hub.db.fingerprint()
        try await hub.app.test(.router) { client in
            var crossOrigin = Self.form
            crossOrigin[HTTPField.Name("Origin")!] = "https://evil.example"
            try await client.execute(uri: "/login", method: .post, headers: crossOrigin, body: body) {
                try Route.expectError($0, .forbidden, "cross_site")
            }
            var crossSite = Self.form
            crossSite[HTTPField.Name("Sec-Fetch-Site")!] = "cross-site"
            try await client.execute(uri: "/login", method: .post, headers: crossSite, body: body) {
                try Route.expectError($0, .forbidden, "cross_site")
            }
            try await client.execute(uri: "/login", method: .post, headers: [.contentType: "text/plain"], body: body) {
                try Route.expectError($0, .unsupportedMediaType, "unsupported_media_type")
            }
            #expect(try hub.db.fingerprint() == before, "no session was made")
            // The hub's own form (a real browser's Origin matching the hub is signed in by the
            // end-to-end matching-panel test, which signs in through this form in Chromium).
            var sameOrigin = Self.form
            sameOrigin[HTTPField.Name("Sec-Fetch-Site")!] = "same-origin"
            try await client.execute(uri: "/login", method: .post, headers: sameOrigin, body: body) {
                #expect($0.status == .seeOther)
                #expect($0.headers[.setCookie]?.hasPrefix("baogong_session=") == true)
            }
        }
    }

    @Test("sign-out ends the session at the hub and clears the cookie")
    func signOut() async throws {
        let hub = try await Route.makeHub()
        let session = try #require(try await hub.db.startSession(operatorToken: hub.operatorToken, lifetime: 3600, now: Route.now))
        let cookie: HTTPFields = [.cookie: "baogong_session=\(session)"]
        try await hub.app.test(.router) { client in
            try await client.execute(uri: "/?lang=en", method: .get, headers: cookie) { #expect($0.status == .ok) }
            try await client.execute(uri: "/logout?lang=en", method: .post, headers: cookie) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/login?lang=en")
                #expect(response.headers[.setCookie]?.contains("Max-Age=0") == true)
            }
            // The old cookie no longer opens the board, even if a browser kept it.
            try await client.execute(uri: "/?lang=en", method: .get, headers: cookie) {
                #expect($0.status == .seeOther)
                #expect($0.headers[.location] == "/login?lang=en")
            }
        }
        #expect(try await hub.db.sessionOperator(session, now: Route.now) == nil)
    }
}
