import ArgumentParser
import BaogongAgent
import BaogongCommandLine
import BaogongModel
import Foundation

/// `baogong-agent passes`: this store's green-channel passes, to print or show.
struct PassesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passes", abstract: "This store's green-channel passes (绿色通道通行证), as the hub issued them."
    )
    @OptionGroup var db: DatabaseOptions
    @Flag var json = false
    func run() async throws {
        try await guarded {
            let passes = try await db.open().passes()
            if json { return try printJSON(passes) }
            if passes.isEmpty { print("no passes for this store yet; they arrive with a sync") }
            for p in passes {
                print("\(p.id)\t\(p.plate)\t\(p.validFrom)…\(p.validTo)\(p.revoked ? "\tREVOKED" : "")\n  \(p.code)")
            }
        }
    }
}

/// `baogong-agent pass verify CODE`: checks a pass with no network.
struct PassCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pass", abstract: "Check a green-channel pass with no network.", subcommands: [Verify.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a pass code from the local database alone; exit 0 only when it is valid."
        )
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The pass code (BGP1.….…), as printed or read from its QR code.") var code: String
        @Flag var json = false
        func run() async throws {
            let check = try await guarded { try await db.open().verifyPass(code) }
            if json { try printJSON(check) }
            guard check.status == .valid else {
                CommandLineTool.refuse("baogong-agent", "\(check.status.rawValue): \(check.reason)")
                throw ExitCode(1)
            }
            if !json { print("valid 有效: \(check.reason)") }
        }
    }
}

/// `baogong-agent delivery record`: a day's online orders and home deliveries (线上订单、线下配送).
struct DeliveryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delivery", abstract: "Online orders and home deliveries (线上订单、线下配送).", subcommands: [Record.self]
    )

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a day's orders, persons served, sales and quantities; set vehicles, staff and groups."
        )
        @OptionGroup var db: DatabaseOptions
        @Option(help: "YYYY-MM-DD (default: today).") var date: String?
        @Option(parsing: .unconditional, help: "Orders to add.") var orders: String
        @Option(parsing: .unconditional, help: "Persons served to add.") var served: String?
        @Option(parsing: .unconditional, help: "Sales to add, in yuan.") var revenue: String?
        @Option(parsing: .unconditional, help: "Vehicles delivering (the day's fleet).") var vehicles: String?
        @Option(parsing: .unconditional, help: "Delivery staff.") var staff: String?
        @Option(parsing: .unconditional, help: "Order groups (e.g. WeChat groups).") var groups: String?
        @Option(help: "Delivered quantity, COMMODITY=AMOUNT in the catalog unit (repeatable).") var quantity: [String] = []
        @Option(help: "Townships served.") var townships: String?
        func validate() throws { try CommandLineTool.validateDate(date) }

        func run() async throws {
            try await guarded {
                var quantities = [String: Double]()
                for item in quantity {
                    let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                    guard parts.count == 2, !parts[0].isEmpty else {
                        throw AgentError(.invalidInput, "quantity: '\(item)' must be COMMODITY=AMOUNT, e.g. rice=250")
                    }
                    quantities[parts[0], default: 0] += try NumberParsing.quantity(parts[1], field: "quantity")
                }
                func count(_ text: String?, _ field: String) throws -> Int64? {
                    try text.map { v throws(DomainError) in try NumberParsing.count(v, field: field) }
                }
                let entry = AgentDatabase.DeliveryEntry(
                    date: try parseDate(date), orders: try count(orders, "orders") ?? 0, served: try count(served, "served") ?? 0,
                    revenueFen: try revenue.map { v throws(DomainError) in try Money.fen(fromYuan: v, field: "revenue") } ?? 0,
                    vehicles: try count(vehicles, "vehicles"), staff: try count(staff, "staff"), groups: try count(groups, "groups"),
                    townships: townships, quantities: quantities
                )
                try await db.open().recordDelivery(entry)
                print("added to \(entry.date): orders +\(entry.orders), served +\(entry.served),"
                      + " sales +\(Money.yuanString(fen: entry.revenueFen)) yuan")
            }
        }
    }
}
