import HTTPTypes
import Hummingbird

/// Headers every answer carries, so that a browser treats the hub's pages as what they are: no
/// framing (clickjacking), no content sniffing, no referrer leaving the hub, and for HTML a content
/// security policy that allows the pages' own inline styles and SVG and nothing from elsewhere.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The dashboard, the sign-in and pass pages use inline CSS and inline SVG, post forms to the
    /// hub itself, and run no script of their own.
    static var contentSecurityPolicy: String {
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        if response.headers[.contentType]?.hasPrefix("text/html") == true {
            response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        }
        return response
    }
}
