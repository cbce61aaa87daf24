import Crypto
import Foundation

/// Sync by file (离线数据包): what `POST /v1/sync` carries, written to a file that travels by USB
/// stick or a messaging app when there is no network.
///
/// An *upload* holds a device's batches (sync requests, as on the wire); the hub merges them exactly
/// as `/v1/sync` would and writes an *answer*: for each batch, what the agent believed and the hub's
/// response, then the rest of what the hub would have sent down. Layout:
///
///     BAOGONG-BUNDLE 1\n
///     {header JSON}\n                      kind, store, replica, id, created_at, counts
///     gzip(frames)                        each frame: 4-byte big-endian length, then bytes
///     HMAC-SHA256 (32 bytes)              over everything before it
///
/// The MAC's key is derived from the store's token (the hub derives it from the token's SHA-256,
/// which is what it stores), so the hub can tell a bundle came from that store and was not altered,
/// and the agent can tell the same of the answer. The header is readable before the MAC is checked
/// only so that the right store's key can be found; nothing in it is trusted until then.
public struct SyncBundle: Sendable {
    public enum Kind: String, Codable, Sendable {
        case upload, answer
    }

    public struct Header: Codable, Sendable, Hashable {
        public var format: Int
        public var kind: Kind
        public var store: String
        public var replica: ReplicaID
        /// Random, to tell two bundles apart in messages and logs.
        public var id: String
        public var createdAt: String
        public var batches: Int
        public var changes: Int

        public init(kind: Kind, store: String, replica: ReplicaID, id: String, createdAt: String, batches: Int, changes: Int) {
            self.format = SyncBundle.format
            self.kind = kind
            self.store = store
            self.replica = replica
            self.id = id
            self.createdAt = createdAt
            self.batches = batches
            self.changes = changes
        }

        enum CodingKeys: String, CodingKey {
            case format, kind, store, replica, id, batches, changes
            case createdAt = "created_at"
        }
    }

    /// One step of an answer: what the agent's batch said it believed, and the hub's response.
    public struct AnswerStep: Sendable {
        public var upto: Int64
        public var acked: Int64?
        public var response: SyncResponse

        public init(upto: Int64, acked: Int64?, response: SyncResponse) {
            self.upto = upto
            self.acked = acked
            self.response = response
        }
    }

    public static let format = 1
    static let magic = Data("BAOGONG-BUNDLE 1\n".utf8)
    /// A bundle file larger than this is refused before it is read further.
    public static let maxFileBytes = 512 * 1024 * 1024
    /// Its frames inflated.
    static let maxInflatedBytes = 2 * 1024 * 1024 * 1024

    public var header: Header
    public var frames: [Data]

    public init(header: Header, frames: [Data]) {
        self.header = header
        self.frames = frames
    }

    // MARK: - Keys

