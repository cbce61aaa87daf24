import BaogongModel
import Foundation
import HTTPTypes
import Hummingbird

/// A refusal or failure of the hub, with the HTTP status it maps to and a code clients can match.
/// Rendered as `{"error": {"code": ..., "message": ...}}`; the CLI prints the message on one line.
public struct HubError: Error, Sendable, CustomStringConvertible, HTTPResponseError {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public var field: String?
    public var changeIndex: Int?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, field: String? = nil, change: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.changeIndex = change
    }

    public var description: String { message }

    public static func badRequest(_ message: String, code: String = "bad_request") -> HubError {
        HubError(.badRequest, code, message)
    }
    public static func notFound(_ message: String) -> HubError { HubError(.notFound, "not_found", message) }
    public static let unauthorized = HubError(.unauthorized, "unauthorized", "a valid bearer token is required")

    /// A bad query parameter or option (a date that does not exist, an unknown unit): 400.
    public static func invalidParameter(_ error: DomainError) -> HubError {
        HubError(.badRequest, "invalid_parameter", error.description, field: error.field)
    }

    public init(_ error: DomainError, change: Int? = nil) {
        let prefix = change.map { "change \($0): " } ?? ""
        self.init(
            error.code == .wrongStore ? .forbidden : .unprocessableContent,
            error.code == .wrongStore ? "forbidden" : "invalid_change",
            prefix + error.description, field: error.field, change: change
        )
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = ErrorBody(code: code, message: message, field: field, change: changeIndex)
        var response = try JSONResponse.make(body, status: status)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"baogong\"" }
        return response
    }
}

/// JSON responses with one encoder configuration for the whole API.
enum JSONResponse {
    /// The API's JSON encoder (`JSONEncoder` is Sendable: concurrent `encode` calls are safe).
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func make<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        body(try encoder.encode(value), status: status, gzip: false)
    }

    /// A JSON answer, gzipped when the client accepts gzip and the body is worth compressing.
    static func make<T: Encodable>(_ value: T, gzipFor request: Request) throws -> Response {
        try make(json: encoder.encode(value), gzipFor: request)
    }

    /// An encoded JSON document (the sync response, written by `SyncWireFormat`), gzipped likewise.
    static func make(json: Data, gzipFor request: Request) -> Response {
        let accepts = request.headers[.acceptEncoding]?.lowercased().contains("gzip") ?? false
        return body(json, status: .ok, gzip: accepts)
    }

    private static func body(_ data: Data, status: HTTPResponse.Status, gzip: Bool) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        var bytes = data
        if gzip && data.count > 1024, let compressed = try? Gzip.compress(data) {
            bytes = compressed
            headers[.contentEncoding] = "gzip"
            headers[.vary] = "Accept-Encoding"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
