import BaogongAgent
import BaogongHub
import BaogongModel
import BaogongTestSupport
import Foundation
import GRDB
import Testing

/// A county's private CA and hub certificates made with openssl for one test: a good one for
/// `localhost`, one that expired in 2020, one made for another host name, and a second CA that
/// signed none of them.
struct CountyCA {
    let dir: Scratch
    var ca: String { dir.path("ca.pem") }
    var otherCA: String { dir.path("other-ca.pem") }

    init() throws {
        dir = try Scratch()
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "30", "-subj", "/CN=County CA"])
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", "30", "-subj", "/CN=Other CA"])
        try """
            [ca]
            default_ca = county
            [county]
            database = index.txt
            new_certs_dir = .
            serial = serial
            default_md = sha256
            policy = any
            [any]
            commonName = supplied
            [localhost]
            subjectAltName = DNS:localhost,IP:127.0.0.1
            [elsewhere]
            subjectAltName = DNS:elsewhere.example
            """.write(toFile: dir.path("ca.cnf"), atomically: true, encoding: .utf8)
        try "".write(toFile: dir.path("index.txt"), atomically: true, encoding: .utf8)
        try "01\n".write(toFile: dir.path("serial"), atomically: true, encoding: .utf8)
        try sign("hub", names: "localhost", validity: ["-days", "30"])
        try sign("expired", names: "localhost", validity: ["-startdate", "20200101000000Z", "-enddate", "20200201000000Z"])
        try sign("elsewhere", names: "elsewhere", validity: ["-days", "30"])
    }

    /// `NAME.pem` and `NAME.key`: a certificate for the subject names of section `names`.
    private func sign(_ name: String, names: String, validity: [String]) throws {
        try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name)"])
        try openssl(["ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-extensions", names, "-in", "\(name).csr", "-out", "\(name).pem"] + validity)
    }

    private func openssl(_ arguments: [String]) throws {
        let result = try run("/usr/bin/env", ["sh", "-c", "cd \"$0\" && exec openssl \"$@\"", dir.url.path] + arguments)
        guard result.status == 0 else { throw TestFailure("openssl \(arguments.first ?? ""): \(result.stderr)") }
    }

    func tls(_ name: String) throws -> HubTLS { try HubTLS.load(certificate: dir.path("\(name).pem"), key: dir.path("\(name).key")) }
}

@Suite("End to end: TLS at the hub", .serialized)
struct TLSTests {
    static let date = try! CalendarDate("2020-02-10")

    /// A hub speaking https with `certificate`, its database and one enrolled store's token.
    func withHub(_ certificate: String?, _ county: CountyCA, _ body: (RunningHub, HubDatabase, String) async throws -> Void) async throws {
        let database = try HubDatabase.open(path: county.dir.path("hub-\(certificate ?? "plain").sqlite"))
        let token = try await database.addStore(id: "S01", name: "Longmei", township: nil, kind: .supermarket, now: Date())
        let hub = try await RunningHub.start(.quiet(database), tls: try certificate.map { try county.tls($0) })
        do {
            try await body(hub, database, token)
        } catch {
            await hub.stop()
            throw error
        }
        await hub.stop()
    }

    func agent(_ county: CountyCA, _ name: String, hub: String, token: String, ca: String?) async throws -> AgentDatabase {
        let agent = try AgentDatabase.create(
            path: county.dir.path("\(name).sqlite"), store: "S01", hub: hub, token: token,
            trustedCertificatesPEM: try ca.map { try HubAddress.readCACertificates(path: $0) }
        )
        try await agent.recordStock(StockEntry(date: Self.date, commodity: "rice", onHand: 500, priceFen: 520))
        return agent
    }

