import Foundation

/// The release executables beside the bench, and a `baogong-hub serve` of them on a free loopback
/// port with stores enrolled through its CLI: the set-up of the scenarios that time real processes.
struct ReleaseBinaries {
    let directory: String
    var agent: String { directory + "/baogong-agent" }
    var hub: String { directory + "/baogong-hub" }

    /// Refuses to go on when either executable was not built.
    func check() throws {
        for binary in [agent, hub] where !FileManager.default.isExecutableFile(atPath: binary) {
            throw BenchError("\(binary) is missing: swift build -c release --scratch-path .build-release")
        }
    }
}

struct ServedHub {
    let process: Process
    let port: Int
    /// Each enrolled store's token.
    let tokens: [String: String]
    var url: String { "http://127.0.0.1:\(port)" }

    /// Enrols `stores` into the hub database at `database`, then serves it until `stop()`.
    static func start(_ binaries: ReleaseBinaries, database: String, stores: [String], log: String) async throws -> ServedHub {
        var tokens = [String: String]()
        for store in stores {
            let added = try Shell.run(binaries.hub, ["stores", "add", "--db", database, "--id", store, "--name", "Bench \(store)", "--json"])
            guard added.status == 0, let json = try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: String],
                let token = json["token"]
            else { throw BenchError("stores add failed: \(added.stderr)") }
            tokens[store] = token
        }
        let port = try Network.freePort()
        let process = try Shell.start(binaries.hub, ["serve", "--db", database, "--port", "\(port)", "--log-level", "error"], log: log)
        do {
            try await Network.waitForHealth("http://127.0.0.1:\(port)/healthz")
        } catch {
            Shell.stop(process)
            throw error
        }
        return ServedHub(process: process, port: port, tokens: tokens)
    }

    func stop() { Shell.stop(process) }
}
