import ArgumentParser
import BaogongAgent
import BaogongCommandLine
import BaogongModel
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

@main
enum AgentMain {
    static func main() async { await CommandLineTool.main(AgentCommand.self) }
}

struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baogong-agent",
        abstract: "Baogong store agent (保供门店端): record stock and checkpoints offline, sync to the county hub.",
        subcommands: [
            Init.self, Config.self, StockCommand.self, CheckpointCommand.self, IncidentCommand.self, StoreCommand.self,
            ImportCommand.self, ShowCommand.self, NeedCommand.self, OfferCommand.self, MatchesCommand.self, MatchCommand.self,
            PassesCommand.self, PassCommand.self, DeliveryCommand.self, BundleCommand.self,
            Sync.self, Run.self, Status.self,
        ]
    )
}

struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "The agent's SQLite database.")
    var path = "./baogong-agent.sqlite"

    func open() throws -> AgentDatabase { try AgentDatabase.open(path: path) }
}

/// Runs a command body; a refusal or failure becomes one line on stderr and a non-zero exit.
func guarded<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as AgentError {
        CommandLineTool.refuse("baogong-agent", error.message)
        throw ExitCode(error.code == .hubUnreachable ? 3 : 1)
    } catch let error as DomainError {
        CommandLineTool.refuse("baogong-agent", error.description)
        throw ExitCode(1)
    } catch let error as ExitCode {
        throw error
    } catch {
        CommandLineTool.refuse("baogong-agent", "\(error)")
        throw ExitCode(1)
    }
}

func parseDate(_ text: String?) throws -> CalendarDate {
    guard let text else { return Timestamps.today() }
    return try CalendarDate(text)
}

func printJSON<T: Encodable>(_ value: T) throws { try CommandLineTool.printJSON(value) }

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create the local database and this device's replica id.")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "The store's id, as enrolled at the hub.") var store: String
    @Option(help: "The hub's URL, e.g. https://hub.example:8443; again for each further process of the same hub, tried in order.")
    var hub: [String]
    @OptionGroup var token: TokenOptions
    @OptionGroup var transport: HubTransportOptions
    @Flag(help: "A replaced PC: fetch the store's records from the hub into this new device.") var restore = false

    func run() async throws {
        try await guarded {
            guard let token = try token.resolved() else {
                throw AgentError(
                    .invalidInput, "token: give the store's token with --token-file FILE, --token - (standard input) or BAOGONG_TOKEN"
                )
            }
            guard let first = hub.first else { throw AgentError(.invalidInput, "hub: give the hub's URL with --hub") }
            let agent = try AgentDatabase.create(
                path: db.path, store: store, hub: first, otherHubs: Array(hub.dropFirst()), token: token,
                trustedCertificatesPEM: try transport.caCertificates(), allowInsecureHTTP: transport.allowInsecureHTTP ?? false
            )
            let identity = try await agent.identity()
            print("initialised \(db.path): store \(identity.store), replica \(identity.replica), hub \(identity.hub)")
            guard restore else { return }
            do {
                let restored = try await agent.restoreFromHub()
                let report = try await SyncClient(database: agent).syncOnce()
                print(
                    "restored \(restored) change(s) that the store's devices wrote, and \(report.received) from the hub"
                        + " (catalog, notices, matches, passes); this device carries on with the store's records"
                )
            } catch {
                // Nothing half-made stays behind: the same command can simply be run again.
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db.path + suffix) }
                throw error
            }
        }
    }
}

struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Change the hub URL, the store token (after 'baogong-hub stores rotate-token') or how the hub is trusted."
    )
    @OptionGroup var db: DatabaseOptions
    @Option(help: "The hub's URL; again for each further process of the same hub (replaces the list).") var hub: [String] = []
    @OptionGroup var newToken: TokenOptions
    @OptionGroup var transport: HubTransportOptions
    @Flag(
        name: .customLong("system-cas"),
        help: "Trust the system's certificate authorities again, instead of the county CA given with --ca-cert."
    )
    var systemCAs = false

    func run() async throws {
        try await guarded {
            if systemCAs, transport.caCert != nil {
                throw AgentError(.invalidInput, "give --ca-cert FILE or --system-cas, not both")
            }
            // BAOGONG_TOKEN applies only to a bare `config`, so that a variable left in the environment
            // never replaces the token while the hub address or its trust is being changed.
            let bare = hub.isEmpty && transport.caCert == nil && transport.allowInsecureHTTP == nil && !systemCAs
            let token = try bare ? newToken.resolved() : newToken.fromFlags()
            let certificates = try transport.caCertificates()
            guard !hub.isEmpty || token != nil || certificates != nil || transport.allowInsecureHTTP != nil || systemCAs else {
                throw AgentError(
                    .invalidInput,
                    "give --hub, a token (--token-file FILE, --token - or BAOGONG_TOKEN), --ca-cert, --system-cas"
                        + " or --[no-]allow-insecure-http"
                )
            }
            let agent = try db.open()
            try await agent.reconfigure(
                hub: hub.first, otherHubs: Array(hub.dropFirst()), token: token, trustedCertificatesPEM: certificates,
                systemCertificateAuthorities: systemCAs,
                allowInsecureHTTP: transport.allowInsecureHTTP
            )
            let identity = try await agent.identity()
            print("store \(identity.store), replica \(identity.replica) now syncs with \(identity.hub)")
        }
    }
}

