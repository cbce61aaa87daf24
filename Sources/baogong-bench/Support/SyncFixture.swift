import BaogongAgent
import BaogongHub
import BaogongModel
import Foundation

/// A hub serving HTTP on loopback, a byte-counting proxy in front of it, and agents enrolled with it.
struct SyncFixture {
    let directory: URL
    let database: HubDatabase
    let hub: RunningHub
    let proxy: ByteCountingProxy

    static func start(in directory: URL, name: String = "hub") async throws -> SyncFixture {
        let path = directory.appendingPathComponent("\(name).sqlite").path
        Files.removeDatabase(path)
        let database = try HubDatabase.open(path: path)
        let hub = try await RunningHub.start(HubContext.quiet(database))
        let proxy = try await ByteCountingProxy(targetPort: hub.port)
        return SyncFixture(directory: directory, database: database, hub: hub, proxy: proxy)
    }

    /// Enrols `store` and creates an agent database for it that talks to the hub directly or
    /// through the counting proxy.
    func agent(store: String, viaProxy: Bool) async throws -> AgentDatabase {
        let token = try await database.addStore(id: store, name: "Bench \(store)", township: "Town", kind: .supermarket)
        let path = directory.appendingPathComponent("agent-\(store).sqlite").path
        Files.removeDatabase(path)
        return try AgentDatabase.create(path: path, store: store, hub: viaProxy ? proxy.url : hub.url, token: token)
    }

    func stop() async {
        await proxy.stop()
        await hub.stop()
    }

    /// Starts a fixture, runs `body` with it and stops it, whether `body` succeeds or throws.
    static func with<T>(in directory: URL, name: String = "hub", _ body: (SyncFixture) async throws -> T) async throws -> T {
        let fixture = try await start(in: directory, name: name)
        do {
            let result = try await body(fixture)
            await fixture.stop()
            return result
        } catch {
            await fixture.stop()
            throw error
        }
    }
}