    @Test func anAgentSyncsOverTLSWithTheCountyCA() async throws {
        let county = try CountyCA()
        try await withHub("hub", county) { hub, database, token in
            #expect(hub.url.hasPrefix("https://localhost:"))
            let agent = try await agent(county, "a", hub: hub.url, token: token, ca: county.ca)
            let report = try await SyncClient(database: agent).syncOnce()
            #expect(report.merged == 1)
            let status = try await agent.status()
            #expect(status.tls && status.caCert && status.pending == 0)
            let stock = try await database.records(set: RecordSetSchema.stock, store: "S01", date: nil, afterSeq: 0, limit: 10)
            #expect(stock.count == 1)
        }
    }

    /// An unknown CA, an expired certificate and another host's certificate are each refused with
    /// a reason the clerk can read, and nothing reaches the hub.
    @Test(arguments: [
        ("hub", "other", "unable to get local issuer certificate"),
        ("expired", "county", "expired"),
        ("elsewhere", "county", "localhost"),
    ])
    func aCertificateTheAgentCannotTrustIsRefused(certificate: String, trusted: String, reason: String) async throws {
        let county = try CountyCA()
        try await withHub(certificate, county) { hub, database, token in
            let agent = try await agent(
                county, "a", hub: hub.url, token: token, ca: trusted == "county" ? county.ca : county.otherCA
            )
            let error = await #expect(throws: AgentError.self) { try await SyncClient(database: agent).syncOnce() }
            #expect(error?.code == .tlsRefused)
            #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
            #expect(try await agent.status().lastError?.contains(reason) == true)
            let stock = try await database.records(set: RecordSetSchema.stock, store: "S01", date: nil, afterSeq: 0, limit: 10)
            #expect(stock.isEmpty)
        }
    }

    /// Without `--ca-cert` the system's CAs are used, and a county CA is not among them.
    @Test func withoutTheCountyCAThePrivateCertificateIsRefused() async throws {
        let county = try CountyCA()
        try await withHub("hub", county) { hub, _, token in
            let agent = try await agent(county, "a", hub: hub.url, token: token, ca: nil)
            let error = await #expect(throws: AgentError.self) { try await SyncClient(database: agent).syncOnce() }
            #expect(error?.code == .tlsRefused)
            #expect(error?.message.contains("--ca-cert") == true)
            #expect(try await agent.status().tls)
        }
    }

