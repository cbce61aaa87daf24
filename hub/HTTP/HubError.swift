import BaogongModel
import Foundation
import HTTPTypes
import Hummingbird

/// An HTTP refusal or failure of the hub: a status and a code clients can match. Rendered as
/// `{"error": {"code": ..., "message": ..., "field": ..., "change": ...}}`.
///
/// Only the HTTP layer makes these: storage and domain code throw `DomainError`, and
/// `HubError(_ error: DomainError)` is the one place that decides its status.
public struct HubError: Error, Sendable, CustomStringConvertible, HTTPResponseError {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public var field: String?
    public var changeIndex: Int?
    /// The hub's wall clock (Unix ms), sent with `clock_ahead` so that the agent can re-stamp.
    public var hubTime: Int64?
    /// Headers the answer carries besides the JSON body (`Allow` with a 405, say).
    public var headers: HTTPFields = [:]

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
    public static let payloadTooLarge = HubError(
        .contentTooLarge, "payload_too_large", "request body larger than \(HubServerSettings.maxBodyBytes) bytes"
    )

    /// A bad query parameter (a date that does not exist, an unknown unit): 400 `invalid_parameter`.
    public static func invalidParameter(_ error: DomainError) -> HubError {
        HubError(.badRequest, "invalid_parameter", error.description, field: error.field)
    }

    /// The status and code of a domain refusal. A rule broken by one change of a sync batch is 422
    /// `invalid_change`; the same rule broken by the request itself (its replica id, its counters)
    /// is 400 `bad_request`.
    public init(_ error: DomainError) {
        let (status, code): (HTTPResponse.Status, String)
        switch error.code {
        case .wrongStore: (status, code) = (.forbidden, "forbidden")
        case .notFound: (status, code) = (.notFound, "not_found")
        case .exists: (status, code) = (.conflict, "exists")
        case .unsupportedProtocol: (status, code) = (.badRequest, "unsupported_protocol")
        case .schemaTooNew: (status, code) = (.conflict, "schema_too_new")
        case .badSchema: (status, code) = (.badRequest, "bad_schema")
        case .batchTooLarge: (status, code) = (.contentTooLarge, "batch_too_large")
        case .malformed: (status, code) = (.badRequest, "malformed_json")
        case .failed: (status, code) = (.internalServerError, "internal")
        case .forbidden: (status, code) = (.forbidden, "forbidden")
        case .overAllocated: (status, code) = (.conflict, "over_allocated")
        case .notOpen: (status, code) = (.conflict, "not_open")
        case .mismatch: (status, code) = (.conflict, "mismatch")
        case .clockAhead: (status, code) = (.conflict, "clock_ahead")
        default: (status, code) = error.change == nil ? (.badRequest, "bad_request") : (.unprocessableContent, "invalid_change")
        }
        self.init(status, code, error.description, field: error.field.isEmpty ? nil : error.field, change: error.change)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = ErrorBody(code: code, message: message, field: field, change: changeIndex, hubTime: hubTime)
        var response = try JSONResponse.make(body, status: status)
        for field in headers { response.headers[field.name] = field.value }
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

    /// A JSON document encoded earlier with `encoder` (a cached view), sent as it is.
    static func make(encoded: Data) -> Response { body(encoded, status: .ok, gzip: false) }

    /// An encoded JSON document (the sync response, written by `SyncWireFormat`), gzipped when the
    /// client accepts gzip and the body is worth compressing.
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
