import BaogongAgent
import Foundation

/// Scenario 9: `baogong-agent import stock` of an N-row CSV (the release process, start included),
/// against `sqlite3 .import` of the same file into a keyed WAL table, timed in the same run: the
/// storage floor. Each side gets a fresh database, best of three.
struct CSVImportScenario {
    var rows: Int
    var directory: URL
    var binDirectory: String
    static let name = "9 csv import"

    var binaries: ReleaseBinaries { ReleaseBinaries(directory: binDirectory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func run() async throws -> [ResultRow] {
        try binaries.check()
        _ = try SQLiteImportBaseline.sqlite3()  // before the long part, if it is missing
        let csv = path("stock.csv")
        try Self.csv(rows: rows).write(toFile: csv, atomically: true, encoding: .utf8)

        var agentSeconds = [Double]()
        for round in 0..<3 {
            let db = path("agent-\(round).sqlite")
            _ = try AgentDatabase.create(path: db, store: "S0001", hub: "http://127.0.0.1:9", token: "s.S0001.bench")
            let (status, seconds) = try Measure.time {
                try Shell.spawnAndWait(binaries.agent, ["import", "stock", "--db", db, csv, "--progress", "none"])
            }
            guard status == 0 else { throw BenchError("import stock failed: \(try Shell.run(binaries.agent, ["import", "stock", "--db", db, csv]).stderr)") }
            agentSeconds.append(seconds)
        }
        let sqlite = try SQLiteImportBaseline.bestSeconds(csv: csv, directory: directory)
        let agent = agentSeconds.min()!
        let n = Double(rows)
        let ratio = agent / sqlite
        let targeted = rows == 100_000
        return [
            ResultRow(Self.name, "\(Format.count(rows)) rows: baogong-agent import stock (process), rows/s", n / agent, unit: "/s",
                      display: Format.number(n / agent) + String(format: " /s (%.2f s)", agent),
                      target: targeted ? "≥ 150,000 /s" : nil, met: targeted ? n / agent >= 150_000 : nil),
            ResultRow(Self.name, "same file: sqlite3 .import into a keyed WAL table, rows/s", n / sqlite, unit: "/s",
                      display: Format.number(n / sqlite) + String(format: " /s (%.2f s)", sqlite)),
            ResultRow(Self.name, "import stock time / sqlite3 .import time", ratio, unit: "×",
                      display: String(format: "%.1f×", ratio), target: "≤ 3×", met: ratio <= 3),
        ]
    }

    /// A stock CSV of `rows` rows over the seven commodities, one day per seven rows.
    static func csv(rows: Int) -> String {
        var text = "date,commodity,on_hand,sold,received,price,source,restock_days,transport_days,channel,note\n"
        text.reserveCapacity(rows * 64)
        for i in 0..<rows {
            let e = Workload.entry(index: i)
            func number(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "" }
            text += "\(e.date),\(e.commodity),\(number(e.onHand)),\(number(e.sold)),\(number(e.received)),"
            text += String(format: "%.2f", Double(e.priceFen) / 100)
            text += ",\(e.source ?? ""),\(e.restockDays.map(String.init) ?? ""),\(e.transportDays.map(String.init) ?? ""),\(e.channel ?? ""),\(e.note ?? "")\n"
        }
        return text
    }
}