    /// The key for a store whose token has this SHA-256 (what the hub stores).
    public static func key(tokenDigest: some ContiguousBytes) -> SymmetricKey {
        let digest = tokenDigest.withUnsafeBytes { SymmetricKey(data: $0) }
        return SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data("baogong.bundle.v1".utf8), using: digest))
    }

    /// The key for a store's token (what the agent holds).
    public static func key(token: String) -> SymmetricKey {
        key(tokenDigest: Data(SHA256.hash(data: Data(token.utf8))))
    }

    // MARK: - Uploads and answers

    public static func upload(_ batches: [SyncRequest], store: String, replica: ReplicaID, createdAt: String) throws -> SyncBundle {
        let frames = try batches.map { try $0.jsonData() }
        let header = Header(
            kind: .upload, store: store, replica: replica, id: newID(), createdAt: createdAt,
            batches: batches.count, changes: batches.reduce(0) { $0 + $1.changes.count }
        )
        return SyncBundle(header: header, frames: frames)
    }

    public func requests() throws(BundleError) -> [SyncRequest] {
        try frames.map { frame throws(BundleError) in
            do {
                return try SyncRequest(jsonData: frame)
            } catch {
                throw BundleError(.malformed, "a batch in the bundle is not a sync request: \(error)")
            }
        }
    }

    private struct StepFrame: Codable {
        var upto: Int64
        var acked: Int64?
    }

    public static func answer(_ steps: [AnswerStep], store: String, replica: ReplicaID, createdAt: String) throws -> SyncBundle {
        var frames = [Data]()
        for step in steps {
            frames.append(try JSONEncoder().encode(StepFrame(upto: step.upto, acked: step.acked)))
            frames.append(try step.response.jsonData())
        }
        let header = Header(
            kind: .answer, store: store, replica: replica, id: newID(), createdAt: createdAt,
            batches: steps.count, changes: steps.reduce(0) { $0 + $1.response.changes.count }
        )
        return SyncBundle(header: header, frames: frames)
    }

    public func answerSteps() throws(BundleError) -> [AnswerStep] {
        guard frames.count % 2 == 0 else { throw BundleError(.malformed, "the answer's steps are incomplete") }
        var steps = [AnswerStep]()
        for index in stride(from: 0, to: frames.count, by: 2) {
            do {
                let step = try JSONDecoder().decode(StepFrame.self, from: frames[index])
                steps.append(AnswerStep(upto: step.upto, acked: step.acked, response: try SyncResponse(jsonData: frames[index + 1])))
            } catch {
                throw BundleError(.malformed, "a step of the answer is not a sync response: \(error)")
            }
        }
        return steps
    }

    // MARK: - Bytes

    /// The file's bytes, authenticated with `key`.
    public func sealed(with key: SymmetricKey) throws -> Data {
        var payload = Data()
        for frame in frames {
            withUnsafeBytes(of: UInt32(frame.count).bigEndian) { payload.append(contentsOf: $0) }
            payload.append(frame)
        }
        var file = Self.magic
        file.append(try JSONEncoder().encode(header))
        file.append(0x0A)
        file.append(try Gzip.compress(payload))
        file.append(contentsOf: HMAC<SHA256>.authenticationCode(for: file, using: key))
        return file
    }

    /// The header, read before the MAC is checked: only to find whose key to check it with.
    public static func unverifiedHeader(of file: Data) throws(BundleError) -> Header {
        try split(file).header
    }

    /// Checks the MAC with `key`, then reads the frames. A single altered byte anywhere is refused.
    public static func open(_ file: Data, key: SymmetricKey) throws(BundleError) -> SyncBundle {
        let parts = try split(file)
        let signed = file.prefix(file.count - SHA256.byteCount)
        let mac = file.suffix(SHA256.byteCount)
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: key) else {
            throw BundleError(
                .notAuthentic,
                "the bundle was altered, or was not made with store \(parts.header.store)'s current token; nothing was imported"
            )
        }
        let payload: Data
        do {
            payload = try Gzip.decompress(parts.payload, limit: maxInflatedBytes)
        } catch {
            throw BundleError(.malformed, "the bundle's contents cannot be inflated: \(error)")
        }
        var frames = [Data]()
        var offset = payload.startIndex
        while offset < payload.endIndex {
            guard payload.endIndex - offset >= 4 else { throw BundleError(.malformed, "the bundle ends inside a frame") }
            let length = payload[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            offset += 4
            guard payload.endIndex - offset >= length else { throw BundleError(.malformed, "the bundle ends inside a frame") }
            frames.append(Data(payload[offset..<offset + length]))
            offset += length
        }
        return SyncBundle(header: parts.header, frames: frames)
    }

    private static func split(_ file: Data) throws(BundleError) -> (header: Header, payload: Data) {
        guard file.count <= maxFileBytes else {
            throw BundleError(.malformed, "the file is \(file.count) bytes; a bundle is at most \(maxFileBytes)")
        }
        guard file.starts(with: magic) else {
            throw BundleError(.malformed, "not a Baogong bundle (it does not start with 'BAOGONG-BUNDLE 1')")
        }
        let afterMagic = file.index(file.startIndex, offsetBy: magic.count)
        guard let newline = file[afterMagic...].prefix(4096).firstIndex(of: 0x0A),
            file.endIndex - newline > SHA256.byteCount
        else {
            throw BundleError(.malformed, "the bundle is cut short")
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: file[afterMagic..<newline])
        } catch {
            throw BundleError(.malformed, "the bundle's header cannot be read: \(error)")
        }
        guard header.format == format else {
            throw BundleError(.malformed, "bundle format \(header.format) is not supported (this version reads \(format))")
        }
        return (header, file[(newline + 1)..<(file.endIndex - SHA256.byteCount)])
    }

    private static func newID() -> String {
        SymmetricKey(size: .bits128).withUnsafeBytes { bytes in bytes.prefix(6).map { String(format: "%02x", $0) }.joined() }
    }
}

/// Why a bundle file cannot be used. Nothing was imported when one is thrown.
public struct BundleError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case malformed = "malformed_bundle"
        case notAuthentic = "bundle_not_authentic"
        case wrongKind = "wrong_bundle_kind"
        case wrongStore = "wrong_store"
    }

    public let code: Code
    public let message: String
    public var description: String { message }

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}
