import BaogongModel
import Foundation

/// The rules for a hub's address and the CA the agent trusts for it: a store's token travels with
/// every sync, so it goes in the clear only to this machine, or where the clerk said so.
public enum HubAddress {
    /// Checks an http(s) URL; plain `http://` to a host that is not loopback needs `allowInsecureHTTP`.
    public static func validate(_ hub: String, allowInsecureHTTP: Bool) throws(AgentError) {
        guard let peer = NetworkAddress.httpPeer(hub) else {
            throw AgentError(.invalidInput, "hub: '\(hub)' is not an http(s) URL")
        }
        if !allowInsecureHTTP && NetworkAddress.isInsecure(peer) {
            throw AgentError(
                .insecureHub,
                "hub: plain http to \(peer.host) would send the store's token unencrypted; use https:// (with --ca-cert FILE"
                    + " for a county CA), or give --allow-insecure-http (to init or config) on a network you trust"
            )
        }
    }

    /// Whether the URL is https.
    public static func usesTLS(_ hub: String) -> Bool { URL(string: hub)?.scheme?.lowercased() == "https" }

    /// Reads a county CA's certificate(s) for `--ca-cert`: a PEM file of at most 1 MiB.
    public static func readCACertificates(path: String) throws(AgentError) -> String {
        switch PEMCertificates.read(path: path) {
        case .success(let text): return text
        case .failure(.unreadable): throw AgentError(.invalidInput, "--ca-cert: cannot read \(path)")
        case .failure(.notText): throw AgentError(.invalidInput, "--ca-cert: \(path) is not a PEM text file")
        case .failure(.noCertificate):
            throw AgentError(.invalidInput, "--ca-cert: \(path) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
    }
}