struct StockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stock", abstract: "Stock records (库存).", subcommands: [Record.self]
    )

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a day's stock, sales and price of one commodity.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Commodity id from the catalog (rice, oil, pork…).") var commodity: String
        @Option(name: .customLong("on-hand"), parsing: .unconditional, help: "Stock on hand, in the catalog unit.")
        var onHand: String
        @Option(parsing: .unconditional, help: "Sold today.") var sold: String?
        @Option(parsing: .unconditional, help: "Received today.") var received: String?
        @Option(parsing: .unconditional, help: "Sale price in yuan per unit, e.g. 5.20.") var price: String
        @Option(help: "Source of the goods (supplier or origin).") var source: String?
        @Option(name: .customLong("restock-days"), parsing: .unconditional) var restockDays: String?
        @Option(name: .customLong("transport-days"), parsing: .unconditional) var transportDays: String?
        @Option(help: "Logistics channel.") var channel: String?
        @Option var note: String?
        @Option(help: "YYYY-MM-DD (default: today).") var date: String?
        func validate() throws { try CommandLineTool.validateDate(date) }

        func run() async throws {
            try await guarded {
                let entry = StockEntry(
                    date: try parseDate(date), commodity: commodity,
                    onHand: try NumberParsing.quantity(onHand, field: "on_hand"),
                    sold: try sold.map { v throws(DomainError) in try NumberParsing.quantity(v, field: "sold") },
                    received: try received.map { v throws(DomainError) in try NumberParsing.quantity(v, field: "received") },
                    priceFen: try Money.fen(fromYuan: price),
                    source: source,
                    restockDays: try restockDays.map { v throws(DomainError) in try NumberParsing.count(v, field: "restock_days") },
                    transportDays: try transportDays.map { v throws(DomainError) in
                        try NumberParsing.count(v, field: "transport_days")
                    },
                    channel: channel, note: note
                )
                try await db.open().recordStock(entry)
                print("recorded \(entry.commodity) for \(entry.date): on hand \(onHand), price \(Money.yuanString(fen: entry.priceFen))")
            }
        }
    }
}

struct CheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint", abstract: "Entrance checkpoint counts (测温点).", subcommands: [Record.self]
    )

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add to the day's checkpoint counters at this device.")
        @OptionGroup var db: DatabaseOptions
        @Option(parsing: .unconditional, help: "Customers checked.") var checked: String?
        @Option(name: .customLong("refused-fever"), parsing: .unconditional) var refusedFever: String?
        @Option(name: .customLong("refused-no-mask"), parsing: .unconditional) var refusedNoMask: String?
        @Option(name: .customLong("staff-checked"), parsing: .unconditional) var staffChecked: String?
        @Option(parsing: .unconditional, help: "Disinfection rounds.") var disinfections: String?
        @Option(help: "YYYY-MM-DD (default: today).") var date: String?
        func validate() throws { try CommandLineTool.validateDate(date) }

        func run() async throws {
            try await guarded {
                var counts = [String: Int64]()
                for (name, value) in [
                    ("checked", checked), ("refused_fever", refusedFever), ("refused_no_mask", refusedNoMask),
                    ("staff_checked", staffChecked), ("disinfections", disinfections),
                ] {
                    if let value { counts[name] = try NumberParsing.count(value, field: name) }
                }
                guard !counts.isEmpty else {
                    throw AgentError(.invalidInput, "give at least one count, e.g. --checked 100")
                }
                let date = try parseDate(date)
                try await db.open().recordCheckpoint(CheckpointIncrement(date: date, counts: counts))
                print("added to \(date): " + counts.sorted { $0.key < $1.key }.map { "\($0.key) +\($0.value)" }.joined(separator: ", "))
            }
        }
    }
}

