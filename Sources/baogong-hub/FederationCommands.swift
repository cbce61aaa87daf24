import ArgumentParser
import BaogongCommandLine
import BaogongHub
import BaogongModel
import Foundation

/// `baogong-hub counties …` at a city hub: the county hubs that sync upward to it.
struct CountiesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "counties", abstract: "At a city hub: enrol county hubs and manage their tokens (区县平台).",
        subcommands: [Add.self, List.self, Revoke.self, RotateToken.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enrol a county hub and print its token once.")
        @OptionGroup var db: HubDatabaseOptions
        @Option(help: "Letters, digits, '_' and '-', no '.' (its stores become <county>.<store>).") var id: String
        @Option var name: String
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let token = try await db.open(create: true).addCounty(id: id, name: name, now: Date())
                if json { return try printJSON(["id": id, "token": token]) }
                print("enrolled county \(id) (\(name)); its token, shown only now:\n\(token)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var db: HubDatabaseOptions
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let counties = try await db.open().listCounties()
                if json { return try printJSON(counties) }
                for c in counties {
                    print(
                        "\(c.id)\t\(c.name)\t\(c.stores) stores\tlast sync \(c.lastSyncAt ?? "never")\t"
                            + "\(c.pendingReported) pending\t\(c.revoked ? "REVOKED" : "active")"
                    )
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse the county hub's token from now on.")
        @OptionGroup var db: HubDatabaseOptions
        @Option var id: String
        func run() async throws {
            try await guarded {
                try await db.open().revokeCounty(id: id, now: Date())
                print("revoked the token of county \(id)")
            }
        }
    }

    struct RotateToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-token", abstract: "Issue a new token for a county hub; the old one stops working."
        )
        @OptionGroup var db: HubDatabaseOptions
        @Option var id: String
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let token = try await db.open().rotateCountyToken(id: id, now: Date())
                if json { return try printJSON(["id": id, "token": token]) }
                print("new token for county \(id), shown only now:\n\(token)")
            }
        }
    }
}

/// `baogong-hub upstream …` at a county hub: its city hub, and syncing to it.
struct UpstreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upstream", abstract: "At a county hub: the city hub it syncs upward to (上报市级平台).",
        subcommands: [Set.self, Sync.self, Status.self, Clear.self]
    )

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the city hub and this county's token there; 'serve' then syncs upward in the background."
        )
        @OptionGroup var db: HubDatabaseOptions
        @Option(help: "The city hub's address, e.g. https://city.example:8443") var url: String
        @Option(help: "This county's token at the city hub (from 'counties add' there); prefer --token-file.") var token: String?
        @Option(name: .customLong("token-file"), help: "A file holding the county's token (its first line), kept from 'ps'.")
        var tokenFile: String?
        @Option(help: "This county's id at the city; the city refuses another county's token for it.") var county: String?
        @Option(name: .customLong("ca-cert"), help: "PEM CA certificate(s) to trust for the city hub.") var caCert: String?
        @Flag(name: .customLong("allow-insecure-http"), help: "Allow plain http to a city hub beyond this machine.")
        var allowInsecureHTTP = false
        func validate() throws {
            guard (token == nil) != (tokenFile == nil) else { throw ValidationError("give --token or --token-file (one of them)") }
        }

        func run() async throws {
            try await guarded {
                var secret = token ?? ""
                if let tokenFile {
                    guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8),
                        let line = text.split(whereSeparator: \.isNewline).first?.trimmingCharacters(in: .whitespaces), !line.isEmpty
                    else { throw DomainError(.invalidValue, field: "token-file", "\(tokenFile) holds no readable token") }
                    secret = line
                }
                var pem: String?
                if let caCert {
                    guard case .success(let text) = PEMCertificates.read(path: caCert) else {
                        throw DomainError(
                            .invalidValue, field: "ca-cert", "\(caCert) is not a readable PEM certificate file (at most 1 MiB)"
                        )
                    }
                    pem = text
                }
                try await db.open(create: true).setUpstream(
                    url: url, token: secret, county: county, caPEM: pem, allowInsecureHTTP: allowInsecureHTTP, now: Date()
                )
                print("upstream set: \(url); run 'baogong-hub upstream sync' or 'baogong-hub serve' to sync")
            }
        }
    }

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sync upward once, until the city holds everything.")
        @OptionGroup var db: HubDatabaseOptions
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let report = try await UpstreamSync(database: try await db.open()).run()
                if json { return try printJSON(report) }
                print(
                    "synced upward: \(report.sent) changes sent (\(report.merged) new at the city), \(report.notices) notices received,"
                        + " \(report.pending) pending"
                )
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "How far the city hub holds this county's records.")
        @OptionGroup var db: HubDatabaseOptions
        @Flag var json = false
        func run() async throws {
            try await guarded {
                guard let status = try await db.open().upstreamStatus() else {
                    throw DomainError(.notFound, field: "upstream", "no city hub is set; run 'baogong-hub upstream set --url URL --token TOKEN'")
                }
                if json { return try printJSON(status) }
                print("city hub: \(status.url)\(status.county.map { " (as county \($0))" } ?? "")")
                print("pending: \(status.pending) changes; acknowledged up to \(status.ackedSeq)")
                print("last sync: \(status.lastSyncAt ?? "never")")
                if let error = status.lastError { print("last error (\(status.lastAttemptAt ?? "")): \(error)") }
            }
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop syncing upward (the city keeps what it has).")
        @OptionGroup var db: HubDatabaseOptions
        func run() async throws {
            try await guarded {
                try await db.open().clearUpstream()
                print("upstream cleared")
            }
        }
    }
}
