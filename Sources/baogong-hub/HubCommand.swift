import ArgumentParser
import BaogongCommandLine
import BaogongHub
import BaogongModel
import Foundation
import Logging
import UnixSignals

@main
enum HubMain {
    static func main() async { await CommandLineTool.main(HubCommand.self) }
}

struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baogong-hub",
        abstract: "Baogong county hub (保供县级平台): merge every store's records into county-wide views.",
        subcommands: [
            Serve.self, StoresCommand.self, OperatorsCommand.self, CatalogCommand.self, NoticesCommand.self,
            Status.self, BackupCommand.self, Supply.self, Alerts.self, Checkpoints.self, Reporting.self, ReportCommand.self,
            MatchingCommand.self, PassesCommand.self, DeliveriesCommand.self, BundleCommand.self, History.self, Compact.self,
            Approve.self, Unapprove.self, CountiesCommand.self, UpstreamCommand.self, DemoCommand.self, OpenAPI.self, Migrate.self, Copy.self,
        ]
    )
}

struct HubDatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "The hub's SQLite database (default ./baogong-hub.sqlite).")
    var path: String?
    @Option(
        name: .customLong("database"),
        help: "A PostgreSQL database instead: postgres://user[:password]@host[:port]/dbname (or ?host=/socket/dir); also BAOGONG_HUB_DATABASE."
    )
    var url: String?

    /// The environment variable that names a PostgreSQL database when `--database` is not given.
    static let environmentVariable = "BAOGONG_HUB_DATABASE"

    /// Where the hub's data is: a SQLite file, or a PostgreSQL database.
    enum Location {
        case sqlite(String)
        case postgres(PostgresLocation)
    }

    func validate() throws {
        let environment = ProcessInfo.processInfo.environment[Self.environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        if path != nil && url != nil { throw ValidationError("give --db (SQLite) or --database (PostgreSQL), not both") }
        if path != nil && environment != nil {
            throw ValidationError("--db names a SQLite file but \(Self.environmentVariable) names a PostgreSQL database; unset one")
        }
        if let text = url ?? environment {
            do throws(DomainError) {
                _ = try PostgresLocation(text)
            } catch {
                throw ValidationError("--database: \(error.message)")
            }
        }
    }

    var location: Location {
        get throws {
            let environment = ProcessInfo.processInfo.environment[Self.environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
            if let text = url ?? (path == nil ? environment : nil) { return .postgres(try PostgresLocation(text)) }
            return .sqlite(path ?? "./baogong-hub.sqlite")
        }
    }

    /// Opens the hub's store, creating it when `create` (serve, enrolment); read commands refuse a
    /// missing SQLite file. A PostgreSQL database is migrated on opening (under an advisory lock).
    func open(create: Bool = false) async throws -> any HubStore {
        switch try location {
        case .sqlite: return try openSQLite(create: create, for: nil)
        case .postgres(let location): return try await PostgresHubStore.open(location)
        }
    }

    /// The SQLite database, for what only a SQLite hub does (`backup`): on PostgreSQL, a usage error
    /// (exit 2) that says what to use instead.
    func openSQLite(create: Bool = false, for command: String?) throws -> HubDatabase {
        switch try location {
        case .postgres(let location):
            CommandLineTool.refuse(
                "baogong-hub", "\(command ?? "this command") works on a SQLite hub; back up \(location) with pg_dump (docs/operator.md)"
            )
            throw ExitCode(2)
        case .sqlite(let path):
            if !create && !FileManager.default.fileExists(atPath: path) {
                throw DomainError(.notFound, field: "db", "no hub database at \(path); enrol a store or run 'baogong-hub serve' first")
            }
            return try HubDatabase.open(path: path)
        }
    }
}

/// Runs a command body; a refusal becomes one line on stderr and exit 1.
func guarded<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as DomainError {
        CommandLineTool.refuse("baogong-hub", error.description)
        throw ExitCode(1)
    } catch let error as ExitCode {
        throw error
    } catch {
        CommandLineTool.refuse("baogong-hub", "\(error)")
        throw ExitCode(1)
    }
}

