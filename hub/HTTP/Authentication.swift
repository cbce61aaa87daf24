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
            return try await store.sessionOperator(cookie, now: clock()).map(Principal.operator)
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
    var responseEncoder: JSONEncoder { JSONResponse.encoder }

    init(context: HubRequestContext) throws {
        switch context.identity {
        case .operator(let id)?: operatorID = id
        case .store?: throw HubError(.forbidden, "forbidden", "an operator token is required; store tokens may only sync")
        case nil: throw HubError.unauthorized
        }
        coreContext = context.coreContext
    }
}

/// In front of the dashboard's pages: a browser that is not signed in as an operator is sent to the
/// sign-in page (303) instead of getting a JSON refusal.
struct SignInRedirect: RouterMiddleware {
    typealias Context = HubRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard case .operator? = context.identity else {
            let language = try Language(parsing: request.uri.queryParameters.get("lang"))
            return Response(status: .seeOther, headers: [.location: "/login?lang=\(language.rawValue)"])
        }
        return try await next(request, context)
    }
}
