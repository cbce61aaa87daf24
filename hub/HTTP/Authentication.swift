import BaogongModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth

/// Reads who the caller is (a bearer token, or for browsers the dashboard session cookie) and puts
/// it in `context.identity`. It refuses nothing itself: the groups' contexts below do.
struct HubAuthenticator: AuthenticatorMiddleware {
    typealias Context = HubRequestContext
    let store: any HubStore
    let clock: @Sendable () -> Date

    func authenticate(request: Request, context: Context) async throws -> Principal? {
        if let header = request.headers[.authorization] {
            // The scheme is case-insensitive (RFC 9110); a header of another scheme is no identity,
            // and the cookie is not consulted then.
            guard header.lowercased().hasPrefix("bearer ") else { return nil }
            let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            return try await store.authenticate(token: token)
        }
        if let cookie = request.cookies[HubServerSettings.sessionCookie]?.value {
            return try await store.sessionOperator(cookie, now: clock())
        }
        return nil
    }
}

/// The context of the store group (`POST /v1/sync`): made only for a store's token, so a handler
/// has the store's id and nothing to check. An operator is refused 403, a caller without a token 401.
struct StoreRequestContext: ChildRequestContext {
    var coreContext: CoreRequestContextStorage
    let store: String
    var maxUploadSize: Int { HubServerSettings.maxBodyBytes }
    var responseEncoder: JSONEncoder { JSONResponse.encoder }

    init(context: HubRequestContext) throws {
        switch context.identity {
        case .store(let id)?: store = id
        case .operator?: throw HubError(.forbidden, "forbidden", "a store token is required to sync; operator tokens only read")
        case .county?:
            throw HubError(.forbidden, "forbidden", "a store token is required here; a county hub syncs with POST /v1/upstream/sync")
        case nil: throw HubError.unauthorized
        }
        coreContext = context.coreContext
    }
}

/// The context of the operator groups (reads, views, the dashboard): made only for an operator's
/// token or session. A store is refused 403, a caller without a token 401.
struct OperatorRequestContext: ChildRequestContext {
    var coreContext: CoreRequestContextStorage
    let operatorID: String
    let role: OperatorRole
    var responseEncoder: JSONEncoder { JSONResponse.encoder }

    init(context: HubRequestContext) throws {
        switch context.identity {
        case .operator(let id, let role)?: (operatorID, self.role) = (id, role)
        case .store?: throw HubError(.forbidden, "forbidden", "an operator token is required; store tokens may only sync")
        case .county?: throw HubError(.forbidden, "forbidden", "an operator token is required; county tokens may only sync upward")
        case nil: throw HubError.unauthorized
        }
        coreContext = context.coreContext
    }
}

/// The context of the county group (`POST /v1/upstream/sync` at a city hub): made only for a county
/// hub's token. A store or an operator is refused 403, a caller without a token 401.
struct CountyRequestContext: ChildRequestContext {
    var coreContext: CoreRequestContextStorage
    let county: String
    var maxUploadSize: Int { HubServerSettings.maxBodyBytes }
    var responseEncoder: JSONEncoder { JSONResponse.encoder }

    init(context: HubRequestContext) throws {
        switch context.identity {
        case .county(let id)?: county = id
        case .store?, .operator?:
            throw HubError(.forbidden, "forbidden", "a county hub's token is required to sync upward (baogong-hub counties add)")
        case nil: throw HubError.unauthorized
        }
        coreContext = context.coreContext
    }
}

/// In front of the dashboard's pages: a browser that is not signed in is sent to the sign-in page
/// (303) instead of getting a JSON refusal. A store's token is refused (403), as on the operator API.
struct SignInRedirect: RouterMiddleware {
    typealias Context = HubRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch context.identity {
        case .store?, .county?:
            // A store's or a county hub's token is a credential, but not for the dashboard: refused,
            // not sent to sign in.
            throw HubError(.forbidden, "forbidden", "an operator token or session is required; store and county tokens may only sync")
        case .operator?, nil: break
        }
        guard case .operator? = context.identity else {
            let language = try Language(parsing: request.uri.queryParameters.get("lang"))
            return Response(status: .seeOther, headers: [.location: "/login?lang=\(language.rawValue)"])
        }
        return try await next(request, context)
    }
}

/// Cross-site request forgery protection for forms a signed-in browser posts. A browser sends the
/// session cookie with any request, even one another site's page makes it send; the token proves the
/// form came from a page the hub rendered for this session. It is derived from the session secret
/// (SHA-256 of `csrf.` + secret), so it needs no storage and no other site can compute it.
/// Requests with a bearer token carry no ambient credential and need none.
enum CSRF {
    static func token(session: String) -> String { TokenDigest.hex("csrf." + session) }

    /// The session cookie of a browser request (nil for a request with an `Authorization` header).
    static func session(of request: Request) -> String? {
        guard request.headers[.authorization] == nil else { return nil }
        return request.cookies[HubServerSettings.sessionCookie]?.value
    }

    /// Refuses (403 `csrf`) a cookie-authenticated request whose token is missing or wrong.
    static func check(_ request: Request, presented: String?) throws {
        guard let session = session(of: request) else { return }
        guard let presented, TokenDigest.matches("csrf." + session, storedHex: presented) else {
            throw HubError(.forbidden, "csrf", "the form's CSRF token is missing or does not belong to this session; reload the page")
        }
    }
}

extension OperatorRequestContext {
    /// Refuses (403 `forbidden`) an operator whose role may not dispatch on the matching desk.
    func requireDispatcher() throws {
        guard role.mayDispatch else {
            throw HubError(
                .forbidden, "forbidden",
                "operator \(operatorID) has the role \(role.rawValue); confirming and cancelling matches needs dispatcher or admin"
            )
        }
    }
}