struct IncidentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incident", abstract: "Fever cases at the entrance (no personal data).", subcommands: [Record.self]
    )

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a fever case.")
        @OptionGroup var db: DatabaseOptions
        @Option(parsing: .unconditional, help: "Body temperature in °C.") var temperature: String
        @Option(help: "refused or referred.") var action = "refused"
        @Option(help: "ISO 8601 time (default: now).") var time: String?

        func run() async throws {
            try await guarded {
                let t = try NumberParsing.quantity(temperature, field: "temperature")
                guard (30...45).contains(t) else {
                    throw AgentError(.invalidInput, "temperature: \(temperature) °C is not a body temperature")
                }
                guard ["refused", "referred"].contains(action) else {
                    throw AgentError(.invalidInput, "action: must be refused or referred, got '\(action)'")
                }
                var at = Date()
                if let time {
                    guard let parsed = Timestamps.parse(time) else {
                        throw AgentError(.invalidInput, "time: '\(time)' is not an ISO 8601 time like 2020-02-10T09:30:00+08:00")
                    }
                    at = parsed
                }
                let id = try await db.open().recordIncident(temperature: t, action: action, time: at)
                print("recorded incident \(id): \(temperature) °C, \(action)")
            }
        }
    }
}

struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "The store's open/closed status.", subcommands: [Open.self, Close.self]
    )

    struct Open: AsyncParsableCommand {
        @OptionGroup var db: DatabaseOptions
        @Option(help: "YYYY-MM-DD (default: today).") var date: String?
        func validate() throws { try CommandLineTool.validateDate(date) }
        func run() async throws {
            try await guarded {
                let since = try parseDate(date)
                try await db.open().setStoreStatus(open: true, reason: nil, since: since)
                print("store open since \(since)")
            }
        }
    }

    struct Close: AsyncParsableCommand {
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Why the store closes.") var reason: String
        @Option(help: "YYYY-MM-DD (default: today).") var date: String?
        func validate() throws { try CommandLineTool.validateDate(date) }
        func run() async throws {
            try await guarded {
                guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw AgentError(.invalidInput, "reason: must not be empty")
                }
                let since = try parseDate(date)
                try await db.open().setStoreStatus(open: false, reason: reason, since: since)
                print("store closed since \(since): \(reason)")
            }
        }
    }
}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Bulk import.", subcommands: [Stock.self]
    )

    struct Stock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a point-of-sale stock export (CSV) in one transaction.",
            discussion: "Columns: \(StockCSV.columns.joined(separator: ","))"
        )
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The CSV file.") var file: String
        @OptionGroup var progress: ProgressOptions

        func run() async throws {
            try await guarded {
                let agent = try db.open()
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw AgentError(.invalidInput, "cannot read \(file)")
                }
                let parsed = try StockCSV.parseWithLines(try StockCSV.text(data))
                let entries = parsed.map(\.entry)
                let line = progress.reporter(task: "importing", unit: "rows")
                defer { line.finish() }  // on an error; finishing twice is harmless
                try await agent.importStock(entries, lines: parsed.map(\.line)) { done in
                    line.update(done: Int64(done), total: Int64(entries.count))
                }
                line.finish()
                print("imported \(entries.count) stock rows from \(file)")
            }
        }
    }
}

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "What is recorded locally.",
        subcommands: [Stock.self, Checkpoint.self, Notices.self, Delivery.self]
    )

    struct Delivery: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Online orders and deliveries per day, as this device knows them.")
        @OptionGroup var db: DatabaseOptions
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let rows = try await db.open().deliveries()
                if json { return try printJSON(rows) }
                if rows.isEmpty { print("no deliveries recorded (线上订单)") }
                for r in rows {
                    let q = r.quantities.sorted { $0.key < $1.key }.map { "\($0.key) \(formatQuantity($0.value))" }.joined(separator: ", ")
                    print("\(r.date)\torders \(r.orders)\tserved \(r.served)\tsales \(String(format: "%.2f", r.revenue))"
                          + "\tvehicles \(r.vehicles.map(String.init) ?? "-")\t\(q)")
                }
            }
        }
    }

    struct Stock: AsyncParsableCommand {
        @OptionGroup var db: DatabaseOptions
        @Option var date: String?
        func validate() throws { try CommandLineTool.validateDate(date) }
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let rows = try await db.open().stock(date: try date.map { t throws(DomainError) in try CalendarDate(t) })
                if json { return try printJSON(rows) }
                print("date        commodity     on_hand       sold   price")
                for r in rows {
                    let line = [
                        r.date.padding(toLength: 12, withPad: " ", startingAt: 0),
                        r.commodity.padding(toLength: 12, withPad: " ", startingAt: 0),
                        String(format: "%9.1f", r.onHand ?? 0), String(format: "%10.1f", r.sold ?? 0),
                        String(format: "%7.2f", r.price ?? 0),
                    ]
                    print(line.joined(separator: " "))
                }
            }
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        @OptionGroup var db: DatabaseOptions
        @Option var date: String?
        func validate() throws { try CommandLineTool.validateDate(date) }
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let rows = try await db.open().checkpoints(date: try date.map { t throws(DomainError) in try CalendarDate(t) })
                if json { return try printJSON(rows) }
                print("date        checked  fever  no_mask  staff  disinfections")
                for r in rows {
                    print("\(r.date)  \(r.checked)  \(r.refusedFever)  \(r.refusedNoMask)  \(r.staffChecked)  \(r.disinfections)")
                }
            }
        }
    }

    struct Notices: AsyncParsableCommand {
        @OptionGroup var db: DatabaseOptions
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let notices = try await db.open().notices()
                if json { return try printJSON(notices) }
                if notices.isEmpty { print("no notices from the hub yet (通知)") }
                for n in notices { print("[\(n.postedAt ?? "")] \(n.text)") }
            }
        }
    }
}

struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Sync with the hub now.")
    @OptionGroup var db: DatabaseOptions
    @Flag var json = false
    @OptionGroup var progress: ProgressOptions

    func run() async throws {
        try await guarded {
            let line = progress.reporter(task: "syncing", unit: "changes")
            defer { line.finish() }  // on an error; finishing twice is harmless
            var client = SyncClient(database: try db.open())
            client.progress = { report in line.update(done: Int64(report.sent), total: Int64(report.sent) + report.pending) }
            let report = try await client.syncOnce()
            line.finish()
            if json { return try printJSON(report) }
            print("synced: sent \(report.sent) change(s) in \(report.batches) batch(es), received \(report.received); all acknowledged")
        }
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Keep syncing in the background until stopped (SIGTERM/SIGINT).")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "Seconds between syncs.") var interval: Double = 60

    func run() async throws {
        try await guarded {
            guard interval > 0 else { throw AgentError(.invalidInput, "interval: must be positive") }
            LoggingSystem.bootstrap(StreamLogHandler.standardError)
            let logger = Logger(label: "baogong.agent")
            let client = SyncClient(database: try db.open(), logger: logger)
            let service = AgentSyncService(client: client, interval: interval, logger: logger)
            let group = ServiceGroup(
                configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            )
            try await group.run()
        }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Sync status: what is pending and when the hub last answered.")
    @OptionGroup var db: DatabaseOptions
    @Flag var json = false

    func run() async throws {
        try await guarded {
            let s = try await db.open().status()
            if json { return try printJSON(s) }
            let now = Date()
            let synced = s.lastSyncAt.map { "last synced \(Elapsed.since($0, now: now))" }
                ?? s.lastBundleAt.map { "last synced by file \(Elapsed.since($0, now: now))" } ?? "never synced"
            if s.pending == 0 {
                print("all synced (已同步): \(synced); store \(s.store), replica \(s.replica)")
            } else {
                let oldest = s.oldestPendingAt.map { " (oldest \(Elapsed.since($0, now: now, suffix: "")))" } ?? ""
                print("\(synced), \(s.pending) pending (待同步)\(oldest); store \(s.store), replica \(s.replica)")
            }
            if let error = s.lastError { print("last error: \(error) (at \(s.lastAttemptAt ?? "?"))") }
            if let bundle = s.lastBundleAt { print("last answer file applied (离线数据包) \(Elapsed.since(bundle, now: now))") }
            print("hub \(s.hub), hub cursor \(s.hubCursor), acknowledged up to \(s.ackedSeq) of \(s.localSeq)")
            if s.hubs.count > 1 { print("hubs, tried in order after the one in use: \(s.hubs.joined(separator: ", "))") }
            print(
                s.tls
                    ? "TLS (加密): yes, \(s.caCert ? "checked against the county CA" : "checked against the system's CAs")"
                    : "TLS (加密): no\(s.allowInsecureHTTP ? ", plain http allowed off this machine" : "")"
            )
        }
    }
}
