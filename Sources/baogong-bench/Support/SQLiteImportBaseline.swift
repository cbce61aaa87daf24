import Foundation

/// The storage floor that issue targets are stated against: `sqlite3 .import` of a stock CSV into a
/// keyed WAL table with the same columns, each round into a fresh file, best of `rounds`.
enum SQLiteImportBaseline {
    static func sqlite3() throws -> String {
        guard let path = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"].first(where: FileManager.default.isExecutableFile(atPath:))
        else { throw BenchError("the sqlite3 command is needed for the baseline (apt-get install sqlite3)") }
        return path
    }

    /// Seconds of the fastest of `rounds` imports of `csv` (files named after `name` in `directory`).
    static func bestSeconds(csv: String, directory: URL, name: String = "sqlite", rounds: Int = 3) throws -> Double {
        let sqlite3 = try sqlite3()
        var seconds = [Double]()
        for round in 0..<rounds {
            let baseline = directory.appendingPathComponent("\(name)-\(round).sqlite").path
            let schema = """
                PRAGMA journal_mode=WAL;
                CREATE TABLE stock(date TEXT, commodity TEXT, on_hand REAL, sold REAL, received REAL, price REAL, source TEXT,
                    restock_days INTEGER, transport_days INTEGER, channel TEXT, note TEXT, PRIMARY KEY(date, commodity)) WITHOUT ROWID;
                """
            guard try Shell.run(sqlite3, [baseline, schema]).status == 0 else { throw BenchError("sqlite3 could not create the table") }
            let (imported, elapsed) = try Measure.time {
                try Shell.run(sqlite3, [baseline, ".import --csv --skip 1 \(csv) stock"])
            }
            guard imported.status == 0 else { throw BenchError("sqlite3 .import failed: \(imported.stderr)") }
            seconds.append(elapsed)
        }
        return seconds.min()!
    }
}