    /// A county CA given by mistake can be taken back: after `config --system-cas` the agent trusts
    /// the system's CAs again, so the county's private certificate is refused once more.
    @Test func theSystemCAsCanBeTrustedAgainAfterACountyCA() async throws {
        let county = try CountyCA()
        try await withHub("hub", county) { hub, _, token in
            let agent = try await agent(county, "a", hub: hub.url, token: token, ca: county.ca)
            #expect(try await SyncClient(database: agent).syncOnce().merged == 1)
            await #expect(throws: AgentError.self) {
                try await agent.reconfigure(hub: nil, token: nil, trustedCertificatesPEM: "x", systemCertificateAuthorities: true)
            }
            #expect(try await agent.status().caCert, "a refused change changes nothing")
            try await agent.reconfigure(hub: nil, token: nil, systemCertificateAuthorities: true)
            #expect(try await agent.status().caCert == false)
            #expect(try await agent.identity().trustedCertificatesPEM == nil)
            try await agent.recordStock(StockEntry(date: Self.date, commodity: "oil", onHand: 80, priceFen: 1500))
            let error = await #expect(throws: AgentError.self) { try await SyncClient(database: agent).syncOnce() }
            #expect(error?.code == .tlsRefused)
        }
    }

    @Test func plainHTTPOffThisMachineNeedsToBeAllowed() async throws {
        let county = try CountyCA()
        let refused = #expect(throws: AgentError.self) {
            _ = try AgentDatabase.create(path: county.dir.path("a.sqlite"), store: "S01", hub: "http://192.0.2.1:8080", token: "t")
        }
        #expect(refused?.code == .insecureHub)
        #expect(refused?.message.contains("--allow-insecure-http") == true)
        #expect(!FileManager.default.fileExists(atPath: county.dir.path("a.sqlite")) || (try? AgentDatabase.open(path: county.dir.path("a.sqlite"))) == nil)

        let allowed = try AgentDatabase.create(
            path: county.dir.path("b.sqlite"), store: "S01", hub: "http://192.0.2.1:8080", token: "t", allowInsecureHTTP: true
        )
        #expect(try await allowed.status().allowInsecureHTTP)
        // Withdrawing the permission is refused while the hub is still plain http off this machine.
        let withdrawn = await #expect(throws: AgentError.self) { try await allowed.reconfigure(hub: nil, token: nil, allowInsecureHTTP: false) }
        #expect(withdrawn?.code == .insecureHub)
        try await allowed.reconfigure(hub: "https://192.0.2.1:8443", token: nil, allowInsecureHTTP: false)
        #expect(try await allowed.status().tls)

        // A database an earlier release configured with plain http elsewhere: sync refuses before
        // sending anything, and says what to do.
        let older = try AgentDatabase.create(path: county.dir.path("c.sqlite"), store: "S01", hub: "http://127.0.0.1:9", token: "t")
        try await older.writer.write { db in try db.execute(sql: "UPDATE meta SET value = 'http://192.0.2.1:8080' WHERE name = 'hub'") }
        let sync = await #expect(throws: AgentError.self) { try await SyncClient(database: older).syncOnce() }
        #expect(sync?.code == .insecureHub)
        #expect(try await older.status().lastError?.contains("--allow-insecure-http") == true)
    }

    /// Under TLS the session cookie is `Secure`; a browser then never sends it over plain http.
    @Test func theSessionCookieIsSecureUnderTLS() async throws {
        let county = try CountyCA()
        for certificate in ["hub", nil] {
            try await withHub(certificate, county) { hub, database, _ in
                let issued = try await database.addOperator(name: "bureau", role: .viewer, now: Date())
                let answer = try await runOffPool(
                    "/usr/bin/curl",
                    ["-sS", "-o", "/dev/null", "-D", "-", "--cacert", county.ca, "-H", "Origin: \(hub.url)",
                     "--data-urlencode", "token=\(issued.token)", "\(hub.url)/login"]
                )
                let cookie = answer.stdout.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie: baogong_session=") }
                #expect(cookie != nil, "\(answer.stdout) \(answer.stderr)")
                #expect(cookie?.hasSuffix("; Secure") == (certificate != nil), "\(cookie ?? "")")
            }
        }
    }

    @Test func serveNamesABadCertificateOrKeyAndWarnsAboutPlainHTTPBeyondLoopback() throws {
        let county = try CountyCA()
        let db = county.dir.path("hub.sqlite")
        let mismatched = try run(
            Executables.hub,
            ["serve", "--db", db, "--port", String(freePort()), "--tls-cert", county.dir.path("hub.pem"), "--tls-key", county.dir.path("elsewhere.key")]
        )
        #expect(mismatched.status == 1)
        #expect(mismatched.stderr.contains("--tls-key") && mismatched.stderr.split(separator: "\n").count == 1, "\(mismatched.stderr)")
        let alone = try run(Executables.hub, ["serve", "--db", db, "--tls-cert", county.dir.path("hub.pem")])
        #expect(alone.status != 0 && alone.stderr.contains("--tls-cert and --tls-key together"))

        let open = try run(Executables.hub, ["serve", "--db", db, "--host", "0.0.0.0", "--port", String(freePort())], timeout: 3)
        #expect(open.stderr.contains("serving plain HTTP on 0.0.0.0"), "\(open.stderr)")
        let loopback = try run(Executables.hub, ["serve", "--db", db, "--port", String(freePort())], timeout: 3)
        #expect(!loopback.stderr.contains("plain HTTP"), "\(loopback.stderr)")
    }
}
