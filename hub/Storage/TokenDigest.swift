import Crypto
import Foundation

/// Secrets and their stored digests. Tokens and session ids are 256-bit random secrets, so a plain
/// SHA-256 is enough to store them (no password-style stretching); only the digest is kept, and a
/// presented secret is compared with it in constant time (swift-crypto's digest equality).
enum TokenDigest {
    /// A new 256-bit secret from the system's cryptographic generator, as 64 lowercase hex digits.
    static func newSecret() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { hex($0) }
    }

    /// The SHA-256 of `secret` (its UTF-8 bytes) as lowercase hex: what the database stores.
    static func hex(_ secret: String) -> String {
        hex(SHA256.hash(data: Data(secret.utf8)))
    }

    /// Whether `secret` hashes to the stored hex digest, compared in constant time.
    static func matches(_ secret: String, storedHex: String) -> Bool {
        guard let stored = bytes(fromHex: storedHex), stored.count == SHA256.byteCount else { return false }
        return SHA256.hash(data: Data(secret.utf8)) == stored
    }

    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func bytes(fromHex text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        for i in stride(from: 0, to: utf8.count, by: 2) {
            guard let high = nibble(utf8[i]), let low = nibble(utf8[i + 1]) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }
}
