import BaogongModel
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationEssentialsCompat

/// The fields of an `application/x-www-form-urlencoded` body: `name=value` pairs joined by `&`,
/// percent-encoded, `+` for a space. The first of repeated names wins, as with the JSON bodies; a
/// name the form does not use is ignored. A pair whose encoding is broken is 400 `malformed_form`.
struct FormFields {
    private var values: [String: String] = [:]

    init(_ body: String) throws {
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), let value = Self.decode(parts.count > 1 ? parts[1] : "") else {
                throw HubError.badRequest("the form is malformed: '\(pair.prefix(100))' is not percent-encoded", code: "malformed_form")
            }
            if values[name] == nil { values[name] = value }
        }
    }

    subscript(_ name: String) -> String? { values[name] }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// Refuses (415) a body that is not declared as a form.
    static func requireFormType(_ request: Request, what: String) throws {
        let type = request.headers[.contentType]?.lowercased().split(separator: ";").first?.trimmingCharacters(in: .whitespaces)
        guard type == "application/x-www-form-urlencoded" else {
            throw HubError(
                .unsupportedMediaType, "unsupported_media_type",
                "\(what) is a form (application/x-www-form-urlencoded), not \(type ?? "no content type")"
            )
        }
    }

    /// Reads and parses a form body of at most `limit` bytes (413 naming `what` and its limit beyond).
    static func read(_ request: Request, limit: Int, what: String) async throws -> FormFields {
        let body = try await readBody(request, limit: limit) { length in
            HubError(
                .contentTooLarge, "payload_too_large",
                "\(what) is limited to \(limit / 1024) KiB (\(limit) bytes); this one has " + (length.map { "\($0) bytes" } ?? "more")
            )
        }
        return try FormFields(String(buffer: body))
    }
}

/// JSON request bodies of the operator API: declared as JSON (else 415), at most `limit` bytes (else
/// 413 naming the limit), and decoded into `T` (else 400 naming the key at fault).
enum JSONBody {
    /// The largest JSON body of the matching desk's requests (a confirm is about 100 bytes).
    static let operatorLimit = 64 * 1024

    static func isJSON(_ request: Request) -> Bool {
        let type = request.headers[.contentType]?.lowercased().split(separator: ";").first?.trimmingCharacters(in: .whitespaces)
        return type == "application/json"
    }

    /// The body decoded as `T`; nil when the request has no body at all and `optional` allows that.
    static func decode<T: Decodable>(_: T.Type, from request: Request, what: String, optional: Bool = false) async throws -> T? {
        let body = try await readBody(request, limit: operatorLimit) { length in
            HubError(
                .contentTooLarge, "payload_too_large",
                "\(what) is limited to \(operatorLimit / 1024) KiB (\(operatorLimit) bytes); this one has "
                    + (length.map { "\($0) bytes" } ?? "more")
            )
        }
        if optional && body.readableBytes == 0 { return nil }
        guard isJSON(request) else {
            let type = request.headers[.contentType] ?? "no content type"
            throw HubError(.unsupportedMediaType, "unsupported_media_type", "\(what) is JSON (application/json), not \(type)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: body))
        } catch DecodingError.keyNotFound(let key, _) {
            throw HubError(.badRequest, "bad_request", "\(key.stringValue) is required", field: key.stringValue)
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw HubError(.badRequest, "bad_request", "\(field.isEmpty ? "the body" : field) has the wrong type", field: field.isEmpty ? nil : field)
        } catch {
            throw HubError.badRequest("\(what) is not valid JSON", code: "malformed_json")
        }
    }
}

/// Query parameters read exactly: a value the API description does not allow is 400 `invalid_parameter`.
enum Query {
    /// A whole number within `range`, or `fallback` when the parameter is absent.
    static func integer(_ request: Request, _ name: String, in range: ClosedRange<Int64>, default fallback: Int64) throws -> Int64 {
        guard let text = request.uri.queryParameters.get(name) else { return fallback }
        guard let value = Int64(text), range.contains(value) else {
            throw HubError(
                .badRequest, "invalid_parameter", "\(name): must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'",
                field: name
            )
        }
        return value
    }

    /// One of `choices`, exactly as written, or nil when the parameter is absent.
    static func choice(_ request: Request, _ name: String, _ choices: [String]) throws -> String? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        guard choices.contains(text) else {
            throw HubError(
                .badRequest, "invalid_parameter", "\(name): must be one of \(choices.joined(separator: ", ")), got '\(text)'", field: name
            )
        }
        return text
    }

    /// A date `YYYY-MM-DD` from 1900-01-01 to 2999-12-31, or nil when the parameter is absent.
    static func date(_ request: Request, _ name: String) throws -> CalendarDate? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        do throws(DomainError) { return try CalendarDate(text, field: name) } catch { throw HubError.invalidParameter(error) }
    }
}
