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
        let before = try await hub.db.fingerprint()
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
            #expect(try await hub.db.fingerprint() == before, "no session was made")
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

/// The hub holds a bounded amount of sync bodies in memory; beyond it a sync is told to come back.
@Suite("Sync memory budget")
struct SyncMemoryBudgetTests {
    typealias Route = HubRouteTests

    @Test("reservations add up to the limit; one body larger than the budget passes alone")
    func budget() {
        let budget = SyncMemoryBudget(limit: 100)
        #expect(budget.reserve(60))
        #expect(budget.reserve(40))
        #expect(!budget.reserve(1))
        budget.release(60)
        #expect(budget.reserve(50))
        budget.release(50)
        budget.release(40)
        #expect(budget.inUse == 0)
        #expect(budget.reserve(500), "alone, a large body is let through")
        #expect(!budget.reserve(1))
    }

    @Test("a sync beyond the budget is 503 busy with Retry-After and writes nothing; within it, merged")
    func busy() async throws {
        let hub = try await Route.makeHub()
        let budget = SyncMemoryBudget(limit: 1024 * 1024)
        var context = hub.context
        context.syncMemory = budget
        let app = Application(router: buildHubRouter(context))
        let body = Route.envelope([Route.stockChange()])
        let before = try await hub.db.fingerprint()
        #expect(budget.reserve(1024 * 1024 - 10), "another batch is being merged")
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/sync", method: .post, headers: Route.headers(bearer: hub.s01), body: ByteBuffer(string: body)) {
                response in
                try Route.expectError(response, .serviceUnavailable, "busy")
                #expect(response.headers[.retryAfter] == "2")
            }
            #expect(try await hub.db.fingerprint() == before)
            budget.release(1024 * 1024 - 10)
            try await client.execute(uri: "/v1/sync", method: .post, headers: Route.headers(bearer: hub.s01), body: ByteBuffer(string: body)) {
                #expect($0.status == .ok)
            }
        }
        #expect(budget.inUse == 0, "every reservation was released")
    }
}

@Suite("Sign-in rate limit")
struct SignInRateLimitTests {
    typealias Route = HubRouteTests

    @Test("after the limit of failed sign-ins an address waits (429 with Retry-After), even with the right token")
    func rateLimited() async throws {
        let hub = try await Route.makeHub()
        var context = hub.context
        context.signInThrottle = SignInThrottle(limit: 3, window: 600)
        let app = Application(router: buildHubRouter(context))
        let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        let wrong = ByteBuffer(string: "token=o.nobody.\(String(repeating: "0", count: 64))")
        try await app.test(.router) { client in
            for _ in 0..<3 {
                try await client.execute(uri: "/login", method: .post, headers: form, body: wrong) { #expect($0.status == .unauthorized) }
            }
            let before = try await hub.db.fingerprint()
            try await client.execute(uri: "/login", method: .post, headers: form, body: ByteBuffer(string: "token=\(hub.operatorToken)")) {
                response in
                try Route.expectError(response, .tooManyRequests, "too_many_sign_ins")
                #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 > 0)
            }
            #expect(try await hub.db.fingerprint() == before, "no session was made")
        }
        // The window passes: the address may try again.
        let throttle = SignInThrottle(limit: 2, window: 60)
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        throttle.failed("a", now: t0)
        throttle.failed("a", now: t0)
        #expect(throttle.retryAfter("a", now: t0.addingTimeInterval(10)) == 50)
        #expect(throttle.retryAfter("b", now: t0) == nil, "other addresses are not affected")
        #expect(throttle.retryAfter("a", now: t0.addingTimeInterval(61)) == nil)
        throttle.failed("a", now: t0.addingTimeInterval(62))
        throttle.succeeded("a")
        #expect(throttle.retryAfter("a", now: t0.addingTimeInterval(63)) == nil)
    }
}

@Suite("Sign-in links")
struct SignInLinkTests {
    typealias Route = HubRouteTests

    @Test("a link works once, for 10 minutes, and gives a fresh session id, never its own code")
    func singleUse() async throws {
        let hub = try await Route.makeHub()
        let code = try #require(try await hub.db.createSignInLink(operatorToken: hub.operatorToken, lifetime: 600, now: Route.now))
        let late = try #require(try await hub.db.createSignInLink(operatorToken: hub.operatorToken, lifetime: 600, now: Route.now))
        #expect(try await hub.db.createSignInLink(operatorToken: "o.nobody.x", lifetime: 600, now: Route.now) == nil)
        try await hub.app.test(.router) { client in
            let cookie = try await client.execute(uri: "/login/session/\(code)?lang=en", method: .get) { response -> String in
                #expect(response.status == .seeOther)
                let set = try #require(response.headers[.setCookie])
                #expect(!set.contains(code), "the session id is fresh, not the link's code")
                return String(try #require(set.split(separator: ";").first))
            }
            try await client.execute(uri: "/?lang=en", method: .get, headers: [.cookie: cookie]) { #expect($0.status == .ok) }
            // The same link again: nothing (no fixation by a link visited twice).
            try await client.execute(uri: "/login/session/\(code)?lang=en", method: .get) {
                #expect($0.status == .unauthorized)
                #expect($0.headers[.setCookie] == nil)
            }
        }
        // Eleven minutes later the second link has expired.
        #expect(try await hub.db.redeemSignInLink(late, lifetime: 3600, now: Route.now.addingTimeInterval(660)) == nil)
    }
}
