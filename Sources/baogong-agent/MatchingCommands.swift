import ArgumentParser
import BaogongAgent
import BaogongCommandLine
import BaogongModel
import Foundation

// The matching desk at a site (供需对接): needs and surpluses posted offline, the hub's matches, answers.

func formatQuantity(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.2f", v)
}

struct NeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "need", abstract: "Needs this site posts to the matching desk (需求).",
        subcommands: [Post.self, Cancel.self, List.self]
    )

    struct Post: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Post a need (works offline); prints its id.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Commodity id from the catalog (vegetables, rice…).") var commodity: String
        @Option(help: "Variety, e.g. \"Chinese cabbage\".") var variety: String?
        @Option(parsing: .unconditional, help: "How much is needed.") var quantity: String
        @Option(help: "Unit of --quantity (default: the catalog unit; jin converts to kg).") var unit: CommodityUnit?
        @Option(help: "Needed by this day, YYYY-MM-DD.") var by: String
        @Option var note: String?
        @Flag var json = false
        func validate() throws { try CommandLineTool.validateDate(by, option: "--by") }

        func run() async throws {
            try await guarded {
                let need = try await db.open().postNeed(
                    commodity: commodity, variety: variety, quantity: try NumberParsing.quantity(quantity, field: "quantity"),
                    unit: unit, by: try CalendarDate(by), note: note
                )
                if json { return try printJSON(need) }
                print(need.id)
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a need this site posted.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The need's id.") var id: String
        func run() async throws {
            try await guarded {
                try await db.open().cancelPosting(.need, id: id)
                print("cancelled need \(id)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Needs this site posted.")
        @OptionGroup var db: DatabaseOptions
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let needs = try await db.open().needs()
                if json { return try printJSON(needs) }
                if needs.isEmpty { print("no needs posted (需求)") }
                for n in needs {
                    print("\(n.id)\t\(n.status)\t\(n.commodity)\(n.variety.map { " (\($0))" } ?? "")\t\(formatQuantity(n.quantity)) \(n.unit)"
                          + "\tby \(n.by ?? "-")\tmatched \(formatQuantity(n.matched))")
                }
            }
        }
    }
}

struct OfferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offer", abstract: "Surpluses this site offers on the matching desk (供应).",
        subcommands: [Post.self, Cancel.self, List.self]
    )

    struct Post: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Post a surplus (works offline); prints its id.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Commodity id from the catalog.") var commodity: String
        @Option(help: "Variety, e.g. \"red cabbage stalks\".") var variety: String?
        @Option(parsing: .unconditional, help: "How much is on offer.") var quantity: String
        @Option(help: "Unit of --quantity (default: the catalog unit; jin converts to kg).") var unit: CommodityUnit?
        @Option(help: "On offer until this day, YYYY-MM-DD.") var until: String?
        @Option(help: "Where the goods are (village, township).") var location: String?
        @Option(parsing: .unconditional, help: "Asking price in yuan per --unit.") var price: String?
        @Flag var json = false
        func validate() throws { try CommandLineTool.validateDate(until, option: "--until") }

        func run() async throws {
            try await guarded {
                let offer = try await db.open().postOffer(
                    commodity: commodity, variety: variety, quantity: try NumberParsing.quantity(quantity, field: "quantity"),
                    unit: unit, until: try until.map { t throws(DomainError) in try CalendarDate(t) }, location: location,
                    priceFen: try price.map { p throws(DomainError) in try Money.fen(fromYuan: p) }
                )
                if json { return try printJSON(offer) }
                print(offer.id)
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel an offer this site posted.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The offer's id.") var id: String
        func run() async throws {
            try await guarded {
                try await db.open().cancelPosting(.offer, id: id)
                print("cancelled offer \(id)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Offers this site posted.")
        @OptionGroup var db: DatabaseOptions
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let offers = try await db.open().offers()
                if json { return try printJSON(offers) }
                if offers.isEmpty { print("no offers posted (供应)") }
                for o in offers {
                    print("\(o.id)\t\(o.status)\t\(o.commodity)\(o.variety.map { " (\($0))" } ?? "")\t\(formatQuantity(o.quantity)) \(o.unit)"
                          + "\tuntil \(o.until ?? "-")\tmatched \(formatQuantity(o.matched))")
                }
            }
        }
    }
}

struct MatchesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matches", abstract: "Matches the hub made that concern this site (对接结果)."
    )
    @OptionGroup var db: DatabaseOptions
    @Flag var json = false
    func run() async throws {
        try await guarded {
            let matches = try await db.open().matches()
            if json { return try printJSON(matches) }
            if matches.isEmpty { print("no matches for this site yet; they arrive with a sync") }
            for m in matches {
                let direction = m.side == "need" ? "from" : "to"
                print("\(m.id)\t\(m.status)\t\(m.commodity)\(m.variety.map { " (\($0))" } ?? "")\t\(formatQuantity(m.quantity)) \(m.unit)"
                      + "\t\(direction) \(m.counterpartName ?? m.counterpart)\(m.answer.map { "\tyour answer: \($0)" } ?? "")")
            }
        }
    }
}

struct MatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match", abstract: "Answer a match: accept, decline, or record what arrived.",
        subcommands: [Accept.self, Decline.self, Received.self]
    )

    struct Accept: AsyncParsableCommand {
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The match's id.") var id: String
        func run() async throws {
            try await guarded {
                try await db.open().answerMatch(id: id, answer: .accepted, reason: nil)
                print("accepted match \(id)")
            }
        }
    }

    struct Decline: AsyncParsableCommand {
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The match's id.") var id: String
        @Option var reason: String?
        func run() async throws {
            try await guarded {
                try await db.open().answerMatch(id: id, answer: .declined, reason: reason)
                print("declined match \(id)")
            }
        }
    }

    struct Received: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record what arrived (receiving site only); also adds it to today's received stock."
        )
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The match's id.") var id: String
        @Option(parsing: .unconditional, help: "How much arrived.") var quantity: String
        @Option(help: "Unit of --quantity (default: the catalog unit).") var unit: CommodityUnit?
        func run() async throws {
            try await guarded {
                let amount = try await db.open().recordReceipt(
                    id: id, quantity: try NumberParsing.quantity(quantity, field: "quantity"), unit: unit
                )
                print("recorded \(formatQuantity(amount)) received for match \(id)")
            }
        }
    }
}
