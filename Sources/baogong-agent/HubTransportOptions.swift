import ArgumentParser
import BaogongAgent

/// How the agent trusts the hub: a county's private CA, and whether plain http off this machine is
/// allowed (it sends the store's token in the clear, so it must be asked for).
struct HubTransportOptions: ParsableArguments {
    @Option(name: .customLong("ca-cert"), help: "A PEM file with the county CA that signed the hub's certificate.")
    var caCert: String?
    @Flag(
        name: .customLong("allow-insecure-http"), inversion: .prefixedNo,
        help: "Allow plain http:// to a hub that is not on this machine (the token travels unencrypted)."
    )
    var allowInsecureHTTP: Bool?

    /// The CA's certificates, read now, so that a moved file never breaks a later sync.
    func caCertificates() throws -> String? {
        try caCert.map { path throws(AgentError) in try HubAddress.readCACertificates(path: path) }
    }
}
