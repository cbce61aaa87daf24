import Crypto
import Foundation

/// A green-channel pass (绿色通道通行证): a vehicle allowed through checkpoints to bring supplies to a
/// store, checkable with no network.
///
/// The code is compact text that fits a QR code comfortably (about 200–260 characters):
/// `BGP1.<payload>.<signature>`, both parts base64url without padding. The payload is the pass's
/// fields in a fixed order separated by U+001F (UTF-8), ending with the id of the hub key that
/// signed it; the signature is Ed25519 (swift-crypto's Curve25519 signing) over the payload's bytes.
/// A checkpoint needs only the hub's public keys and the revocation list, which every agent holds.
public struct GreenPass: Sendable, Hashable, Codable {
    public var id: String
    public var store: String
    public var plate: String
    public var driver: String?
    public var cargo: String?
    public var route: String?
    public var validFrom: CalendarDate
    public var validTo: CalendarDate
    /// The id of the hub key that signs (or signed) the pass.
    public var keyID: String

    enum CodingKeys: String, CodingKey {
        case id, store, plate, driver, cargo, route, validFrom = "valid_from", validTo = "valid_to", keyID = "key_id"
    }

    public init(
        id: String, store: String, plate: String, driver: String?, cargo: String?, route: String?, validFrom: CalendarDate,
        validTo: CalendarDate, keyID: String
    ) {
        self.id = id
        self.store = store
        self.plate = plate
        self.driver = driver
        self.cargo = cargo
        self.route = route
        self.validFrom = validFrom
        self.validTo = validTo
        self.keyID = keyID
    }

    static let prefix = "BGP1"
    static let separator: Character = "\u{1F}"

    /// The signed bytes.
    var payload: [UInt8] {
        let fields = [id, store, plate, driver ?? "", cargo ?? "", route ?? "", validFrom.description, validTo.description, keyID]
        return Array(fields.joined(separator: String(Self.separator)).utf8)
    }

    /// The pass's code, signed with `key`.
    public func code(signedWith key: Curve25519.Signing.PrivateKey) throws -> String {
        let payload = self.payload
        let signature = try key.signature(for: payload)
        return "\(Self.prefix).\(Base64URL.encode(payload)).\(Base64URL.encode(Array(signature)))"
    }

    /// The id of a public key: the first 8 hex digits of its SHA-256 (what a pass names its signer by).
    public static func keyID(of publicKey: Curve25519.Signing.PublicKey) -> String {
        SHA256.hash(data: publicKey.rawRepresentation).prefix(4).map { String(format: "%02x", $0) }.joined()
    }

    /// Why a code is not a pass, for the one line a checkpoint clerk reads.
    public struct Forgery: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Reads a code and checks its signature against `publicKeys` (key id → raw public key).
    /// Throws `Forgery` for anything malformed, altered, or signed by a key not in the list.
    public static func verified(_ code: String, publicKeys: [String: [UInt8]]) throws(Forgery) -> GreenPass {
        let parts = code.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Self.prefix else {
            throw Forgery(description: "not a Baogong pass code (it must read BGP1.….…)")
        }
        guard let payload = Base64URL.decode(String(parts[1])), let signature = Base64URL.decode(String(parts[2])) else {
            throw Forgery(description: "the code is damaged: it is not valid base64url")
        }
        guard let text = String(validating: payload, as: UTF8.self) else {
            throw Forgery(description: "the code is damaged: its fields are not UTF-8")
        }
        let fields = text.split(separator: Self.separator, omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 9, let from = try? CalendarDate(fields[6]), let to = try? CalendarDate(fields[7]) else {
            throw Forgery(description: "the code is damaged: its fields do not read as a pass")
        }
        let keyID = fields[8]
        guard let raw = publicKeys[keyID], let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw Forgery(description: "signed by key \(keyID), which is not a key of this county's hub")
        }
        guard key.isValidSignature(signature, for: payload) else {
            throw Forgery(description: "the signature does not match: the code was altered or not issued by the hub")
        }
        func optional(_ s: String) -> String? { s.isEmpty ? nil : s }
        return GreenPass(
            id: fields[0], store: fields[1], plate: fields[2], driver: optional(fields[3]), cargo: optional(fields[4]),
            route: optional(fields[5]), validFrom: from, validTo: to, keyID: keyID
        )
    }
}

/// What a checkpoint learns from a pass code.
public enum PassStatus: String, Sendable, Codable, CaseIterable {
    case valid
    case notYetValid = "not_yet_valid"
    case expired
    case revoked
    case forged

    /// The status of a verified pass on `today`, given whether it was revoked.
    public static func of(_ pass: GreenPass, today: CalendarDate, revoked: Bool) -> PassStatus {
        if revoked { return .revoked }
        if today < pass.validFrom { return .notYetValid }
        if today > pass.validTo { return .expired }
        return .valid
    }
}

/// Base64url without padding (RFC 4648 §5), decoded strictly: a text that is not the canonical
/// encoding of its bytes (stray characters, padding, non-zero trailing bits) is refused, so that no
/// two codes carry the same pass.
public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: String) -> [UInt8]? {
        guard text.utf8.allSatisfy({ $0 != UInt8(ascii: "=") && $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "/") }) else {
            return nil
        }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: standard) else { return nil }
        let bytes = [UInt8](data)
        return encode(bytes) == text ? bytes : nil
    }
}
