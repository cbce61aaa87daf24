import Foundation
import NIOSSL

/// The hub's TLS identity (`serve --tls-cert FILE --tls-key FILE`): a PEM certificate chain, leaf
/// first, and its PEM private key, checked when the server starts so that a wrong file is named at
/// once rather than at the first handshake. TLS 1.2 at least.
public struct HubTLS: Sendable {
    public let configuration: TLSConfiguration
    /// When the leaf certificate stops being valid.
    public let notValidAfter: Date
    /// The leaf's validity has not begun or has ended (checked against `now` at load).
    public let expired: Bool

    /// Why the certificate or key cannot be used.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func load(certificate: String, key: String, now: Date = Date()) throws -> HubTLS {
        for (flag, path) in [("--tls-cert", certificate), ("--tls-key", key)] where !FileManager.default.isReadableFile(atPath: path) {
            throw Failure(description: "\(flag): cannot read \(path)")
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw Failure(description: "--tls-cert: \(certificate) is not a PEM certificate chain (\(error))")
        }
        guard let leaf = chain.first else {
            throw Failure(description: "--tls-cert: \(certificate) holds no certificate")
        }
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw Failure(description: "--tls-key: \(key) is not a PEM private key (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey)
        )
        configuration.minimumTLSVersion = .tlsv12
        do {
            _ = try NIOSSLContext(configuration: configuration)  // the key must belong to the certificate
        } catch {
            throw Failure(description: "--tls-key: \(key) does not go with the certificate in \(certificate) (\(error))")
        }
        let notBefore = Date(timeIntervalSince1970: TimeInterval(leaf.notValidBefore))
        let notAfter = Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter))
        return HubTLS(configuration: configuration, notValidAfter: notAfter, expired: now < notBefore || now > notAfter)
    }
}
