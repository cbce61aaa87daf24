import ArgumentParser
import BaogongCommandLine
import BaogongHub
import BaogongModel
import Foundation

/// `baogong-hub passes …`: green-channel passes (绿色通道通行证).
struct PassesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passes", abstract: "Green-channel passes (绿色通道通行证): issue, list, revoke.",
        subcommands: [Issue.self, List.self, Revoke.self]
    )

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign a pass for a store's vehicle and print it with its code.")
        @OptionGroup var db: HubDatabaseOptions
        @Option(help: "The store the vehicle brings supplies to.") var store: String
        @Option(help: "The vehicle's number plate, e.g. 湘L12345.") var plate: String
        @Option var driver: String?
        @Option var cargo: String?
        @Option var route: String?
        @Option(help: "First valid day, YYYY-MM-DD.") var from: String
        @Option(help: "Last valid day, YYYY-MM-DD.") var to: String
        @Flag var json = false
        func validate() throws {
            try CommandLineTool.validateDate(from, option: "--from")
            try CommandLineTool.validateDate(to, option: "--to")
        }
        func run() async throws {
            try await guarded {
                let pass = try await db.open().issuePass(
                    store: store, plate: plate, driver: driver, cargo: cargo, route: route, from: try CalendarDate(from),
                    to: try CalendarDate(to), now: Date()
                )
                if json { return try printJSON(pass) }
                print("pass \(pass.id) for \(pass.plate) to \(pass.store), valid \(pass.validFrom) to \(pass.validTo)")
                print("code: \(pass.code)")
                print("print it from the dashboard: /passes/\(pass.id)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var db: HubDatabaseOptions
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let passes = try await db.open().passes()
                if json { return try printJSON(passes) }
                let today = Timestamps.today()
                for p in passes {
                    let state = p.revokedAt != nil ? "REVOKED" : p.isActive(on: today) ? "active" : "not active today"
                    print("\(p.id)\t\(p.store)\t\(p.plate)\t\(p.validFrom)…\(p.validTo)\t\(state)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a pass; every agent refuses it after its next sync.")
        @OptionGroup var db: HubDatabaseOptions
        @Argument(help: "The pass's id.") var id: String
        @Option var reason: String?
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let pass = try await db.open().revokePass(id: id, reason: reason, now: Date())
                if json { return try printJSON(pass) }
                print("revoked pass \(pass.id) (\(pass.plate))")
            }
        }
    }
}

/// `baogong-hub deliveries`: online orders and home deliveries over a period (线上订单、线下配送).
struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries", abstract: "Online orders and deliveries over a period, county-wide and per store."
    )
    @OptionGroup var db: HubDatabaseOptions
    @OptionGroup var period: PeriodOptions
    @Flag var json = false
    func run() async throws {
        try await guarded {
            let (first, last) = try period.dates()
            let view = DeliveriesView(try await db.open().deliveries(from: first, to: last), from: first, to: last)
            if json { return try printJSON(view) }
            print("orders \(view.orders), served \(view.served), revenue \(String(format: "%.2f", view.revenue)) yuan;"
                  + " vehicles \(view.vehicles), staff \(view.staff), groups \(view.groups)")
            for (c, q) in view.quantities.sorted(by: { $0.key < $1.key }) { print("  \(c): \(formatQuantity(q))") }
        }
    }
}
