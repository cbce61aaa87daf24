import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Loopback ports and readiness for the processes the bench starts.
enum Network {
    /// A TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, length) == 0 && getsockname(fd, sa, &length) == 0
            }
        }
        guard bound else { throw BenchError("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Polls a health URL until it answers 200.
    static func waitForHealth(_ url: String, timeout: Double = 20) async throws {
        let getter = HTTPGetter()
        let start = ContinuousClock.now
        while Measure.seconds(ContinuousClock.now - start) < timeout {
            if (try? await getter.get(url)) != nil { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError("\(url) did not answer within \(Int(timeout)) s")
    }
}
