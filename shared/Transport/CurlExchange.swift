import CCurl
import Foundation
import Synchronization

/// One HTTP request and its answer over the system libcurl (easy interface), which gives agents and
/// hubs (a county hub calling its city hub) what Foundation's URLSession on Linux cannot: trusting
/// a private CA (`--ca-cert`) for the hub's certificate only, and a clear reason when a certificate
/// is refused.
///
/// Always: the certificate chain and the host name are verified, redirects are never followed
/// (the request carries a token), only http and https are spoken.
public struct CurlExchange: Sendable {
    public var url: String
    /// POST (with `body`) or GET.
    public var method = "POST"
    public var headers: [String] = []
    public var body = Data()
    /// PEM certificates to trust instead of the system's store (the county CA).
    public var trustedCertificatesPEM: String?
    /// Accept gzip answers (libcurl inflates them).
    public var acceptGzip = false
    /// An answer larger than this is abandoned.
    public var maxResponseBytes = 256 * 1024 * 1024

    public init(url: String) { self.url = url }

    public struct Response: Sendable {
        public var status: Int
        /// Header names lower-cased; the last value of a repeated header.
        public var headers: [String: String]
        public var body: Data
    }

    /// Why an exchange did not get an answer.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public enum Kind: Sendable { case unreachable, certificate, other }
        public var kind: Kind
        public var message: String
        public var description: String { message }
    }

    /// Runs the exchange on a thread of its own (libcurl blocks), not on the cooperative pool.
    public func perform() async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try performBlocking() })
            }
        }
    }

    public func performBlocking() throws -> Response {
        let handle = CurlHandles.shared.take()
        defer { CurlHandles.shared.give(back: handle) }
        let collector = Collector(limit: maxResponseBytes)
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }

        var list: UnsafeMutablePointer<curl_slist>?
        // No `Expect: 100-continue` round trip before large bodies: the hub answers or refuses at once.
        for header in headers + ["Expect:"] { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }

        var code = CURLE_OK
        func set(_ result: CURLcode) { if code == CURLE_OK { code = result } }
        set(baogong_curl_set_string(handle, CURLOPT_URL, url))
        set(baogong_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(baogong_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))
        set(baogong_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        set(baogong_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
        set(baogong_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
        set(baogong_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, 15))
        // An idle timeout, not a total one: a large batch on a slow link may take minutes.
        set(baogong_curl_set_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1))
        set(baogong_curl_set_long(handle, CURLOPT_LOW_SPEED_TIME, 60))
        set(baogong_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        set(baogong_curl_set_pointer(handle, CURLOPT_HTTPHEADER, list.map { UnsafeMutableRawPointer($0) }))
        if acceptGzip { set(baogong_curl_set_string(handle, CURLOPT_ACCEPT_ENCODING, "gzip")) }
        if var pem = trustedCertificatesPEM {
            // Only the county CA: the system's store is not consulted for this hub.
            set(baogong_curl_set_pointer(handle, CURLOPT_CAINFO, nil))
            set(baogong_curl_set_pointer(handle, CURLOPT_CAPATH, nil))
            pem.withUTF8 { bytes in
                set(baogong_curl_set_blob(handle, CURLOPT_CAINFO_BLOB, UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count))
            }
        }
        let context = Unmanaged.passUnretained(collector).toOpaque()
        set(baogong_curl_set_callback(handle, CURLOPT_WRITEFUNCTION, collectBody))
        set(baogong_curl_set_pointer(handle, CURLOPT_WRITEDATA, context))
        set(baogong_curl_set_callback(handle, CURLOPT_HEADERFUNCTION, collectHeader))
        set(baogong_curl_set_pointer(handle, CURLOPT_HEADERDATA, context))
        guard code == CURLE_OK else {
            throw Failure(kind: .other, message: "libcurl refused an option: \(String(cString: curl_easy_strerror(code)))")
        }

        let result: CURLcode = method == "GET" ? getting(handle) : body.withUnsafeBytes { raw in
            var code = baogong_curl_set_long(handle, CURLOPT_POST, 1)
            if code == CURLE_OK { code = baogong_curl_set_large(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(raw.count)) }
            if code == CURLE_OK { code = baogong_curl_set_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(errorBuffer))) }
            if code == CURLE_OK { code = curl_easy_perform(handle) }
            // The body's memory is gone after this closure: libcurl must not keep a pointer to it.
            _ = baogong_curl_set_pointer(handle, CURLOPT_POSTFIELDS, nil)
            return code
        }
        guard result == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            throw Failure(kind: Self.kind(of: result), message: detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail)
        }
        var status = 0
        _ = baogong_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return withExtendedLifetime(collector) { Response(status: status, headers: collector.headers, body: collector.body) }
    }

    private func getting(_ handle: UnsafeMutableRawPointer) -> CURLcode {
        let code = baogong_curl_set_long(handle, CURLOPT_HTTPGET, 1)
        return code == CURLE_OK ? curl_easy_perform(handle) : code
    }

    static func kind(of code: CURLcode) -> Failure.Kind {
        switch code {
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CONNECT_ERROR,
            CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            return .certificate
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT,
            CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
            return .unreachable
        default:
            return .other
        }
    }
}

/// What the callbacks collect during one exchange.
private final class Collector {
    let limit: Int
    var body = Data()
    var headers: [String: String] = [:]
    init(limit: Int) { self.limit = limit }
}

private let collectBody: baogong_curl_data_callback = { data, size, count, context in
    let collector = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    guard collector.body.count + length <= collector.limit else { return 0 }  // libcurl stops: write error
    if let data, length > 0 { data.withMemoryRebound(to: UInt8.self, capacity: length) { collector.body.append($0, count: length) } }
    return length
}

private let collectHeader: baogong_curl_data_callback = { data, size, count, context in
    let collector = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    guard let data, length > 0 else { return length }
    let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
    if line.hasPrefix("HTTP/") {
        collector.headers = [:]  // a new response (after `100 Continue`, say) starts its headers afresh
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        collector.headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
    }
    return length
}

/// A libcurl easy handle. Sendable because the pool hands each one to a single exchange at a time.
struct CurlHandle: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
}

/// Easy handles kept between exchanges, so that connections (and TLS sessions) are reused from one
/// batch to the next as they were with URLSession.
final class CurlHandles: Sendable {
    static let shared = CurlHandles()
    private let idle = Mutex<[CurlHandle]>([])

    private init() { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }

    func take() -> UnsafeMutableRawPointer {
        if let handle = idle.withLock({ $0.popLast() }) {
            curl_easy_reset(handle.raw)  // options go; live connections and caches stay
            return handle.raw
        }
        guard let handle = curl_easy_init() else { fatalError("libcurl could not make a handle (out of memory)") }
        return handle
    }

    func give(back handle: UnsafeMutableRawPointer) {
        let kept = idle.withLock { idle -> Bool in
            guard idle.count < 4 else { return false }
            idle.append(CurlHandle(raw: handle))
            return true
        }
        if !kept { curl_easy_cleanup(handle) }
    }
}
