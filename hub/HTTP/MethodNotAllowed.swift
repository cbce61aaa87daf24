import HTTPTypes
import Hummingbird
import Synchronization

/// The hub's route table: each path pattern and the methods it answers, read from the router once
/// every route is on it (`load`). The router itself answers 404 for a known path asked with another
/// method; `MethodNotAllowedMiddleware` uses this table to answer 405 with `Allow` instead.
final class RouteTable: Sendable {
    private struct Entry: Sendable {
        let path: RouterPath
        var methods: Set<HTTPRequest.Method>
    }

    private let entries = Mutex<[Entry]>([])

    /// Takes the routes of a router that has all its routes (`Router.routes`).
    func load<Context>(_ routes: [Router<Context>.RouteDescription]) {
        var byPath = [String: Entry]()
        for route in routes {
            byPath[route.path.description, default: Entry(path: route.path, methods: [])].methods.insert(route.method)
        }
        let loaded = byPath.keys.sorted().map { byPath[$0]! }
        entries.withLock { $0 = loaded }
    }

    /// Every method some route answers at `path` (a request's path, without its query), sorted; empty
    /// for a path no route matches. Segments match as the router matches them: a literal exactly,
    /// a `{capture}` any one segment; empty segments (`//`, a trailing `/`) are skipped.
    func methods(at path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        let found = entries.withLock { entries in
            entries.reduce(into: Set<HTTPRequest.Method>()) { found, entry in
                guard entry.path.components.count == segments.count,
                    zip(entry.path.components, segments).allSatisfy({ element, segment in element ~= segment })
                else { return }
                found.formUnion(entry.methods)
            }
        }
        return found.sorted { $0.rawValue < $1.rawValue }
    }
}

/// An unknown method on a known path: 405 `method_not_allowed` with an `Allow` header listing the
/// path's methods, before any authentication (the answer tells nothing a caller could not read in
/// the API description). A path no route has goes on to the router's 404.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let allowed = routes.methods(at: request.uri.path)
        guard allowed.isEmpty || allowed.contains(request.method) else {
            let list = allowed.map(\.rawValue).joined(separator: ", ")
            var refusal = HubError(
                .methodNotAllowed, "method_not_allowed", "\(request.method.rawValue) is not allowed on \(request.uri.path); allowed: \(list)"
            )
            refusal.headers[.allow] = list
            throw refusal
        }
        return try await next(request, context)
    }
}