func printJSON<T: Encodable>(_ value: T) throws { try CommandLineTool.printJSON(value) }

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the hub's HTTP server until SIGTERM/SIGINT.")
    @OptionGroup var db: HubDatabaseOptions
    @Option var host = "127.0.0.1"
    @Option var port = 8080
    @Option(name: .customLong("stale-hours"), help: "Hours without a sync after which a device is stale.")
    var staleHours: Double = 6
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info
    @Option(name: .customLong("sync-memory-mb"), help: "Sync bodies held in memory at once, in MiB; beyond it: 503 busy.")
    var syncMemoryMB: Int = 64
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain (leaf first): serve https.")
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert.")
    var tlsKey: String?
    @Option(name: .customLong("retain-days"), help: "Days of history kept; older superseded entries are compacted daily.")
    var retainDays = 400
    @Option(name: .customLong("upstream-interval"), help: "Seconds between upward syncs to the city hub, when one is set.")
    var upstreamInterval: Double = 30
    @Option(name: .customLong("upstream-max-backoff"), help: "Longest wait, in seconds, between failed upward syncs.")
    var upstreamMaxBackoff: Double = 900
    @OptionGroup var deadline: DeadlineOptions
    func validate() throws {
        guard upstreamMaxBackoff >= 0.1 else { throw ValidationError("--upstream-max-backoff: at least 0.1 s, got \(upstreamMaxBackoff)") }
        guard upstreamInterval >= 0.1 else { throw ValidationError("--upstream-interval: at least 0.1 s, got \(upstreamInterval)") }
        guard syncMemoryMB >= 1 else { throw ValidationError("--sync-memory-mb: must be at least 1, got \(syncMemoryMB)") }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("give --tls-cert and --tls-key together") }
        guard retainDays >= 1 else { throw ValidationError("--retain-days: must be at least 1, got \(retainDays)") }
    }

    func run() async throws {
        try await guarded {
            var logger = Logger(label: "baogong.hub")
            logger.logLevel = logLevel
            var settings = deadline.settings
            settings.staleAfter = staleHours * 3600
            let hub = HubContext(
                database: try await db.open(create: true), logger: logger, viewSettings: settings,
                syncMemory: SyncMemoryBudget(limit: syncMemoryMB * 1024 * 1024)
            )
            var tls: HubTLS?
            if let tlsCert, let tlsKey {
                tls = try HubTLS.load(certificate: tlsCert, key: tlsKey)
                if tls!.expired {
                    logger.warning("the TLS certificate is not valid now (valid until \(Timestamps.iso(tls!.notValidAfter))); agents will refuse it")
                }
            } else if !NetworkAddress.isLoopback(host) {
                logger.warning(
                    "serving plain HTTP on \(host): tokens and data cross the network unencrypted; give --tls-cert and --tls-key"
                )
            }
            let compaction = CompactionService(database: hub.database, retainDays: retainDays, logger: logger)
            // While a city hub is set (`upstream set`), sync upward in the background with back-off.
            let upstream = UpstreamService(
                database: hub.database, logger: logger, interval: .milliseconds(Int64(upstreamInterval * 1000)),
                maxBackoff: .milliseconds(Int64(upstreamMaxBackoff * 1000))
            )
            let running = try await RunningHub.start(
                hub, host: host, port: port, tls: tls, background: [compaction, upstream], shutdownSignals: [.sigterm, .sigint]
            )
            try await running.wait()
        }
    }
}

