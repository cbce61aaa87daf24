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
}
