import Foundation

/// Host names and addresses as both programs judge them: the agent sends its token in the clear
/// only to loopback, and the hub warns when it serves plain HTTP beyond it.
public enum NetworkAddress {
    /// `localhost` (and `*.localhost`), 127.0.0.0/8 and ::1, with or without brackets: traffic
    /// that never leaves this machine.
    public static func isLoopback(_ host: String) -> Bool {
        var bare = host.lowercased()
        if bare.hasPrefix("[") && bare.hasSuffix("]") { bare = String(bare.dropFirst().dropLast()) }
        if bare == "localhost" || bare.hasSuffix(".localhost") || bare == "::1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// An http(s) URL of a peer (an agent's hub, a county hub's city hub): whether it speaks TLS and
    /// its host; nil for anything else.
    public static func httpPeer(_ url: String) -> (tls: Bool, host: String)? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = parsed.host, !host.isEmpty
        else { return nil }
        return (scheme == "https", host)
    }

    /// Plain http to a peer beyond this machine: a token would cross the network unencrypted.
    public static func isInsecure(_ peer: (tls: Bool, host: String)) -> Bool { !peer.tls && !isLoopback(peer.host) }
}

/// PEM certificates given to trust a private CA (`--ca-cert`), as agent and hub read them.
public enum PEMCertificates {
    public enum Problem: Error, Sendable, Hashable { case unreadable, notText, noCertificate }

    /// The file's text: at most 1 MiB of UTF-8 holding at least one PEM certificate.
    public static func read(path: String) -> Result<String, Problem> {
        guard let data = FileManager.default.contents(atPath: path) else { return .failure(.unreadable) }
        guard data.count <= 1024 * 1024, let text = String(data: data, encoding: .utf8) else { return .failure(.notText) }
        guard text.contains("-----BEGIN CERTIFICATE-----"), text.contains("-----END CERTIFICATE-----") else {
            return .failure(.noCertificate)
        }
        return .success(text)
    }
}