struct StoresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stores", abstract: "Enrol stores and manage their tokens.",
        subcommands: [Add.self, List.self, Revoke.self, RotateToken.self, Authorise.self, Close.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enrol a store and print its token once.")
        @OptionGroup var db: HubDatabaseOptions
        @Option var id: String
        @Option var name: String
        @Option var township: String?
        @Option(help: "supermarket, market, mall or supplier") var kind: StoreKind = .supermarket
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let token = try await db.open(create: true).addStore(id: id, name: name, township: township, kind: kind, now: Date())
                if json { return try printJSON(["id": id, "token": token]) }
                print("enrolled \(id) (\(name)); its token, shown only now:\n\(token)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var db: HubDatabaseOptions
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let stores = try await db.open().listStores()
                if json { return try printJSON(stores) }
                for s in stores {
                    print("\(s.id)\t\(s.name)\t\(s.kind?.rawValue ?? "")\t\(s.township ?? "")\t\(s.revoked ? "REVOKED" : "active")")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse the store's token from now on.")
        @OptionGroup var db: HubDatabaseOptions
        @Option var id: String
        func run() async throws {
            try await guarded {
                try await db.open().revokeStore(id: id, now: Date())
                print("revoked the token of \(id)")
            }
        }
    }

    struct RotateToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-token", abstract: "Issue a new token for a store; the old one stops working."
        )
        @OptionGroup var db: HubDatabaseOptions
        @Option var id: String
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let token = try await db.open().rotateStoreToken(id: id, now: Date())
                if json { return try printJSON(["id": id, "token": token]) }
                print("new token for \(id), shown only now:\n\(token)")
            }
        }
    }

    struct Authorise: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record the bureau's authorisation for a store to open.")
        @OptionGroup var db: HubDatabaseOptions
        @Option var id: String
        @Option(help: "YYYY-MM-DD") var date: String
        func validate() throws { try CommandLineTool.validateDate(date) }
        func run() async throws {
            try await guarded {
                try await db.open().setStoreStatus(store: id, open: true, authority: .authorised, reason: nil, since: try CalendarDate(date), now: Date())
                print("\(id) authorised to open from \(date)")
            }
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a closure order for a store.")
        @OptionGroup var db: HubDatabaseOptions
        @Option var id: String
        @Option(help: "YYYY-MM-DD") var date: String
        @Option var reason: String
        func validate() throws { try CommandLineTool.validateDate(date) }
        func run() async throws {
            try await guarded {
                try await db.open().setStoreStatus(store: id, open: false, authority: .order, reason: reason, since: try CalendarDate(date), now: Date())
                print("\(id) closed by order from \(date): \(reason)")
            }
        }
    }
}

struct OperatorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operators", abstract: "Operator tokens and their roles.", subcommands: [Add.self, List.self, Revoke.self]
    )

    struct List: AsyncParsableCommand {
        @OptionGroup var db: HubDatabaseOptions
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let operators = try await db.open().listOperators()
                if json { return try printJSON(operators) }
                for o in operators {
                    print("\(o.id)\t\(o.name)\t\(o.role.rawValue)\t\(o.createdAt)\t\(o.revoked ? "REVOKED" : "active")")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse an operator's token and end its dashboard sessions.")
        @OptionGroup var db: HubDatabaseOptions
        @Option var id: String
        func run() async throws {
            try await guarded {
                try await db.open().revokeOperator(id: id, now: Date())
                print("revoked operator \(id)")
            }
        }
    }

    struct Add: AsyncParsableCommand {
        @OptionGroup var db: HubDatabaseOptions
        @Option var name: String
        @Option(help: "viewer (reads only), dispatcher (also confirms matches) or admin.") var role: OperatorRole = .viewer
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let issued = try await db.open(create: true).addOperator(name: name, role: role, now: Date())
                if json { return try printJSON(["id": issued.id, "name": name, "role": role.rawValue, "token": issued.token]) }
                print("operator \(name) (\(issued.id), \(role.rawValue)); token, shown only now:\n\(issued.token)")
            }
        }
    }
}

struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "catalog", abstract: "The commodity catalog sent to agents.",
                                                    subcommands: [Set.self, List.self])

    struct Set: AsyncParsableCommand {
        @OptionGroup var db: HubDatabaseOptions
        @Option var commodity: String
        @Option(help: "kg, jin, L, barrel, bag or case (required for a new commodity).") var unit: CommodityUnit?
        @Option(name: .customLong("name-zh")) var nameZh: String?
        @Option(name: .customLong("name-en")) var nameEn: String?
        @Option(name: .customLong("min-days"), help: "County at-risk line in days of supply.") var minDays: Int?
        func validate() throws {
            if let minDays, minDays < 0 { throw ValidationError("--min-days: must not be negative, got \(minDays)") }
        }
        func run() async throws {
            try await guarded {
                // Only the flags given change: a field left out keeps its value (and its timestamp).
                let c = try await db.open(create: true).updateCatalog(
                    id: commodity, unit: unit, nameEnglish: nameEn, nameChinese: nameZh, minDays: minDays, now: Date()
                )
                print("catalog: \(c.id) in \(c.unit.rawValue) (\(c.nameChinese)), at-risk line \(c.minDays) days")
            }
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var db: HubDatabaseOptions
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let catalog = try await db.open().catalog()
                if json { return try printJSON(catalog) }
                for c in catalog { print("\(c.id)\t\(c.unit.rawValue)\t\(c.nameChinese)\t\(c.nameEnglish)\t\(c.minDays)") }
            }
        }
    }
}

struct NoticesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "notices", abstract: "Notices from the command centre to every store.",
                                                    subcommands: [Post.self, List.self])

    struct Post: AsyncParsableCommand {
        @OptionGroup var db: HubDatabaseOptions
        @Argument var text: String
        func run() async throws {
            try await guarded {
                let id = try await db.open(create: true).postNotice(text, now: Date())
                print("posted notice \(id)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var db: HubDatabaseOptions
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let notices = try await db.open().notices()
                if json { return try printJSON(notices) }
                for n in notices { print("[\(n.postedAt ?? "")] \(n.text)") }
            }
        }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Fleet sync status: every store device, problems first.")
    @OptionGroup var db: HubDatabaseOptions
    @Option(name: .customLong("stale-hours")) var staleHours: Double = 6
    @Flag var json = false

    func run() async throws {
        try await guarded {
            let rows = try await db.open().fleetStatus(staleAfter: staleHours * 3600, now: Date())
            if json { return try printJSON(rows) }
            let problems = rows.filter { $0.problemRank < 3 }.count
            print(problems == 0 ? "all \(rows.count) device(s) synced" : "\(problems) of \(rows.count) device(s) need attention")
            print("STORE      REPLICA              LAST HEARD             ACKED  PENDING  STALE  SKEW(ms)")
            for r in rows {
                print([
                    r.store.padding(toLength: 10, withPad: " ", startingAt: 0),
                    (r.replica ?? "(never synced)").padding(toLength: 20, withPad: " ", startingAt: 0),
                    (r.lastHeardAt ?? "never").padding(toLength: 22, withPad: " ", startingAt: 0),
                    String(r.ackedSeq).leftPad(5), String(r.pendingReported).leftPad(8), (r.stale ? "yes" : "no").leftPad(6),
                    String(r.clockSkewMs).leftPad(9) + (r.revoked ? "  REVOKED" : ""),
                ].joined(separator: " "))
            }
        }
    }
}

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the hub database to a new file, consistently, while the hub keeps serving (备份).",
        discussion: "Restore: stop the hub, put the copy in place of the database, start the hub (docs/operator.md)."
    )
    @OptionGroup var db: HubDatabaseOptions
    @Option(name: .customLong("out"), help: "The new file to write; an existing file is refused.")
    var out: String
    @Flag var json = false

    func run() async throws {
        try await guarded {
            let summary = try db.openSQLite(for: "backup").backup(to: out)
            if json { return try printJSON(summary) }
            print(String(
                format: "backup written to %@: %.1f MB, change log up to %lld, %d store(s), in %.1f s",
                summary.path, Double(summary.bytes) / 1_048_576, summary.changeLogSeq, summary.stores, summary.seconds
            ))
        }
    }
}
